// @ts-check
/**
 * The inspector page: connects to the server named by the address (token in the fragment),
 * or replays a loaded trace, and draws the model at most once per animation frame.
 *
 * @typedef {import('../../src/protocol.js').ServerMessage} ServerMessage
 * @typedef {import('../../src/protocol.js').PageMessage} PageMessage
 * @typedef {import('../../src/protocol.js').ControlMethod} ControlMethod
 * @typedef {import('../../src/protocol.js').InspectorTrace} InspectorTrace
 * @typedef {import('../../src/protocol.js').TimelineEntry} TimelineEntry
 * @typedef {import('../../src/protocol.js').MachineKind} MachineKind
 * @typedef {import('./model.js').EventEntry} EventEntry
 */
import { Chart } from './chart.js';
import { byId, h, shortId, valueText } from './dom.js';
import { appendRows, engineRow, logRow } from './entries.js';
import { linkItems, sessionGroups } from './lists.js';
import { Model, ownedBy, statePaths } from './model.js';
import { parseTrace } from './trace.js';

const sessionMethods = /** @type {const} */ ([
  'open',
  'close',
  'stop',
  'migrate',
  'ignore',
  'accept',
  'reject',
]);
/** The server's close code for a page that fell too far behind (closeCodes.tooSlow). */
const tooSlow = 4000;
/** Rows kept on screen per list; the model keeps more for export. */
const maxRows = 400;

const model = new Model();
/** @type {'idle' | 'connecting' | 'live' | 'closed' | 'replay'} */
let mode = 'idle';
/** @type {WebSocket | undefined} */
let socket;
/** @type {string | undefined} */
let selected;
let fit = false;
let requestCount = 0;

const log = {
  paused: false,
  filter: '',
  shown: 0,
  selected: /** @type {string | undefined} */ (undefined),
};
const timeline = { shown: 0 };
const replay = {
  /** @type {readonly TimelineEntry[]} */ entries: [],
  /** @type {InspectorTrace | undefined} */ trace: undefined,
  cursor: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */ timer: undefined,
};

// ---- rendering, batched per frame ----------------------------------------------------------

const dirty = { lists: false, charts: false, log: false, rebuildLog: false };
let frame = 0;

/** @param {Partial<typeof dirty>} what */
function invalidate(what) {
  Object.assign(dirty, what);
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  if (!selected || !model.sessions.has(selected)) {
    const first = model.sessions.keys().next();
    if (!first.done) select(first.value, false);
  }
  if (dirty.lists) renderLists();
  if (dirty.charts) renderCharts();
  if (dirty.log || dirty.rebuildLog) renderEntries(dirty.rebuildLog);
  dirty.lists = dirty.charts = dirty.log = dirty.rebuildLog = false;
  // Drawn with the charts, so the position shown is the step they show.
  if (mode === 'replay') showPosition();
  byId('export').toggleAttribute('disabled', model.graphs.size === 0);
}

/**
 * @param {string} id
 * @param {boolean} [now] render at once (a click) rather than on the next frame
 */
function select(id, now = true) {
  if (selected === id) return;
  selected = id;
  invalidate({ lists: true, charts: true, rebuildLog: true });
  if (now) {
    cancelAnimationFrame(frame);
    render();
  }
}

function renderLists() {
  const canControl = model.control && mode === 'live';
  byId('sessions').replaceChildren(
    ...sessionGroups(model, selected, {
      select,
      open: canControl
        ? (configurationId) =>
            send({ type: 'control', requestId: nextRequest(), configurationId, method: 'open' })
        : undefined,
    }),
  );
  byId('no-sessions').hidden = model.sessions.size > 0;
  byId('links').replaceChildren(...linkItems(model, select));
  byId('no-links').hidden = model.links.size > 0;
}

