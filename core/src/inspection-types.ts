import type { LinkStatus, linkMachine, SessionState } from '@netbearer/machines';
import type { InspectionEvent, Observer, SnapshotFrom, Subscription } from 'xstate';
import type { EngineConfiguration, NetworkInformation } from './engine.js';
import type { NetworkSession } from './network-session.js';
import type { SessionActorView, SessionInspectionEvent } from './session-actor.js';

/*
 * What `manager.inspect()` delivers and lists: the public side of core's inspection
 * (inspection.ts runs it).
 */

type LinkLogic = typeof linkMachine;

/** A snapshot of a link's machine. */
export type LinkSnapshot = SnapshotFrom<LinkLogic>;

/**
 * A read-only view of a link's XState actor (one access point's activation, shared by every
 * session on it): its snapshot and its snapshots as they change. It cannot be sent events.
 */
export interface LinkActorView {
  readonly id: string;
  readonly sessionId: string;
  readonly getSnapshot: () => LinkSnapshot;
  readonly subscribe: (observer: (snapshot: LinkSnapshot) => void) => Subscription;
}

type ViewedAs<E, V> = E extends { readonly actorRef: unknown }
  ? Omit<E, 'actorRef' | 'sourceRef'> & { readonly actorRef: V } & ('sourceRef' extends keyof E
        ? { readonly sourceRef: V | undefined }
        : Record<never, never>)
  : never;

/** XState's inspection events of a link's actor, with the actor shown as its read-only view. */
export type LinkInspectionEvent = ViewedAs<InspectionEvent, LinkActorView>;

/** What an engine told the manager, or a link changing status, as the inspection hears it. */
export type EngineInspectionEvent =
  | { readonly type: 'configurationAdded'; readonly configuration: EngineConfiguration }
  | { readonly type: 'configurationChanged'; readonly configuration: EngineConfiguration }
  | { readonly type: 'configurationRemoved'; readonly identifier: string }
  | {
      /** A roaming offer: `to` is better than `from`. */
      readonly type: 'preferredConfiguration';
      readonly from: string;
      readonly to: string;
      readonly seamless: boolean;
    }
  | { readonly type: 'networkInformation'; readonly information: NetworkInformation }
  | { readonly type: 'unavailable' }
  | { readonly type: 'available'; readonly configurations: number }
  | {
      /** A link came up, went down, …: its machine's status changed. */
      readonly type: 'linkStatus';
      readonly linkId: string;
      readonly configurationId: string;
      readonly status: LinkStatus;
    };

/** One thing a manager's inspection observer hears. */
export type ManagerInspectionEvent =
  | {
      readonly type: 'session';
      /** The session actor's `sessionId` (also `session.actor.sessionId`). */
      readonly sessionId: string;
      readonly inspection: SessionInspectionEvent;
    }
  | {
      readonly type: 'link';
      readonly linkId: string;
      readonly inspection: LinkInspectionEvent;
    }
  | { readonly type: 'engine'; readonly engine: string; readonly event: EngineInspectionEvent };

/** A session as the inspection lists it. */
export interface InspectedSession {
  readonly id: string;
  readonly actor: SessionActorView;
  /** The session itself: its public methods are the only way to drive it. */
  readonly session: NetworkSession | undefined;
  /** The configuration the session was created on … */
  readonly configurationId: string;
  readonly configurationName: string;
  /** … and the one it is on (a user choice's resolution), which may differ. */
  readonly effectiveConfigurationId: string;
  /** Qt's seven values. */
  readonly state: SessionState;
  /** The machine's full state value. */
  readonly value: unknown;
  readonly isOpen: boolean;
  /** The id of the link the session follows, if any. */
  readonly activeLink: string | undefined;
  /** The id of the link it is roaming to, while it roams. */
  readonly roamTarget: string | undefined;
  /** The ids of the links it holds (counts in their reference counts). */
  readonly holds: readonly string[];
}

/** A link as the inspection lists it. */
export interface InspectedLink {
  readonly id: string;
  readonly actor: LinkActorView;
  readonly configurationId: string;
  readonly configurationName: string;
  readonly engine: string;
  readonly status: LinkStatus;
  readonly value: unknown;
  /** 'owned': this process brought it up; 'joined': it was up already; undefined: not up. */
  readonly ownership: 'owned' | 'joined' | undefined;
  /** The link machine's reference count. */
  readonly holders: number;
  /** The ids of the sessions that hold it. */
  readonly heldBy: readonly string[];
}

/**
 * What `manager.inspect()` returns: stop with `unsubscribe()`. Lists the manager's sessions
 * and links (only those whose ids are in `only`, if given). An observer object's `complete`
 * is called when the manager is disposed.
 */
export interface ManagerInspection extends Subscription {
  sessions(only?: ReadonlySet<string>): InspectedSession[];
  links(only?: ReadonlySet<string>): InspectedLink[];
}

export type ManagerInspectionObserver =
  | ((event: ManagerInspectionEvent) => void)
  | Observer<ManagerInspectionEvent>;
