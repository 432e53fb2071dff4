// @ts-check
/**
 * Reading a trace file: anything can be in it, so every field the page uses is checked and a
 * bad file gives a sentence, never an exception.
 *
 * @typedef {import('../../src/protocol.js').InspectorTrace} InspectorTrace
 */

/** Larger files are refused rather than freezing the tab. */
export const maxTraceBytes = 64 * 1024 * 1024;

/**
 * @param {string} text
 * @returns {{ ok: true, trace: InspectorTrace } | { ok: false, error: string }}
 */
export function parseTrace(text) {
  if (text.length > maxTraceBytes)
    return { ok: false, error: 'The file is too large for a trace.' };
  /** @type {unknown} */
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: 'The file is not JSON.' };
  }
  if (!isObject(data) || data.format !== 'netbearer-inspector-trace') {
    return { ok: false, error: 'The file is not a netbearer inspector trace.' };
  }
  if (data.version !== 1) {
    return {
      ok: false,
      error: `Trace version ${String(data.version)} is not supported (expected 1).`,
    };
  }
  const problem =
    arrayOf(data.graphs, isGraph, 'graphs') ??
    arrayOf(data.sessions, isSession, 'sessions') ??
    arrayOf(data.links, isLink, 'links') ??
    arrayOf(data.entries, isEntry, 'entries');
  if (problem) return { ok: false, error: `The trace is damaged: ${problem}.` };
  return { ok: true, trace: /** @type {InspectorTrace} */ (/** @type {unknown} */ (data)) };
}

/**
 * @param {unknown} value
 * @param {(item: unknown) => boolean} check
 * @param {string} name
 */
function arrayOf(value, check, name) {
  if (!Array.isArray(value)) return `${name} is not a list`;
  const bad = value.findIndex((item) => !check(item));
  return bad === -1 ? undefined : `${name}[${bad}] is malformed`;
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v */
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
/** @param {unknown} v */
const isString = (v) => typeof v === 'string';

/** @param {unknown} g */
function isGraph(g) {
  return (
    isObject(g) &&
    ['session', 'link', 'roaming'].includes(/** @type {string} */ (g.kind)) &&
    isNumber(g.width) &&
    isNumber(g.height) &&
    Array.isArray(g.nodes) &&
    g.nodes.every(
      (n) =>
        isObject(n) &&
        isString(n.id) &&
        isString(n.label) &&
        [n.x, n.y, n.width, n.height].every(isNumber),
    ) &&
    Array.isArray(g.edges) &&
    g.edges.every(
      (e) =>
        isObject(e) &&
        isString(e.id) &&
        isString(e.source) &&
        isString(e.eventType) &&
        isNumber(e.labelX) &&
        isNumber(e.labelY) &&
        Array.isArray(e.points) &&
        e.points.every((p) => isObject(p) && isNumber(p.x) && isNumber(p.y)),
    )
  );
}

/** @param {unknown} s */
function isSession(s) {
  return isObject(s) && isString(s.id) && isString(s.configurationId) && isString(s.state);
}

/** @param {unknown} l */
function isLink(l) {
  return isObject(l) && isString(l.id) && isString(l.configurationId) && Array.isArray(l.holders);
}

/** @param {unknown} e */
function isEntry(e) {
  if (!isObject(e) || !isNumber(e.seq) || !isNumber(e.time)) return false;
  if (e.kind === 'event') {
    return isString(e.actorId) && Array.isArray(e.taken) && Array.isArray(e.enabled);
  }
  if (e.kind === 'emitted') return isString(e.actorId);
  return e.kind === 'engine' && isString(e.engine);
}