function renderCharts() {
  const session = selected ? model.sessions.get(selected) : undefined;
  const title = byId('selected-title');
  title.textContent = session
    ? `Session ${shortId(session.id)} · ${session.configurationName} · ${session.state}`
    : 'Select a session';
  renderControls(session?.id);
  /** @type {[MachineKind, string, unknown, EventEntry | undefined][]} */
  const shown = [];
  if (session) {
    const last = model.lastEvent.get(session.id);
    shown.push(['session', `Session statechart (${session.state})`, session.value, last]);
    const link = session.linkId ? model.links.get(session.linkId) : undefined;
    if (link) {
      const caption = `Link statechart: ${link.configurationName} (${valueText(link.value)})`;
      shown.push(['link', caption, link.value, model.lastEvent.get(link.id)]);
    }
    if (model.graphs.has('roaming') && showsRoaming(session, last?.taken ?? [])) {
      // The roaming flow is the session's Roaming state drawn on its own: same paths, same
      // edge ids, and its final states are where the roam lands.
      const caption = `Roaming flow (${valueText(session.roaming ?? session.value)})`;
      shown.push([
        'roaming',
        caption,
        roamingValue(session),
        model.lastRoamingEvent(session.id) ?? last,
      ]);
    }
  }
  const list = byId('charts');
  /** @type {import('./chart.js').Chart[]} */
  const moved = [];
  const drawable = shown.filter(([kind]) => model.graphs.has(kind));
  const wanted = drawable.map(([kind, caption, value, last]) => {
    const { element, chart, changed } = figure(kind, caption, value, last);
    if (changed || !element.isConnected) moved.push(chart);
    return element;
  });
  // Figures already shown stay in place: moving one would lose its scroll position.
  for (const child of [...list.children])
    if (!wanted.includes(/** @type {HTMLElement} */ (child))) child.remove();
  wanted.forEach((element, i) => {
    if (list.children[i] !== element) list.insertBefore(element, list.children[i] ?? null);
  });
  // Large charts are drawn at 1:1 in a scrolling pane: keep the active state in sight.
  if (!fit) for (const chart of moved) chart.reveal();
}

/**
 * While the session roams, and right after (to show the step that ended the roam).
 * @param {import('./model.js').SessionInfo} session
 * @param {readonly string[]} taken
 */
function showsRoaming(session, taken) {
  return (
    session.state === 'Roaming' ||
    (session.roaming !== undefined && session.roaming !== null) ||
    taken.some((id) => id.startsWith('Roaming:') || id.startsWith('Roaming.'))
  );
}

/** @param {import('./model.js').SessionInfo} session */
function roamingValue(session) {
  const { value, roaming } = session;
  if (session.state === 'Roaming' || roaming === undefined || roaming === null) return value;
  return typeof roaming === 'object' && 'Roaming' in roaming ? roaming : { Roaming: roaming };
}

/** @type {Map<MachineKind, { chart: Chart, figure: HTMLElement, caption: HTMLElement }>} */
let figures = new Map();

/**
 * The figure of one chart, built once per graph and then only re-marked.
 * @param {MachineKind} kind
 * @param {string} caption
 * @param {unknown} value the machine's state value
 * @param {EventEntry | undefined} last the last event it received
 */
function figure(kind, caption, value, last) {
  const graph = model.graphs.get(kind);
  if (!graph) throw new Error(`The server sent no ${kind} graph.`);
  let shown = figures.get(kind);
  if (!shown || shown.chart.graph !== graph) {
    const chart = new Chart(graph, `${kind} statechart`);
    const title = h('figcaption', {}, [caption]);
    const element = h('figure', { class: `chart-figure ${kind}`, 'aria-label': `${kind} chart` }, [
      title,
      h('div', { class: 'scroll' }, [/** @type {Node} */ (/** @type {unknown} */ (chart.element))]),
    ]);
    shown = { chart, figure: element, caption: title };
    figures.set(kind, shown);
  }
  shown.caption.textContent = caption;
  const active = statePaths(value);
  // Before a first event the server has said nothing: what leaves the active states may fire.
  const enabled =
    last?.enabled ??
    graph.edges.filter((e) => e.source === '' || active.includes(e.source)).map((e) => e.id);
  const changed = shown.chart.show(active, enabled, last?.taken ?? []);
  shown.chart.fit(fit);
  return { element: shown.figure, chart: shown.chart, changed };
}

/** @param {string | undefined} sessionId */
function renderControls(sessionId) {
  const controls = byId('controls');
  const show = model.control && mode === 'live' && sessionId !== undefined;
  controls.hidden = !show;
  if (!show || controls.dataset.session === sessionId) return;
  controls.dataset.session = sessionId;
  controls.replaceChildren(
    ...sessionMethods.map((method) => {
      const b = h('button', { type: 'button', 'data-method': method }, [method]);
      b.addEventListener('click', () =>
        send({ type: 'control', requestId: nextRequest(), sessionId, method }),
      );
      return b;
    }),
    h('output', { id: 'control-result', role: 'status', 'aria-live': 'polite' }),
  );
}

