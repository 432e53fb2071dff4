// @ts-check
/**
 * What the page knows: graphs, sessions, links and the recorded timeline, fed by the server's
 * messages (live) or by a loaded trace (replay). Rendering reads it; it never touches the DOM.
 *
 * @typedef {import('../../src/protocol.js').MachineGraph} MachineGraph
 * @typedef {import('../../src/protocol.js').MachineKind} MachineKind
 * @typedef {import('../../src/protocol.js').SessionInfo} SessionInfo
 * @typedef {import('../../src/protocol.js').LinkInfo} LinkInfo
 * @typedef {import('../../src/protocol.js').TimelineEntry} TimelineEntry
 * @typedef {Extract<TimelineEntry, { kind: 'event' }>} EventEntry
 * @typedef {import('../../src/protocol.js').InspectorTrace} InspectorTrace
 */

/** Entries kept in memory (and exported); older ones are forgotten first. */
export const maxEntries = 50_000;

export class Model {
  /** @type {Map<MachineKind, MachineGraph>} */
  graphs = new Map();
  /** @type {Map<string, SessionInfo>} */
  sessions = new Map();
  /** @type {Map<string, LinkInfo>} */
  links = new Map();
  /** @type {TimelineEntry[]} */
  entries = [];
  /** Sessions and links as first seen: a trace replays from them. */
  /** @type {Map<string, SessionInfo>} */
  firstSessions = new Map();
  /** @type {Map<string, LinkInfo>} */
  firstLinks = new Map();
  /** The last event each actor received (its taken and enabled edges). */
  /** @type {Map<string, EventEntry>} */
  lastEvent = new Map();
  /** Configuration names by identifier, from engine events. */
  /** @type {Map<string, string>} */
  configurations = new Map();
  control = false;
  dropped = 0;
  startedAt = new Date().toISOString();
  /** Ids of the sessions and links listed when the recording started. */
  /** @type {Set<string>} */
  initial = new Set();
  /** Bumped on every change of the entry list, so views know what to append. */
  forgotten = 0;

  /**
   * @param {readonly MachineGraph[]} graphs
   * @param {readonly SessionInfo[]} sessions
   * @param {readonly LinkInfo[]} links
   */
  reset(graphs, sessions, links) {
    this.graphs = new Map(graphs.map((g) => [g.kind, g]));
    this.sessions = new Map();
    this.links = new Map();
    this.entries = [];
    this.firstSessions = new Map();
    this.firstLinks = new Map();
    this.lastEvent = new Map();
    this.configurations = new Map();
    this.dropped = 0;
    this.forgotten = 0;
    this.startedAt = new Date().toISOString();
    this.initial = new Set([...sessions.map((s) => s.id), ...links.map((l) => l.id)]);
    this.upsert(sessions, links);
  }

  /**
   * @param {readonly SessionInfo[]} sessions
   * @param {readonly LinkInfo[]} links
   */
  upsert(sessions, links) {
    for (const s of sessions) {
      this.sessions.set(s.id, s);
      if (!this.firstSessions.has(s.id)) this.firstSessions.set(s.id, s);
    }
    for (const l of links) {
      this.links.set(l.id, l);
      if (!this.firstLinks.has(l.id)) this.firstLinks.set(l.id, l);
    }
  }

  /** @param {readonly TimelineEntry[]} entries */
  append(entries) {
    for (const entry of entries) {
      this.entries.push(entry);
      if (entry.kind === 'event') this.lastEvent.set(entry.actorId, entry);
      else if (entry.kind === 'engine') this.#learn(entry.event);
    }
    const excess = this.entries.length - maxEntries;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.forgotten += excess;
    }
  }

  /**
   * Configurations named by engine events: the protocol lists no configurations, so those
   * without a session or link are known from what engines announce while the page watches.
   * @param {unknown} event
   */
  #learn(event) {
    if (typeof event !== 'object' || event === null) return;
    const { type, configuration, identifier } = /** @type {Record<string, unknown>} */ (event);
    if (type === 'configurationRemoved' && typeof identifier === 'string') {
      this.configurations.delete(identifier);
    } else if (
      (type === 'configurationAdded' || type === 'configurationChanged') &&
      typeof configuration === 'object' &&
      configuration !== null
    ) {
      const {
        identifier: id,
        name,
        type: kind,
      } = /** @type {Record<string, unknown>} */ (configuration);
      if (typeof id === 'string' && typeof name === 'string' && kind !== 'UserChoice') {
        this.configurations.set(id, name);
      }
    }
  }

  /**
   * Replays one recorded entry onto the sessions and links: their values follow the events.
   * @param {TimelineEntry} entry
   */
  replay(entry) {
    this.append([entry]);
    if (entry.kind !== 'event') return;
    const session = this.sessions.get(entry.actorId);
    if (entry.machine === 'session' && session) {
      this.sessions.set(session.id, {
        ...session,
        value: entry.value,
        state: topState(entry.value),
      });
    } else if (entry.machine === 'link') {
      const link = this.links.get(entry.actorId);
      if (link) this.links.set(link.id, { ...link, value: entry.value });
    } else if (entry.machine === 'roaming') {
      const owner = this.roamingOwner(entry.actorId);
      if (owner) this.sessions.set(owner.id, { ...owner, roaming: entry.value });
    }
  }

  /**
   * The session a roaming flow actor belongs to: the protocol names it by actor id only, so
   * it is the session with that id, or whose id prefixes it (an invoked child's id).
   * @param {string} actorId
   */
  roamingOwner(actorId) {
    const direct = this.sessions.get(actorId);
    if (direct) return direct;
    for (const s of this.sessions.values()) if (ownedBy(actorId, s.id)) return s;
    return undefined;
  }

  /**
   * The last roaming-flow event of a session, if any.
   * @param {string} sessionId
   */
  lastRoamingEvent(sessionId) {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e?.kind === 'event' && e.machine === 'roaming' && ownedBy(e.actorId, sessionId)) return e;
    }
    return undefined;
  }

  /**
   * The recorded run. Sessions and links are listed as they were when the recording started,
   * those created later as they are now (as protocol.ts says of InspectorTrace).
   * @returns {InspectorTrace}
   */
  toTrace() {
    return {
      format: 'netbearer-inspector-trace',
      version: 1,
      recordedAt: this.startedAt,
      graphs: [...this.graphs.values()],
      sessions: [...this.sessions.values()].map((s) =>
        this.initial.has(s.id) ? (this.firstSessions.get(s.id) ?? s) : s,
      ),
      links: [...this.links.values()].map((l) =>
        this.initial.has(l.id) ? (this.firstLinks.get(l.id) ?? l) : l,
      ),
      entries: this.entries,
    };
  }
}

/**
 * Whether an actor is the session or one of its children (`<session id>.<child>` or
 * `<session id>/<child>`; 'x:1' does not own 'x:10').
 * @param {string} actorId
 * @param {string} sessionId
 */
export function ownedBy(actorId, sessionId) {
  if (!actorId.startsWith(sessionId)) return false;
  const next = actorId.charAt(sessionId.length);
  return next === '' || next === '.' || next === '/';
}

/**
 * A session's Qt state from its machine value: the top-level state's name.
 * @param {unknown} value
 */
export function topState(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] ?? '';
  return '';
}

/**
 * Every state path a machine value is in: {Up: 'Owned'} is 'Up' and 'Up.Owned'.
 * @param {unknown} value
 * @param {string} [prefix]
 * @returns {string[]}
 */
export function statePaths(value, prefix = '') {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, child]) => [
    prefix + name,
    ...statePaths(child, `${prefix}${name}.`),
  ]);
}
