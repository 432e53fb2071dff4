import type { InspectorTrace } from './protocol.js';

/**
 * A recorded run in the message format of XState's inspection as @statelyai/inspect sends it
 * (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot`), for tools that read that format.
 * Each session and link is a root actor; netbearer's sessions are told by core, not by
 * another actor, so `sourceId` is always undefined.
 */
export type StatelyMessage =
  | (StatelyBase & {
      readonly type: '@xstate.actor';
      readonly name: string;
      readonly snapshot: StatelySnapshot;
      readonly definition: undefined;
      readonly parentId: undefined;
    })
  | (StatelyBase & {
      readonly type: '@xstate.event';
      readonly event: unknown;
      readonly sourceId: undefined;
    })
  | (StatelyBase & {
      readonly type: '@xstate.snapshot';
      readonly event: unknown;
      readonly snapshot: StatelySnapshot;
    });

interface StatelyBase {
  readonly id: string;
  readonly sessionId: string;
  readonly rootId: string;
  readonly createdAt: string;
  readonly _version: string;
}

interface StatelySnapshot {
  readonly status: 'active';
  readonly value: unknown;
}

/** Marks the messages as this exporter's, in the field Stately's receivers check. */
const version = 'netbearer-inspector-1';

export function statelyMessages(trace: InspectorTrace): StatelyMessage[] {
  const started = String(Date.parse(trace.recordedAt));
  const base = (id: string, createdAt: string): StatelyBase => ({
    id,
    sessionId: id,
    rootId: id,
    createdAt,
    _version: version,
  });
  const out: StatelyMessage[] = [];
  const known = new Set<string>();
  const actor = (id: string, name: string, value: unknown, createdAt: string) => {
    known.add(id);
    out.push({
      ...base(id, createdAt),
      type: '@xstate.actor',
      name,
      snapshot: { status: 'active', value },
      definition: undefined,
      parentId: undefined,
    });
  };
  for (const s of trace.sessions) actor(s.id, 'session', s.value, started);
  for (const l of trace.links) actor(l.id, 'link', l.value, started);
  for (const entry of trace.entries) {
    if (entry.kind !== 'event') continue;
    const at = String(entry.time);
    if (!known.has(entry.actorId)) actor(entry.actorId, entry.machine, entry.value, at);
    out.push({
      ...base(entry.actorId, at),
      type: '@xstate.event',
      event: entry.event,
      sourceId: undefined,
    });
    out.push({
      ...base(entry.actorId, at),
      type: '@xstate.snapshot',
      event: entry.event,
      snapshot: { status: 'active', value: entry.value },
    });
  }
  return out;
}
