import {
  type LinkStatus,
  type linkMachine,
  linkOwnershipOf,
  linkStatusOfValue,
  type SessionState,
} from '@netbearer/machines';
import type { Actor, AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type {
  EngineInspectionEvent,
  InspectedLink,
  InspectedSession,
  LinkActorView,
  LinkInspectionEvent,
  LinkSnapshot,
  ManagerInspection,
  ManagerInspectionEvent,
  ManagerInspectionObserver,
} from './inspection-types.js';
import { sessionOf, sessionOfActor } from './internal.js';
import { type SessionActorView, type SessionInspectionEvent, viewOf } from './session-actor.js';
import type { SessionHost } from './session-host.js';

type LinkLogic = typeof linkMachine;

type Next = (event: ManagerInspectionEvent) => void;

/**
 * A manager's inspection: delivers the machine events of its sessions and links and what its
 * engines report to the observers attached, from the moment they attach. With no observer
 * attached nothing is installed on any actor and nothing is recorded: the host creates new
 * actors without an inspector, and the manager only checks `active` before an engine report.
 *
 * Existing actors are inspected through `actor.system.inspect` (removed at detach); actors
 * created while someone is attached get the dispatcher at creation, as XState offers no other
 * way to see an actor's first events. XState cannot remove that one, so after the last
 * observer leaves those actors (only those) still pay XState's copy of each event until they
 * stop; the dispatcher returns at once.
 *
 * Observers get read-only views of the actors, never the actors: nothing but the session's
 * methods can send them events. An observer that throws is ignored; the app's call goes on.
 */
export class Inspection {
  readonly #observers = new Set<Next>();
  /** What to tell each observer object when the manager is disposed. */
  readonly #completions = new Map<Next, () => void>();
  /** Actors created with the dispatcher; they need no `system.inspect` of their own. */
  readonly #hooked = new WeakSet<object>();
  readonly #subscriptions = new Map<AnyActorRef, Subscription>();
  readonly #sessionViews = new WeakMap<AnyActorRef, SessionActorView>();
  readonly #linkViews = new WeakMap<AnyActorRef, LinkActorView>();
  readonly #linkStatus = new WeakMap<AnyActorRef, LinkStatus>();

  constructor(
    private readonly host: SessionHost,
    /** The manager's `inspect` option: raw XState events of every actor, for its creator. */
    private readonly option: ((event: InspectionEvent) => void) | undefined,
  ) {
    this.#install();
  }

  /** Whether anyone is attached: the manager reports engine events only then. */
  get active(): boolean {
    return this.#observers.size > 0;
  }

  attach(observer: ManagerInspectionObserver): ManagerInspection {
    const next: Next =
      typeof observer === 'function'
        ? (event) => observer(event)
        : (event) => observer.next?.(event);
    this.#observers.add(next);
    if (typeof observer === 'object') this.#completions.set(next, () => observer.complete?.());
    if (this.#observers.size === 1) this.#start();
    return {
      unsubscribe: () => {
        this.#completions.delete(next);
        if (!this.#observers.delete(next)) return;
        if (this.#observers.size === 0) this.#stop();
      },
      sessions: (only) => this.sessions(only),
      links: (only) => this.links(only),
    };
  }

  /** Reports what an engine said; call only while `active`. */
  engine(engine: string, event: EngineInspectionEvent): void {
    this.#deliver({ type: 'engine', engine, event });
  }

  /** The manager is disposed: every observer is detached, and told (`complete`). */
  dispose(): void {
    const completions = [...this.#completions.values()];
    this.#completions.clear();
    this.#observers.clear();
    this.#stop();
    for (const complete of completions) {
      try {
        complete();
      } catch {
        // As with next: an observer's failure is not the manager's.
      }
    }
  }

  sessions(only?: ReadonlySet<string>): InspectedSession[] {
    const out: InspectedSession[] = [];
    for (const b of this.host.bindings()) {
      if (only && !only.has(b.actor.sessionId)) continue;
      const snapshot = b.actor.getSnapshot();
      out.push({
        id: b.actor.sessionId,
        actor: this.#sessionView(b.actor),
        session: sessionOf(b),
        configurationId: b.record.identifier,
        configurationName: b.record.name,
        effectiveConfigurationId: b.effective.identifier,
        state: qtState(snapshot.value),
        value: snapshot.value,
        isOpen: snapshot.context.isOpen,
        activeLink: b.active?.actor.sessionId,
        roamTarget: b.target?.actor.sessionId,
        holds: [...b.holds].map((link) => link.actor.sessionId),
      });
    }
    return out;
  }

  links(only?: ReadonlySet<string>): InspectedLink[] {
    const heldBy = new Map<string, string[]>();
    for (const b of this.host.bindings()) {
      for (const link of b.holds) {
        const list = heldBy.get(link.actor.sessionId) ?? [];
        list.push(b.actor.sessionId);
        heldBy.set(link.actor.sessionId, list);
      }
    }
    const out: InspectedLink[] = [];
    for (const link of this.host.links()) {
      if (only && !only.has(link.actor.sessionId)) continue;
      const snapshot = link.actor.getSnapshot();
      const ownership = linkOwnershipOf(snapshot.value);
      out.push({
        id: link.actor.sessionId,
        actor: this.#linkView(link.actor),
        configurationId: link.record.identifier,
        configurationName: link.record.name,
        engine: link.record.engine?.name ?? '',
        status: link.status,
        value: snapshot.value,
        ownership: ownership === 'Owned' ? 'owned' : ownership === 'Joined' ? 'joined' : undefined,
        holders: snapshot.context.holders,
        heldBy: heldBy.get(link.actor.sessionId) ?? [],
      });
    }
    return out;
  }

  /** The dispatcher new actors are created with, or none (so they cost nothing). */
  #install(): void {
    this.host.inspect = this.option || this.#observers.size > 0 ? this.#dispatch : undefined;
  }

  readonly #dispatch = (event: InspectionEvent): void => {
    if (event.type === '@xstate.actor') this.#hooked.add(event.actorRef);
    this.option?.(event);
    if (this.#observers.size > 0) this.#machine(event);
  };

  #start(): void {
    this.#install();
    const follow = (actor: AnyActorRef) => {
      if (this.#hooked.has(actor) || this.#subscriptions.has(actor)) return;
      this.#subscriptions.set(
        actor,
        actor.system.inspect((event: InspectionEvent) => this.#machine(event)),
      );
    };
    for (const b of this.host.bindings()) follow(b.actor);
    for (const link of this.host.links()) {
      this.#linkStatus.set(link.actor, link.status);
      follow(link.actor);
    }
  }

  #stop(): void {
    this.#install();
    for (const subscription of this.#subscriptions.values()) subscription.unsubscribe();
    this.#subscriptions.clear();
  }

  /** An event of some actor's system: only the session or link machine itself is reported. */
  #machine(event: InspectionEvent): void {
    const actor = event.actorRef as Actor<LinkLogic>;
    if (actor.sessionId !== event.rootId) return;
    if (event.type === '@xstate.snapshot' && event.snapshot.status === 'stopped') {
      // A stopped actor says nothing more: let it go.
      this.#subscriptions.get(actor)?.unsubscribe();
      this.#subscriptions.delete(actor);
    }
    if (actor.logic === (this.host.sessionLogic as unknown)) {
      const view = this.#sessionView(actor);
      const inspection = shownAs(event, actor, view) as SessionInspectionEvent;
      this.#deliver({ type: 'session', sessionId: actor.sessionId, inspection });
    } else if (actor.logic === this.host.linkLogic) {
      const view = this.#linkView(actor);
      const inspection = shownAs(event, actor, view) as LinkInspectionEvent;
      this.#deliver({ type: 'link', linkId: actor.sessionId, inspection });
      if (event.type === '@xstate.snapshot') this.#linkStatusChanged(actor);
    }
  }

  #linkStatusChanged(actor: Actor<LinkLogic>): void {
    const status = linkStatusOfValue(actor.getSnapshot().value);
    if (this.#linkStatus.get(actor) === status) return;
    this.#linkStatus.set(actor, status);
    const { identifier } = actor.getSnapshot().context;
    const engine = this.host.records.record(identifier)?.engine?.name ?? '';
    this.engine(engine, {
      type: 'linkStatus',
      linkId: actor.sessionId,
      configurationId: identifier,
      status,
    });
  }

  #deliver(event: ManagerInspectionEvent): void {
    for (const next of this.#observers) {
      try {
        next(event);
      } catch {
        // An inspector's bug must never become the application's: the call goes on.
      }
    }
  }

  /**
   * The session's own view (`session.actor`); one of our own where the session has none yet
   * (XState reports an actor's creation from its constructor, before the session has its view).
   */
  #sessionView(actor: AnyActorRef): SessionActorView {
    const own = sessionOfActor(actor)?.actor;
    if (own) return own;
    let view = this.#sessionViews.get(actor);
    if (!view) {
      view = viewOf(actor as Parameters<typeof viewOf>[0]);
      this.#sessionViews.set(actor, view);
    }
    return view;
  }

  #linkView(actor: Actor<LinkLogic>): LinkActorView {
    let view = this.#linkViews.get(actor);
    if (!view) {
      view = Object.freeze({
        id: actor.id,
        sessionId: actor.sessionId,
        getSnapshot: () => actor.getSnapshot(),
        subscribe: (observer: (snapshot: LinkSnapshot) => void) => {
          const subscription = actor.subscribe(observer);
          return { unsubscribe: () => subscription.unsubscribe() };
        },
      });
      this.#linkViews.set(actor, view);
    }
    return view;
  }
}

/** The event with the actor replaced by its view (and any other actor by nothing). */
function shownAs(event: InspectionEvent, actor: AnyActorRef, view: object): object {
  const shown: Record<string, unknown> = { ...event, actorRef: view };
  if ('sourceRef' in event) shown.sourceRef = event.sourceRef === actor ? view : undefined;
  return shown;
}

/** Qt's state of a machine value, whether or not the state has child states. */
function qtState(value: unknown): SessionState {
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as SessionState;
}