/** @param {boolean} rebuild */
function renderEntries(rebuild) {
  const base = model.forgotten;
  const list = byId('log');
  const rebuilt = rebuild || log.selected !== selected;
  if (rebuilt) {
    list.replaceChildren();
    log.selected = selected;
    log.shown = Math.max(base, base + model.entries.length - 5 * maxRows);
  }
  if (!log.paused || rebuilt) {
    const rows = [];
    for (let i = Math.max(log.shown, base) - base; i < model.entries.length; i++) {
      const e = /** @type {TimelineEntry} */ (model.entries[i]);
      if (e.kind === 'engine' || !belongsToSelected(e.actorId)) continue;
      const row = logRow(e);
      if (log.filter && !row.textContent?.toLowerCase().includes(log.filter)) continue;
      rows.push(row);
    }
    log.shown = base + model.entries.length;
    appendRows(list, rows, maxRows);
  }

  const engine = byId('timeline');
  if (rebuild && timeline.shown === 0) engine.replaceChildren();
  const rows = [];
  for (let i = Math.max(timeline.shown, base) - base; i < model.entries.length; i++) {
    const e = /** @type {TimelineEntry} */ (model.entries[i]);
    if (e.kind !== 'engine') continue;
    rows.push(engineRow(e));
  }
  timeline.shown = base + model.entries.length;
  appendRows(engine, rows, maxRows);
}

/** @param {string} actorId */
function belongsToSelected(actorId) {
  return selected !== undefined && ownedBy(actorId, selected);
}

// ---- live connection ------------------------------------------------------------------------

/** @param {string} text @param {string} state */
function status(text, state) {
  const element = byId('connection');
  element.textContent = text;
  element.dataset.state = state;
}

/** @param {string} text */
function alert(text) {
  const element = byId('alert');
  element.textContent = text;
  element.hidden = text === '';
}

function connect() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) {
    status('Not connected: no token in the address. Load a trace to replay it.', 'offline');
    return;
  }
  mode = 'connecting';
  status('Connecting…', 'connecting');
  const stately = /** @type {HTMLAnchorElement} */ (byId('stately'));
  stately.href = `/stately.json?token=${encodeURIComponent(token)}`;
  stately.hidden = false;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.addEventListener('message', (message) => {
    if (socket !== ws || typeof message.data !== 'string') return;
    /** @type {ServerMessage} */
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    receive(data);
  });
  ws.addEventListener('close', (event) => {
    if (socket !== ws) return;
    socket = undefined;
    mode = 'closed';
    invalidate({ lists: true, charts: true });
    if (event.code === tooSlow) {
      // The server dropped this page for falling behind: start again from a fresh hello.
      status('Fell behind the app; reconnecting…', 'connecting');
      setTimeout(connect, 500);
      return;
    }
    status(`Disconnected from the app (${event.code}). Reload to reconnect.`, 'closed');
  });
}

/** @param {ServerMessage} message */
function receive(message) {
  if (message.type === 'hello') {
    if (message.version !== 1) {
      alert(`The server speaks protocol ${String(message.version)}; this page speaks 1.`);
      socket?.close();
      return;
    }
    mode = 'live';
    model.reset(message.graphs, message.sessions, message.links);
    model.control = message.control;
    model.append(message.timeline);
    figures = new Map();
    timeline.shown = 0;
    status(message.control ? 'Live · control enabled' : 'Live', 'live');
    invalidate({ lists: true, charts: true, rebuildLog: true });
  } else if (message.type === 'batch') {
    model.upsert(message.sessions, message.links);
    model.append(message.entries);
    if (message.dropped > 0) {
      model.dropped += message.dropped;
      status(`Live · ${model.dropped} entries dropped (the page was too slow)`, 'live');
    }
    invalidate({
      // Engine entries may name configurations the lists did not show yet.
      lists:
        message.sessions.length + message.links.length > 0 ||
        message.entries.some((e) => e.kind === 'engine'),
      charts: true,
      log: true,
    });
  } else if (message.type === 'controlResult') {
    const result = document.getElementById('control-result');
    const text = message.ok ? 'Done.' : `Refused: ${message.error ?? 'unknown error'}`;
    if (result) result.textContent = text;
    if (!message.ok) alert(text);
  }
}

