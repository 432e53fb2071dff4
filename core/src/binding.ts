import type { LinkStatus, sessionMachine } from '@netbearer/machines';
import type { Actor } from 'xstate';
import type { ConfigurationRecord } from './configuration-record.js';
import type { Link } from './link.js';

export type SessionLogic = typeof sessionMachine;
export type SessionActor = Actor<SessionLogic>;

/** The session a binding belongs to, as the host sees it. */
export interface BindingOwner {
  /** Whether the application listens for preferredConfigurationChanged. */
  takesPartInRoaming(): boolean;
  /** The ConnectInBackground property: bring links up without involving the user. */
  connectsInBackground(): boolean;
  /** A configuration's usage policies changed; the session checks whether it cares. */
  usagePoliciesMayHaveChanged(): void;
}

/**
 * The routing state of one session: which link it follows, which links it holds open, and
 * the link it roams to. The host keeps one per session and moves it as links change.
 */
export class Binding {
  /** The access point link the session follows; null: a service network's summary. */
  active: Link | null = null;
  /** The link a roam is bringing up (held while migrating, active once accepted). */
  target: Link | null = null;
  /** What a user choice resolved to at open. */
  resolved: ConfigurationRecord | null = null;
  readonly holds = new Set<Link>();
  /** The status last reported to the session machine, so only a change is sent. */
  sent: LinkStatus | null = null;
  /** The target's status last reported, likewise. */
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

  get roaming(): boolean {
    return this.actor.getSnapshot().matches('Roaming');
  }

  /** Neither open, opening nor roaming: the session needs no link held. */
  get idle(): boolean {
    const snapshot = this.actor.getSnapshot();
    const { isOpen, opening } = snapshot.context;
    return !isOpen && !opening && !snapshot.matches('Roaming');
  }

  /** The configuration the session is on: the user choice's resolution, or its own. */
  get effective(): ConfigurationRecord {
    return this.resolved ?? this.record;
  }

  /** Holds `link` open for this session (once, however often asked). */
  hold(link: Link): void {
    if (this.holds.has(link)) return;
    this.holds.add(link);
    link.actor.send({ type: 'ACQUIRE', background: this.owner.connectsInBackground() });
  }

  unhold(link: Link | null): void {
    if (link && this.holds.delete(link)) link.actor.send({ type: 'RELEASE' });
  }

  releaseHolds(): void {
    for (const link of this.holds) link.actor.send({ type: 'RELEASE' });
    this.holds.clear();
  }

  /** Lets go of every link held, and forgets the roam and the choices made at open. */
  letGo(): void {
    this.releaseHolds();
    this.target = null;
    this.resolved = null;
    this.members.clear();
  }

  /** Tells the session what became of its roam's target, if that is news. */
  reportTarget(): void {
    const target = this.target;
    if (!target || target.status === this.targetSeen) return;
    this.targetSeen = target.status;
    if (target.status === 'Up') this.actor.send({ type: 'ROAM_TARGET_UP' });
    else if (target.status !== 'Starting' && target.status !== 'Stopping') {
      this.actor.send({
        type: 'ROAM_TARGET_FAILED',
        failure: { error: 'RoamingError', message: 'The new configuration went away.' },
      });
    }
  }

  /** The roam is over without a move: the link it was bringing up is let go of. */
  releaseTarget(): void {
    this.unhold(this.target);
    this.target = null;
    this.targetSeen = null;
  }

  /** The roam is accepted: the session follows its target and lets go of the old link. */
  commitTarget(): void {
    const old = this.active;
    this.active = this.target;
    this.target = null;
    this.targetSeen = null;
    this.offered = null;
    this.unhold(old);
    this.sent = this.active?.status ?? null;
  }
}
