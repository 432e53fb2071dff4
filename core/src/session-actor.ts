import type { sessionMachine } from '@netbearer/machines';
import type {
  Actor,
  EmittedFrom,
  InspectionEvent,
  Observer,
  SnapshotFrom,
  Subscription,
} from 'xstate';

type SessionLogic = typeof sessionMachine;

/**
 * A snapshot of a session's machine: `value` is the session state (`Roaming` with the roaming
 * flow's states below it; `sessionStateOf(value)` reads Qt's), `context` the rest.
 */
export type SessionSnapshot = SnapshotFrom<SessionLogic>;

/** What a session's machine emits: opened, closed, error, preferredConfigurationChanged, … */
export type SessionMachineEmitted = EmittedFrom<SessionLogic>;

type Viewed<E> = E extends { readonly actorRef: unknown }
  ? Omit<E, 'actorRef' | 'sourceRef'> & {
      /** The session's actor, as its read-only view. */
      readonly actorRef: SessionActorView;
    } & ('sourceRef' extends keyof E
        ? { readonly sourceRef: SessionActorView | undefined }
        : Record<never, never>)
  : never;

/**
 * XState's inspection events of one session's actor, with the actor shown as its read-only
 * view (`actorRef`, and `sourceRef` where the machine sent itself the event).
 */
export type SessionInspectionEvent = Viewed<InspectionEvent>;

/**
 * A read-only view of a session's XState actor: read its snapshot, subscribe to its
 * snapshots, hear what it emits, inspect it. It cannot send events, start or stop: the
 * session and its manager drive the actor, so nothing can put it out of step with the links.
 * To run the machine yourself, use `sessionMachine`.
 */
export interface SessionActorView {
  /** The actor's id (relative to its system). */
  readonly id: string;
  /** The actor's unique id; inspection events of the manager's `inspect` carry the same. */
  readonly sessionId: string;
  readonly getSnapshot: () => SessionSnapshot;
  /** Every snapshot (not only state changes) until unsubscribed; `complete` when disposed. */
  readonly subscribe: {
    (observer: Observer<SessionSnapshot>): Subscription;
    (
      next?: (snapshot: SessionSnapshot) => void,
      error?: (error: unknown) => void,
      complete?: () => void,
    ): Subscription;
  };
  /** What the machine emits, by type or '*' for all, as it happens (before the session's events). */
  readonly on: <T extends SessionMachineEmitted['type'] | '*'>(
    type: T,
    handler: (
      emitted: T extends '*' ? SessionMachineEmitted : Extract<SessionMachineEmitted, { type: T }>,
    ) => void,
  ) => Subscription;
  /** XState's inspection events of this actor from now on (events, snapshots, actions, …). */
  readonly inspect: (
    observer: Observer<SessionInspectionEvent> | ((event: SessionInspectionEvent) => void),
  ) => Subscription;
}

/** @internal The frozen read-only view of `actor`; it keeps no way back to the actor itself. */
export function viewOf(actor: Actor<SessionLogic>): SessionActorView {
  const viewed = (event: InspectionEvent): SessionInspectionEvent | undefined => {
    if (event.actorRef !== actor) return undefined;
    const shown: Record<string, unknown> = { ...event, actorRef: view };
    if ('sourceRef' in event) shown.sourceRef = event.sourceRef === actor ? view : undefined;
    return shown as SessionInspectionEvent;
  };
  const view: SessionActorView = Object.freeze({
    id: actor.id,
    sessionId: actor.sessionId,
    getSnapshot: () => actor.getSnapshot(),
    subscribe: ((...args: unknown[]) =>
      Reflect.apply(actor.subscribe, actor, args)) as SessionActorView['subscribe'],
    on: ((type: string, handler: (emitted: SessionMachineEmitted) => void) =>
      actor.on(type as '*', handler)) as SessionActorView['on'],
    inspect: (observer: Parameters<SessionActorView['inspect']>[0]) => {
      const next = typeof observer === 'function' ? observer : observer.next?.bind(observer);
      const subscription = actor.system.inspect((event: InspectionEvent) => {
        const shown = viewed(event);
        if (shown) next?.(shown);
      });
      return { unsubscribe: () => subscription.unsubscribe() };
    },
  });
  return view;
}
