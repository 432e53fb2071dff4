import {
  type Failure,
  type LinkStatus,
  type SessionEngineEvent,
  sessionMachine,
} from '@netbearer/machines';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Binding, SessionLogic } from './binding.js';
import type { ConfigurationRecord } from './configuration-record.js';
import { Link, type LinkLogic, type LinkObserver, statusOf } from './link.js';
import { linkLogicOver } from './link-logic.js';
import { RoamOffers } from './roam-offers.js';
import { ServiceNetworks } from './service-network.js';

/** What the host needs from the manager: records by identifier and the user-choice rule. */
export interface RecordSource {
  record(identifier: string): ConfigurationRecord | undefined;
  resolveUserChoice(): ConfigurationRecord | undefined;
}

const statusEvents: Record<LinkStatus, SessionEngineEvent> = {
  Removed: { type: 'LINK_REMOVED' },
  Unavailable: { type: 'LINK_UNAVAILABLE' },
  Down: { type: 'LINK_DOWN' },
  Starting: { type: 'LINK_STARTING' },
  Up: { type: 'LINK_UP' },
  Stopping: { type: 'LINK_STOPPING' },
};

/**
 * Runs the link machines of one manager and turns their changes into the events of the
 * session machines that follow them (through each session's Binding); performs the sessions'
 * side effects (acquire, release, stop, roam) and offers them roams: the engine's, and
 * between the members of a service network (service-network.ts).
 */
export class SessionHost implements LinkObserver {
  readonly sessionLogic: SessionLogic;
  readonly linkLogic: LinkLogic;
  readonly #links = new Map<ConfigurationRecord, Link>();
  readonly #bindings = new Map<AnyActorRef, Binding>();
  readonly #serviceNetworks: ServiceNetworks;
  readonly #offers: RoamOffers;
  readonly #pending: Array<() => void> = [];
  #draining = false;
  #refreshing = false;
  #dirty = false;

