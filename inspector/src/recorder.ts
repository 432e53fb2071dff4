import type {
  InspectedLink,
  InspectedSession,
  LinkInspectionEvent,
  ManagerInspection,
  ManagerInspectionEvent,
  NetworkConfigurationManager,
  NetworkSession,
  SessionInspectionEvent,
} from '@netbearer/core';
import type { AnyTransitionDefinition } from 'xstate';
import { edgeId, edgesFrom, inspectedMachines } from './graph-model.js';
import type { LinkInfo, MachineKind, SessionInfo, TimelineEntry } from './protocol.js';
import { Ring } from './ring.js';
import { serialise } from './serialise.js';

/**
 * What the recorder keeps per entry: references to XState's own (immutable) events and
 * values, serialised only when a page or an export asks. Recording is then O(1) per event.
 * A timeline entry, less the edges enabled after an event: those are worked out on the way out.
 */
type Recorded =
  | Omit<Extract<TimelineEntry, { kind: 'event' }>, 'enabled'>
  | Exclude<TimelineEntry, { kind: 'event' }>;

const none: readonly string[] = [];

/**
 * Attached to a manager: keeps the last `history` entries (a ring), remembers which sessions
 * and links changed since the last `takeChanged()`, and says when something new arrived so
 * the server can schedule a batch. It never throws into the application: core catches what
 * an observer throws, and everything here is plain bookkeeping.
 */
export class Recorder {
  readonly #ring: Ring<Recorded>;
  readonly #inspection: ManagerInspection;
  readonly #taken = new Map<string, string[]>();
  /** Emissions of a macrostep not yet recorded: they follow the event that caused them. */
  readonly #emitted = new Map<string, Recorded[]>();
  readonly #edgeIds = new WeakMap<AnyTransitionDefinition, string>();
  readonly #enabled = new Map<string, readonly string[]>();
  /** Whether to remember which sessions and links changed (only while pages are connected). */
  #tracking = false;
  #changedSessions = new Set<string>();
  #changedLinks = new Set<string>();
  #seq = 0;
  readonly #startedAt = new Date();
  readonly #initialSessions: SessionInfo[];
  readonly #initialLinks: LinkInfo[];