/** @param {PageMessage} message */
function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    alert('Not connected: the command was not sent.');
    return;
  }
  alert('');
  socket.send(JSON.stringify(message));
}

function nextRequest() {
  requestCount += 1;
  return `r${requestCount}`;
}

// ---- trace export and replay ----------------------------------------------------------------

function exportTrace() {
  const trace = model.toTrace();
  const blob = new Blob([JSON.stringify(trace)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', {
    href: url,
    download: `netbearer-trace-${trace.recordedAt.replace(/[:.]/g, '-')}.json`,
  });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** @param {File} file */
async function loadTrace(file) {
  const parsed = parseTrace(await file.text());
  if (!parsed.ok) {
    alert(`Cannot load ${file.name}: ${parsed.error}`);
    return;
  }
  alert('');
  if (socket) {
    const ws = socket;
    socket = undefined;
    ws.close();
  }
  mode = 'replay';
  byId('stately').hidden = true;
  replay.trace = parsed.trace;
  replay.entries = parsed.trace.entries;
  status(`Replaying ${file.name} (recorded ${parsed.trace.recordedAt})`, 'replay');
  byId('replay').hidden = false;
  rewind(0);
}

/** Replays the trace from its start up to entry `position`. @param {number} position */
function rewind(position) {
  const trace = replay.trace;
  if (!trace) return;
  model.reset(trace.graphs, trace.sessions, trace.links);
  model.startedAt = trace.recordedAt;
  model.control = false;
  figures = new Map();
  timeline.shown = 0;
  replay.cursor = 0;
  while (replay.cursor < position) stepOnce();
  invalidate({ lists: true, charts: true, rebuildLog: true });
}

function stepOnce() {
  const entry = replay.entries[replay.cursor];
  if (!entry) return false;
  model.replay(entry);
  replay.cursor += 1;
  return true;
}

function showPosition() {
  byId('replay-position').textContent = `${replay.cursor} / ${replay.entries.length}`;
}

function step() {
  if (stepOnce()) invalidate({ lists: true, charts: true, log: true });
}

/** @param {boolean} on */
function play(on) {
  const button = byId('replay-play');
  clearTimeout(replay.timer);
  replay.timer = undefined;
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Pause' : 'Play';
  if (!on) return;
  const next = () => {
    const before = replay.entries[replay.cursor - 1];
    step();
    const after = replay.entries[replay.cursor];
    if (!after) return play(false);
    // Keep the recording's rhythm, squeezed between 40 ms and half a second.
    const gap = before ? after.time - before.time : 0;
    replay.timer = setTimeout(next, Math.min(500, Math.max(40, gap)));
  };
  next();
}

// ---- wiring ---------------------------------------------------------------------------------

byId('export').addEventListener('click', exportTrace);
byId('load').addEventListener('change', (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const file = input.files?.[0];
  if (file) void loadTrace(file).finally(() => (input.value = ''));
});
byId('replay-step').addEventListener('click', () => {
  play(false);
  step();
});
byId('replay-back').addEventListener('click', () => {
  play(false);
  rewind(Math.max(0, replay.cursor - 1));
});
byId('replay-play').addEventListener('click', () =>
  play(byId('replay-play').getAttribute('aria-pressed') !== 'true'),
);
byId('fit').addEventListener('click', () => {
  fit = !fit;
  byId('fit').setAttribute('aria-pressed', String(fit));
  invalidate({ charts: true });
});
const filter = /** @type {HTMLInputElement} */ (byId('log-filter'));
filter.addEventListener('input', () => {
  log.filter = filter.value.trim().toLowerCase();
  invalidate({ rebuildLog: true });
});
byId('log-pause').addEventListener('click', () => {
  log.paused = !log.paused;
  byId('log-pause').setAttribute('aria-pressed', String(log.paused));
  byId('log-pause').textContent = log.paused ? 'Resume' : 'Pause';
  if (!log.paused) invalidate({ log: true });
});

connect();
