// @ts-check
/**
 * A statechart drawn as SVG from a MachineGraph laid out by the server. Built once per graph;
 * `show` only moves CSS classes: active states, edges enabled now, edges just taken.
 *
 * @typedef {import('../../src/protocol.js').MachineGraph} MachineGraph
 * @typedef {import('../../src/protocol.js').GraphEdge} GraphEdge
 */

const svgNs = 'http://www.w3.org/2000/svg';
/** A label line's baseline below its top (lines are 14 px: labelFont in src/graph-model.ts). */
const baseline = 11;

/**
 * @param {string} name
 * @param {Record<string, string | number>} [attributes]
 * @param {string} [text]
 */
function svg(name, attributes = {}, text) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * The text of an edge's label; XState's generated event names read as what they mean
 * (the same rule as eventLabel in src/graph-model.ts, which sized the labels).
 * @param {Pick<GraphEdge, 'eventType' | 'guard'>} edge
 */
export function edgeText(edge) {
  const type = edge.eventType;
  let event = type;
  if (type === '') event = 'always';
  else if (type.startsWith('xstate.done.actor.')) event = 'done';
  else if (type.startsWith('xstate.error.actor.')) event = 'error';
  else {
    const after = /^xstate\.after\.([^.]+)\./.exec(type);
    if (after) event = `after ${after[1]}`;
  }
  return edge.guard ? `${event} [${edge.guard}]` : event;
}

export class Chart {
  /** @type {SVGSVGElement} */
  element;
  /** @type {Map<string, Element>} state path → its group */
  #states = new Map();
  /** @type {Map<string, Element[]>} edge id → its label and line */
  #edges = new Map();
  /** @type {Element[]} */
  #marked = [];
  #fitted = false;

  /**
   * @param {MachineGraph} graph
   * @param {string} title
   */
  constructor(graph, title) {
    this.graph = graph;
    const root = /** @type {SVGSVGElement} */ (
      /** @type {unknown} */ (
        svg('svg', {
          viewBox: `0 0 ${graph.width} ${graph.height}`,
          width: graph.width,
          height: graph.height,
          role: 'img',
          'aria-label': title,
          class: 'chart',
          'data-machine': graph.kind,
        })
      )
    );
    this.element = root;
    const defs = svg('defs');
    for (const kind of ['plain', 'enabled', 'taken']) {
      const marker = svg('marker', {
        id: `arrow-${graph.kind}-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
        class: `arrow ${kind}`,
      });
      marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
      defs.append(marker);
    }
    root.append(defs);

    const states = svg('g', { class: 'states' });
    for (const node of graph.nodes) {
      const compound = graph.nodes.some((n) => n.parent === node.id);
      const group = svg('g', {
        class: `state${compound ? ' compound' : ''}${node.id === '' ? ' any' : ''}`,
        'data-state': node.id,
        'aria-label': `state ${node.id || 'any state'}`,
      });
      group.append(
        svg('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: 8 }),
        svg('text', { x: node.x + 10, y: node.y + 17, class: 'name' }, node.label),
      );
      if (node.initial) {
        group.append(svg('circle', { cx: node.x - 1, cy: node.y - 1, r: 4, class: 'initial' }));
      }
      if (node.final) {
        group.append(
          svg('rect', {
            x: node.x + 3,
            y: node.y + 3,
            width: node.width - 6,
            height: node.height - 6,
            rx: 6,
            class: 'final',
          }),
        );
      }
      states.append(group);
      this.#states.set(node.id, group);
    }

    const lines = svg('g', { class: 'edges' });
    const labels = svg('g', { class: 'labels' });
    for (const edge of graph.edges) {
      const self = edge.source === edge.target;
      const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
      const line = svg('path', { d, class: `line${self ? ' loop' : ''}` });
      const text = edgeText(edge);
      const label = svg(
        'text',
        {
          x: edge.labelX,
          y: edge.labelY + baseline,
          class: `label${self ? ' loop' : ''}`,
          'data-edge': edge.id,
        },
        self ? `↺ ${text}` : text,
      );
      label.append(
        svg('title', {}, `${edge.source || 'any state'} → ${edge.target || 'any state'}: ${text}`),
      );
      lines.append(line);
      labels.append(label);
      this.#edges.set(edge.id, [label, line]);
    }
    root.append(states, lines, labels);
    this.show([], [], []);
  }

  /**
   * Scrolls the chart's own pane (not the page) to centre the deepest active state, after
   * this task: scrolling needs a layout, which the update itself should not wait for.
   */
  reveal() {
    setTimeout(() => {
      const pane = this.element.parentElement;
      const depth = (/** @type {string} */ path) => path.split('.').length;
      const deepest = (this.element.dataset.activePaths ?? '')
        .split(' ')
        .reduce((a, b) => (depth(b) > depth(a) ? b : a));
      const node = this.graph.nodes.find((n) => n.id === deepest);
      if (!pane || !node || this.#fitted) return;
      pane.scrollLeft = node.x + node.width / 2 - pane.clientWidth / 2;
      pane.scrollTop = node.y + node.height / 2 - pane.clientHeight / 2;
    });
  }

  /**
   * Marks the active states, the edges enabled now and the edges just taken; says whether the
   * active states changed.
   * @param {readonly string[]} active state paths
   * @param {readonly string[]} enabled edge ids
   * @param {readonly string[]} taken edge ids
   * @returns {boolean}
   */
  show(active, enabled, taken) {
    const before = this.element.dataset.activePaths;
    for (const element of this.#marked) element.classList.remove('active', 'enabled', 'taken');
    this.#marked = [];
    for (const path of active) this.#mark(this.#states.get(path), 'active');
    for (const id of enabled) for (const e of this.#edges.get(id) ?? []) this.#mark(e, 'enabled');
    for (const id of taken) for (const e of this.#edges.get(id) ?? []) this.#mark(e, 'taken');
    // Taken lines go last so that they are drawn over the lines they share a route with.
    for (const id of taken) {
      const line = this.#edges.get(id)?.[1];
      if (line) line.parentNode?.append(line);
    }
    this.element.dataset.active = active.filter((p) => !p.includes('.')).join(' ');
    this.element.dataset.activePaths = active.join(' ');
    this.element.dataset.taken = taken.join(' ');
    return before !== this.element.dataset.activePaths;
  }

  /**
   * @param {Element | undefined} element
   * @param {string} name
   */
  #mark(element, name) {
    if (!element) return;
    element.classList.add(name);
    this.#marked.push(element);
  }

  /** @param {boolean} fit fit the pane's width, or draw at 1:1 */
  fit(fit) {
    if (this.#fitted === fit) return;
    this.#fitted = fit;
    this.element.setAttribute('width', fit ? '100%' : String(this.graph.width));
    this.element.setAttribute('height', fit ? '100%' : String(this.graph.height));
  }
}