  constructor(
    readonly records: RecordSource,
    /** Given to actors at creation; the manager's inspection changes it as observers come and go. */
    public inspect: ((event: InspectionEvent) => void) | undefined,
    /** Hears sessions come and go (they need their links kept current). */
    readonly sessionsChanged: () => void = () => {},
  ) {
    this.#serviceNetworks = new ServiceNetworks(
      (identifier) => this.records.record(identifier),
      (record) => this.linkOf(record),
    );
    this.#offers = new RoamOffers(this.#serviceNetworks);
    // Side effects wait until the acting session's transition is done, so its own state
    // change is reported before the changes it causes in other sessions.
    const later = (self: AnyActorRef, act: (b: Binding) => void) => {
      const b = this.#bindings.get(self);
      if (b) this.#pending.push(() => act(b));
    };
    this.sessionLogic = sessionMachine.provide({
      actions: {
        acquire: ({ self }) => later(self, (b) => this.#acquire(b)),
        release: ({ self }) => later(self, (b) => this.#release(b)),
        stopLink: ({ self }) => later(self, (b) => this.#stop(b)),
        acquireTarget: ({ self, context }) => {
          const target = context.roamingTo ?? undefined;
          later(self, (b) => this.#acquireTarget(b, target));
        },
        releaseTarget: ({ self }) => later(self, (b) => b.releaseTarget()),
        commitTarget: ({ self }) => later(self, (b) => this.#commitTarget(b)),
      },
    });
    this.linkLogic = linkLogicOver((identifier) => this.records.record(identifier)?.engine);
  }

  get hasSessions(): boolean {
    return this.#bindings.size > 0;
  }

  attach(binding: Binding): void {
    this.#bindings.set(binding.actor, binding);
    if (this.#bindings.size === 1) this.sessionsChanged();
    binding.active = this.#home(binding);
    binding.sent = this.#followed(binding);
    binding.actor.send({ type: 'BIND', status: binding.sent });
  }

  detach(binding: Binding): void {
    binding.releaseHolds();
    if (!this.#bindings.delete(binding.actor)) return;
    if (this.#bindings.size === 0) this.sessionsChanged();
    this.#collect();
  }

  /** The link machine of an access point, started on first use. */
  linkOf(record: ConfigurationRecord): Link {
    let link = this.#links.get(record);
    if (!link) {
      link = new Link(record, this.linkLogic, this, this.inspect);
      this.#links.set(record, link);
    }
    return link;
  }

  links(): IterableIterator<Link> {
    return this.#links.values();
  }

  bindings(): IterableIterator<Binding> {
    return this.#bindings.values();
  }

  /** The engine said something new about a configuration. */
  observed(record: ConfigurationRecord): void {
    this.#links.get(record)?.observe();
    this.refresh();
    if (!record.valid) this.#forget(record);
  }

  /**
   * A removed configuration never comes back (a new one with its identifier is another
   * configuration): sessions on it that have settled (Invalid) need nothing more from the
   * host, and its link machine stops once no session refers to it. A WLAN scan adds and
   * removes access points all day; memory stays flat.
   */
  #forget(record: ConfigurationRecord): void {
    for (const b of [...this.#bindings.values()]) {
      if (b.record === record && b.idle) this.detach(b);
    }
    this.#collect();
  }

  /** Stops the link machines of removed configurations that no session refers to. */
  #collect(): void {
    for (const [record, link] of this.#links) {
      if (link.status !== 'Removed' || this.#referenced(link)) continue;
      link.stop();
      this.#links.delete(record);
    }
  }

  #referenced(link: Link): boolean {
    for (const b of this.#bindings.values()) {
      if (b.active === link || b.target === link || b.holds.has(link)) return true;
    }
    return false;
  }

  /** The engine offers `to` as a better access point for sessions on `from`. */
  preferred(from: string, to: string, seamless: boolean): void {
    for (const b of this.#bindings.values()) {
      if (b.active?.record.identifier === from) this.#offers.fromEngine(b, to, seamless);
    }
  }

  /** How much a session's link is up right now, for interface() and statistics. */
  linkFor(binding: Binding): Link | undefined {
    if (binding.active) return binding.active;
    const record = binding.effective;
    if (record.type !== 'ServiceNetwork') return undefined;
    return this.#serviceNetworks.upMember(record);
  }

  dispose(): void {
    for (const binding of this.#bindings.values()) binding.actor.stop();
    this.#bindings.clear();
    for (const link of this.#links.values()) link.stop();
    this.#links.clear();
  }

  // LinkObserver

  linkChanged(link: Link): void {
    // A link that went down dropped its holders (lost, failed, stopped): so do the sessions.
    if (link.status === 'Down' || link.status === 'Unavailable' || link.status === 'Removed') {
      for (const b of this.#bindings.values()) b.holds.delete(link);
    }
    this.refresh();
  }

  linkFailed(link: Link, failure: Failure): void {
    for (const b of this.#bindings.values()) {
      b.holds.delete(link);
      if (b.target === link) {
        // A failed start ends Down: that is not news to report a second time.
        b.targetSeen = 'Down';
        b.actor.send({ type: 'ROAM_TARGET_FAILED', failure });
      } else if (this.#follows(b, link)) {
        b.actor.send({ type: 'CONNECT_FAILED', failure });
      }
    }
  }

  stopRefused(link: Link, failure: Failure): void {
    for (const b of this.#bindings.values()) {
      if (this.#follows(b, link)) b.actor.send({ type: 'STOP_REFUSED', failure });
    }
  }

  /** Brings every session up to date with its links; safe to call from inside a change. */
  refresh(): void {
    if (this.#refreshing) {
      this.#dirty = true;
      return;
    }
    this.#refreshing = true;
    try {
      do {
        this.#dirty = false;
        for (const b of this.#bindings.values()) {
          this.#offers.fromServiceNetwork(b);
          b.reportTarget();
          this.#sync(b);
        }
      } while (this.#dirty);
    } finally {
      this.#refreshing = false;
    }
  }

  /** Runs after each session transition: its deferred side effects, then the invariant. */
  afterTransition(b: Binding): void {
    this.#drain();
    this.#settle(b);
    // A service network session that just opened on a lesser member hears of a better one.
    this.#offers.fromServiceNetwork(b);
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let task = this.#pending.shift(); task; task = this.#pending.shift()) task();
    } finally {
      this.#draining = false;
    }
  }

  /** A session that is neither open nor opening holds nothing and follows its home. */
  #settle(b: Binding): void {
    if (!b.idle) return;
    b.letGo();
    const home = this.#home(b);
    if (b.active !== home) {
      b.active = home;
      this.#sync(b);
    }
  }

  #home(b: Binding): Link | null {
    return b.effective.type === 'InternetAccessPoint' && b.effective.valid
      ? this.linkOf(b.effective)
      : null;
  }

  #followed(b: Binding): LinkStatus {
    // A session outlives the links it roamed to (a service network its members): with such a
    // link removed, follow the session's own configuration.
    const roamedGone = b.active?.status === 'Removed' && b.active.record !== b.effective;
    if (b.active && !roamedGone) return b.active.status;
    const record = b.effective;
    if (!record.valid) return 'Removed';
    if (record.type === 'UserChoice') return statusOf(record, undefined);
    if (record.type !== 'ServiceNetwork') return statusOf(record, this.#links.get(record));
    return this.#serviceNetworks.status(record);
  }

  #follows(b: Binding, link: Link): boolean {
    if (b.active) return b.active === link;
    return b.effective.children.includes(link.record.identifier);
  }

  #sync(b: Binding): void {
    const status = this.#followed(b);
    if (status === b.sent) return;
    const before = b.sent;
    b.sent = status;
    // A service network or user choice that was connecting and no longer is, without coming
    // up (the member went away, or the session let go and follows its own configuration
    // again): for the session, that connect failed.
    const gaveUp = before === 'Starting' && status !== 'Up' && status !== 'Stopping';
    if (gaveUp && b.record.type !== 'InternetAccessPoint') {
      b.actor.send({
        type: 'CONNECT_FAILED',
        failure: { error: 'UnknownSessionError', message: 'The member being connected went away.' },
      });
    }
    b.actor.send(statusEvents[status]);
  }

  #acquire(b: Binding): void {
    if (b.record.type === 'UserChoice' && !b.resolved) {
      const resolved = this.records.resolveUserChoice();
      if (!resolved) {
        this.#refuse(b, 'No configuration is available to choose.');
        return;
      }
      b.resolved = resolved;
    }
    const record = b.effective;
    if (record.type === 'ServiceNetwork') {
      const child = this.#serviceNetworks.memberToOpen(record);
      if (!child) {
        this.#refuse(b, 'No member of the service network is available.');
        return;
      }
      b.active = child;
    } else {
      b.active = this.#home(b);
    }
    if (!b.active) {
      this.#refuse(b, 'The configuration cannot be opened.');
      return;
    }
    b.hold(b.active);
    this.#sync(b);
  }

  #refuse(b: Binding, message: string): void {
    b.actor.send({
      type: 'CONNECT_FAILED',
      failure: { error: 'InvalidConfigurationError', message },
    });
  }

  #release(b: Binding): void {
    b.unhold(b.active);
    const home = this.#home(b);
    if (b.active !== home) b.active = home;
  }

  #stop(b: Binding): void {
    if (b.active) {
      b.active.actor.send({ type: 'STOP' });
      return;
    }
    this.#serviceNetworks.stop(b.effective);
  }

  #acquireTarget(b: Binding, identifier: string | undefined): void {
    const record = identifier === undefined ? undefined : this.records.record(identifier);
    if (!record?.valid || record.type !== 'InternetAccessPoint') {
      b.actor.send({
        type: 'ROAM_TARGET_FAILED',
        failure: {
          error: 'RoamingError',
          message: `No access point ${identifier ?? ''} to roam to.`,
        },
      });
      return;
    }
    const link = this.linkOf(record);
    b.target = link;
    b.hold(link);
    // The acquire may wait in the link's mailbox (this can run inside the link's own change):
    // a link that is down is about to start, so only what it does next is news.
    const waiting = link.status === 'Down' || link.status === 'Stopping';
    b.targetSeen = waiting ? link.status : null;
    b.reportTarget();
  }

  #commitTarget(b: Binding): void {
    b.commitTarget();
    this.#serviceNetworks.viewFrom(b);
  }
}
