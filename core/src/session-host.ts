import {
  type Failure,
  type LinkStatus,
  linkMachine,
  type SessionEngineEvent,
  sessionMachine,
} from '@netbearer/machines';
import { type Actor, type AnyActorRef, fromPromise, type InspectionEvent } from 'xstate';
import type { ConfigurationRecord } from './configuration-record.js';
import { EngineError } from './errors.js';
import { Link, type LinkLogic, type LinkObserver, statusOf } from './link.js';

export type SessionLogic = typeof sessionMachine;
export type SessionActor = Actor<SessionLogic>;

/** What the host needs from the manager: records by identifier and the user-choice rule. */
export interface RecordSource {
  record(identifier: string): ConfigurationRecord | undefined;
  resolveUserChoice(): ConfigurationRecord | undefined;
}

/** The session a binding belongs to, as the host sees it. */
export interface BindingOwner {
  /** Whether the application listens for preferredConfigurationChanged. */
  takesPartInRoaming(): boolean;
  /** The ConnectInBackground property: bring links up without involving the user. */
  connectsInBackground(): boolean;
  /** A configuration's usage policies changed; the session checks whether it cares. */
  usagePoliciesMayHaveChanged(): void;
}

/** The routing state of one session: which links it follows, holds and roams to. */
export class Binding {
  /** The access point link the session follows; null: a service network's summary. */
  active: Link | null = null;
  target: Link | null = null;
  /** What a user choice resolved to at open. */
  resolved: ConfigurationRecord | null = null;
  readonly holds = new Set<Link>();
  sent: LinkStatus | null = null;
  targetSeen: LinkStatus | null = null;
  /** The last engine-reported roam offered, so one report is offered once. */
  offered: string | null = null;
  /** Service network members as last considered for a roam: only a change is news. */
  readonly members = new Map<string, LinkStatus>();

  constructor(
    readonly record: ConfigurationRecord,
    readonly actor: SessionActor,
    readonly owner: BindingOwner,
  ) {}

  get isOpen(): boolean {
    return this.actor.getSnapshot().context.isOpen;
  }

  /** The configuration the session is on: the user choice's resolution, or its own. */
  get effective(): ConfigurationRecord {
    return this.resolved ?? this.record;
  }
}

const statusEvents: Record<LinkStatus, SessionEngineEvent> = {
  Removed: { type: 'LINK_REMOVED' },
  Unavailable: { type: 'LINK_UNAVAILABLE' },
  Down: { type: 'LINK_DOWN' },
  Starting: { type: 'LINK_STARTING' },
  Up: { type: 'LINK_UP' },
  Stopping: { type: 'LINK_STOPPING' },
};

const summaryOrder: readonly LinkStatus[] = ['Up', 'Starting', 'Stopping', 'Down', 'Unavailable'];

/**
 * Runs the link machines of one manager and turns their changes into the events of the
 * session machines that follow them; performs the sessions' side effects (acquire, release,
 * stop, roam). Service networks are implemented here, on top of any engine: a session on one
 * follows the best member and is offered roams between members.
 */
export class SessionHost implements LinkObserver {
  readonly sessionLogic: SessionLogic;
  readonly linkLogic: LinkLogic;
  readonly #links = new Map<ConfigurationRecord, Link>();
  readonly #bindings = new Map<AnyActorRef, Binding>();
  readonly #pending: Array<() => void> = [];
  #draining = false;
  #refreshing = false;
  #dirty = false;