  constructor(
    manager: NetworkConfigurationManager,
    history: number,
    /** Called after each new entry (cheap: the server only arms a timer once). */
    private readonly heard: () => void,
    /** The manager was disposed. */
    private readonly managerGone: () => void,
  ) {
    this.#ring = new Ring(history);
    this.#inspection = manager.inspect({
      next: (event) => this.#record(event),
      complete: () => this.managerGone(),
    });
    this.#initialSessions = this.sessions();
    this.#initialLinks = this.links();
  }

  /** The number of the newest entry (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  get startedAt(): Date {
    return this.#startedAt;
  }

  close(): void {
    this.#inspection.unsubscribe();
  }

  /** The entries after `seq`, serialised, and how many of them the ring no longer has. */
  since(seq: number): { entries: TimelineEntry[]; missed: number } {
    const wanted = this.#seq - seq;
    const kept = Math.min(wanted, this.#ring.size);
    return {
      entries: this.#ring.toArray(kept).map((r) => this.#serialised(r)),
      missed: wanted - kept,
    };
  }

  /** The newest `count` entries kept, serialised. */
  last(count: number): TimelineEntry[] {
    return this.#ring.toArray(count).map((r) => this.#serialised(r));
  }

  /** Starts or stops remembering changes; either way, what was remembered is forgotten. */
  track(on: boolean): void {
    this.#tracking = on;
    this.takeChanged();
  }

  /** Which sessions and links changed since the last call. */
  takeChanged(): { sessions: ReadonlySet<string>; links: ReadonlySet<string> } {
    const changed = { sessions: this.#changedSessions, links: this.#changedLinks };
    this.#changedSessions = new Set();
    this.#changedLinks = new Set();
    return changed;
  }

  sessions(only?: ReadonlySet<string>): SessionInfo[] {
    if (only?.size === 0) return [];
    return this.#inspection.sessions(only).map(sessionInfo);
  }

  links(only?: ReadonlySet<string>): LinkInfo[] {
    if (only?.size === 0) return [];
    return this.#inspection.links(only).map(linkInfo);
  }

  /** The session with that id, to call its public methods. */
  session(id: string): NetworkSession | undefined {
    return this.#inspection.sessions(new Set([id]))[0]?.session;
  }

  /** Sessions and links when recording started, and those that came later as they are now. */
  initial(): { sessions: SessionInfo[]; links: LinkInfo[] } {
    const merge = <T extends { id: string }>(first: T[], now: T[]) => {
      const known = new Set(first.map((x) => x.id));
      return [...first, ...now.filter((x) => !known.has(x.id))];
    };
    return {
      sessions: merge(this.#initialSessions, this.sessions()),
      links: merge(this.#initialLinks, this.links()),
    };
  }

  #record(event: ManagerInspectionEvent): void {
    if (event.type === 'engine') {
      this.#push({
        seq: 0,
        time: Date.now(),
        kind: 'engine',
        engine: event.engine,
        event: event.event,
      });
      if (event.event.type === 'linkStatus' && this.#tracking)
        this.#changedLinks.add(event.event.linkId);
      return;
    }
    const actorId = event.type === 'session' ? event.sessionId : event.linkId;
    const changed = event.type === 'session' ? this.#changedSessions : this.#changedLinks;
    this.#machineEvent(event.type, actorId, event.inspection, changed);
  }

  #machineEvent(
    machine: MachineKind,
    actorId: string,
    inspection: SessionInspectionEvent | LinkInspectionEvent,
    changed: Set<string>,
  ): void {
    switch (inspection.type) {
      case '@xstate.microstep': {
        const taken = this.#taken.get(actorId) ?? [];
        for (const t of inspection._transitions) taken.push(this.#edgeId(t));
        this.#taken.set(actorId, taken);
        return;
      }
      case '@xstate.snapshot': {
        const taken = this.#taken.get(actorId) ?? none;
        this.#taken.delete(actorId);
        const value = (inspection.snapshot as { value?: unknown }).value;
        if (this.#tracking) changed.add(actorId);
        this.#push({
          seq: 0,
          time: Date.now(),
          kind: 'event',
          actorId,
          machine,
          event: inspection.event,
          value,
          taken,
        });
        for (const emitted of this.#emitted.get(actorId) ?? []) this.#push(emitted);
        this.#emitted.delete(actorId);
        return;
      }
      case '@xstate.action': {
        if (inspection.action.type !== 'xstate.emit') return;
        // XState runs the action inside the macrostep, before the snapshot that records the
        // event causing it: held back so the log reads cause, then effect.
        const emitted = (inspection.action.params as { event?: unknown } | undefined)?.event;
        const held = this.#emitted.get(actorId) ?? [];
        held.push({ seq: 0, time: Date.now(), kind: 'emitted', actorId, machine, emitted });
        this.#emitted.set(actorId, held);
        return;
      }
      case '@xstate.actor':
        if (this.#tracking) changed.add(actorId);
        return;
    }
  }

  #push(entry: Recorded): void {
    (entry as { seq: number }).seq = ++this.#seq;
    this.#ring.push(entry);
    this.heard();
  }

  #edgeId(t: AnyTransitionDefinition): string {
    let id = this.#edgeIds.get(t);
    if (id === undefined) {
      id = edgeId(t);
      this.#edgeIds.set(t, id);
    }
    return id;
  }

  /** The edges enabled in a state: the same for every actor in it, so computed once. */
  #enabledIn(machine: MachineKind, value: unknown): readonly string[] {
    const key = `${machine}:${typeof value === 'string' ? value : JSON.stringify(value)}`;
    let enabled = this.#enabled.get(key);
    if (!enabled) {
      const definition = inspectedMachines().get(machine);
      enabled = definition ? edgesFrom(definition, value) : none;
      this.#enabled.set(key, enabled);
    }
    return enabled;
  }

  #serialised(r: Recorded): TimelineEntry {
    switch (r.kind) {
      case 'event':
        return {
          seq: r.seq,
          time: r.time,
          kind: 'event',
          actorId: r.actorId,
          machine: r.machine,
          event: serialise(r.event),
          value: serialise(r.value),
          taken: r.taken,
          enabled: this.#enabledIn(r.machine, r.value),
        };
      case 'emitted':
        return { ...r, emitted: serialise(r.emitted) };
      case 'engine':
        return { ...r, event: serialise(r.event) };
    }
  }
}

function sessionInfo(s: InspectedSession): SessionInfo {
  const value = serialise(s.value);
  const roaming =
    typeof value === 'object' && value !== null && 'Roaming' in value
      ? (value as { Roaming: unknown }).Roaming
      : undefined;
  return {
    id: s.id,
    configurationId: s.configurationId,
    configurationName: s.configurationName,
    state: s.state,
    value,
    linkId: s.activeLink,
    roaming,
    isOpen: s.isOpen,
    holds: s.holds,
  };
}

function linkInfo(l: InspectedLink): LinkInfo {
  return {
    id: l.id,
    configurationId: l.configurationId,
    configurationName: l.configurationName,
    engine: l.engine,
    value: serialise(l.value),
    ownership: l.ownership,
    holders: l.heldBy,
    status: l.status,
  };
}