  constructor(
    readonly records: RecordSource,
    readonly inspect: ((event: InspectionEvent) => void) | undefined,
    /** Hears sessions come and go (they need their links kept current). */
    readonly sessionsChanged: () => void = () => {},
  ) {
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
          const target = context.roam?.configuration;
          later(self, (b) => this.#acquireTarget(b, target));
        },
        releaseTarget: ({ self }) => later(self, (b) => this.#releaseTarget(b)),
        commitTarget: ({ self }) => later(self, (b) => this.#commitTarget(b)),
      },
    });
    const engineOf = (identifier: string) => this.records.record(identifier)?.engine;
    this.linkLogic = linkMachine.provide({
      actions: {
        claim: ({ context }) => engineOf(context.identifier)?.claim?.(context.identifier),
        leave: ({ context }) => {
          const options = { signal: new AbortController().signal, mode: 'release' as const };
          // Nobody here waits for it: a refused release leaves the link up, as it was, and
          // a link the engine does take down is observed going down like any other.
          engineOf(context.identifier)
            ?.disconnect(context.identifier, options)
            .catch(() => {});
        },
      },
      actors: {
        connect: fromPromise(async ({ input, signal }) => {
          const engine = engineOf(input.identifier);
          if (!engine) throw new EngineError('ConnectError', 'No engine owns it.');
          return engine.connect(input.identifier, { signal, background: input.background });
        }),
        disconnect: fromPromise(async ({ input, signal }) => {
          const engine = engineOf(input.identifier);
          if (!engine) return 'down' as const;
          return engine.disconnect(input.identifier, { signal, mode: input.mode });
        }),
      },
    });
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
    for (const link of binding.holds) link.actor.send({ type: 'RELEASE' });
    binding.holds.clear();
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
      const { isOpen, opening, roam } = b.actor.getSnapshot().context;
      if (b.record === record && !isOpen && !opening && !roam) this.detach(b);
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
      if (b.active?.record.identifier !== from || !b.isOpen) continue;
      if (b.actor.getSnapshot().context.roam) continue;
      this.#offer(b, to, seamless, b.active.status === 'Up');
    }
  }

  /** How much a session's link is up right now, for interface() and statistics. */
  linkFor(binding: Binding): Link | undefined {
    if (binding.active) return binding.active;
    const record = binding.effective;
    if (record.type !== 'ServiceNetwork') return undefined;
    return this.#children(record).find((link) => link.status === 'Up');
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
          this.#offerServiceNetworkRoam(b);
          this.#syncTarget(b);
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
    this.#offerServiceNetworkRoam(b);
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
    const { isOpen, opening, roam } = b.actor.getSnapshot().context;
    if (isOpen || opening || roam) return;
    for (const link of b.holds) link.actor.send({ type: 'RELEASE' });
    b.holds.clear();
    b.target = null;
    b.resolved = null;
    b.members.clear();
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

  #children(record: ConfigurationRecord): Link[] {
    const links: Link[] = [];
    for (const id of record.children) {
      const child = this.records.record(id);
      if (child?.valid && child.type === 'InternetAccessPoint') links.push(this.linkOf(child));
    }
    return links;
  }

  #followed(b: Binding): LinkStatus {
    // A service network outlives its members: with its member gone, follow the network.
    const memberGone = b.active?.status === 'Removed' && b.effective.type === 'ServiceNetwork';
    if (b.active && !memberGone) return b.active.status;
    const record = b.effective;
    if (!record.valid) return 'Removed';
    if (record.type === 'UserChoice') return statusOf(record, undefined);
    if (record.type !== 'ServiceNetwork') return statusOf(record, this.#links.get(record));
    const statuses = new Set(this.#children(record).map((link) => link.status));
    return summaryOrder.find((status) => statuses.has(status)) ?? 'Unavailable';
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

  #syncTarget(b: Binding): void {
    const target = b.target;
    if (!target || target.status === b.targetSeen) return;
    b.targetSeen = target.status;
    if (target.status === 'Up') b.actor.send({ type: 'ROAM_TARGET_UP' });
    else if (target.status !== 'Starting' && target.status !== 'Stopping') {
      b.actor.send({
        type: 'ROAM_TARGET_FAILED',
        failure: { error: 'RoamingError', message: 'The new configuration went away.' },
      });
    }
  }

  #hold(b: Binding, link: Link): void {
    if (b.holds.has(link)) return;
    b.holds.add(link);
    link.actor.send({ type: 'ACQUIRE', background: b.owner.connectsInBackground() });
  }

  #unhold(b: Binding, link: Link | null): void {
    if (link && b.holds.delete(link)) link.actor.send({ type: 'RELEASE' });
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
      const child = this.#bestChild(record);
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
    this.#hold(b, b.active);
    this.#sync(b);
  }

  #refuse(b: Binding, message: string): void {
    b.actor.send({
      type: 'CONNECT_FAILED',
      failure: { error: 'InvalidConfigurationError', message },
    });
  }

  #release(b: Binding): void {
    this.#unhold(b, b.active);
    const home = this.#home(b);
    if (b.active !== home) b.active = home;
  }

  #stop(b: Binding): void {
    if (b.active) {
      b.active.actor.send({ type: 'STOP' });
      return;
    }
    // A service network nobody here opened: stopping it stops every member that is up.
    for (const link of this.#children(b.effective)) {
      if (link.status === 'Up' || link.status === 'Starting') link.actor.send({ type: 'STOP' });
    }
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
    this.#hold(b, link);
    // The acquire may wait in the link's mailbox (this can run inside the link's own change):
    // a link that is down is about to start, so only what it does next is news.
    const waiting = link.status === 'Down' || link.status === 'Stopping';
    b.targetSeen = waiting ? link.status : null;
    this.#syncTarget(b);
  }

  #releaseTarget(b: Binding): void {
    this.#unhold(b, b.target);
    b.target = null;
    b.targetSeen = null;
  }

  #commitTarget(b: Binding): void {
    const old = b.active;
    b.active = b.target;
    b.target = null;
    b.targetSeen = null;
    b.offered = null;
    this.#unhold(b, old);
    b.sent = b.active?.status ?? null;
    this.#viewMembers(b);
  }

  /**
   * The member a service network session opens on: the most preferred one that is up (no
   * wait), else the most preferred one that can be brought up.
   */
  #bestChild(record: ConfigurationRecord): Link | undefined {
    const children = this.#children(record);
    return (
      children.find((link) => link.status === 'Up') ??
      children.find((link) => link.status === 'Down')
    );
  }

  #offerServiceNetworkRoam(b: Binding): void {
    const record = b.effective;
    const current = b.active;
    if (record.type !== 'ServiceNetwork' || !current || !b.isOpen) return;
    if (b.actor.getSnapshot().context.roam) return;
    const children = this.#children(record);
    const upgrade = current.status === 'Up' || current.status === 'Stopping';
    // Still up: only a more preferred member is better. Lost: any other usable member,
    // one that is up first (a seamless move).
    const others = children.filter((link) => link !== current);
    const usable = (link: Link) => link.status === 'Up' || link.status === 'Down';
    const best = upgrade
      ? children.slice(0, children.indexOf(current)).find(usable)
      : (others.find((link) => link.status === 'Up') ?? others.find(usable));
    // A member is offered when it changes (comes in reach, comes up), not for being there:
    // one already offered, or already in view when the session moved, is no news.
    const id = best?.record.identifier;
    if (!best || !id || b.members.get(id) === best.status) return;
    b.members.set(id, best.status);
    const forced = !b.owner.takesPartInRoaming();
    if (forced && !record.hasCapability('ForcedRoaming')) return;
    this.#send(b, best.record.identifier, best.status === 'Up', upgrade, forced);
  }

  /** Remembers how the members of a service network look from where the session now is. */
  #viewMembers(b: Binding): void {
    b.members.clear();
    if (b.effective.type !== 'ServiceNetwork') return;
    for (const link of this.#children(b.effective))
      b.members.set(link.record.identifier, link.status);
  }

  #offer(b: Binding, to: string, seamless: boolean, upgrade: boolean): void {
    const key = `${to}:${upgrade}`;
    if (b.offered === key) return;
    const forced = !b.owner.takesPartInRoaming();
    if (forced && !b.effective.hasCapability('ForcedRoaming')) return;
    b.offered = key;
    this.#send(b, to, seamless, upgrade, forced);
  }

  #send(b: Binding, to: string, seamless: boolean, upgrade: boolean, forced: boolean): void {
    b.actor.send({ type: 'BETTER_CONFIGURATION', configuration: to, seamless, upgrade, forced });
  }
}
