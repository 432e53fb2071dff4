import { linkMachine, roamingFlowMachine, sessionMachine } from '@netbearer/machines';
import elkjs from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import type { GraphEdge, GraphNode, MachineGraph, MachineKind } from './protocol.js';

/**
 * Machines laid out for the page: every state a node (child states inside their parent), every
 * transition an edge carrying its event type and guard. Layout is ELK's layered algorithm, run
 * here in Node once per machine and cached, so the page ships no layout engine.
 *
 * Readability comes from merging: the transitions between one pair of states share one routed
 * line whose label lists them one per line, and a state's self-transitions are listed inside
 * its box. Transitions of the machine's root ("in any state") start from a small pseudo-state
 * with the root's id ''.
 */

/** Label geometry, matched by the page's CSS (11 px monospace). */
export const labelFont = { lineHeight: 14, charWidth: 7 } as const;
const header = 26;
const padding = 10;

/** The id an edge has in a graph: `${source path}:${eventType}:${branch index}`. */
export function edgeId(transition: AnyTransitionDefinition): string {
  const branches = transition.source.transitions.get(transition.eventType) ?? [];
  return `${statePath(transition.source)}:${transition.eventType}:${branches.indexOf(transition)}`;
}

/** A state's path from the machine's root, dot-joined ('' for the root). */
export function statePath(node: AnyStateNode): string {
  return node.path.join('.');
}

/** The ids of every edge leaving the states of `value` (and the root): what may fire next. */
export function edgesFrom(machine: AnyStateMachine, value: unknown): string[] {
  const active = [machine.root, ...activeNodes(machine.root, value)];
  return active.flatMap((node) => [...node.transitions.values()].flat().map(edgeId));
}

function activeNodes(node: AnyStateNode, value: unknown): AnyStateNode[] {
  const entries =
    typeof value === 'string'
      ? [[value, undefined] as const]
      : typeof value === 'object' && value !== null
        ? Object.entries(value)
        : [];
  return entries.flatMap(([key, child]) => {
    const state = node.states[key] as AnyStateNode | undefined;
    return state ? [state, ...activeNodes(state, child)] : [];
  });
}

/** The text shown for an event type: XState's generated names read as what they mean. */
export function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  if (eventType.startsWith('xstate.done.actor.')) return 'done';
  if (eventType.startsWith('xstate.error.actor.')) return 'error';
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType;
}

/** A guard as text, from the live machine: `and()`/`not()` are functions JSON would drop. */
export function guardText(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const parts = ((guard as { guards?: unknown[] }).guards ?? []).map((g) => guardText(g) ?? '?');
    if (guard.name === 'not') return `!${parts.join('')}`;
    if (guard.name === 'and') return parts.join(' && ');
    if (guard.name === 'or') return `(${parts.join(' || ')})`;
    return guard.name || 'guard';
  }
  if (typeof guard === 'object' && 'type' in guard) {
    const { type, params } = guard as { type: string; params?: Record<string, unknown> };
    if (!params) return type;
    const values = Object.values(params).map((v) => (Array.isArray(v) ? v.join('|') : String(v)));
    return `${type}(${values.join(', ')})`;
  }
  return 'guard';
}

/** One edge's label line. */
export function edgeText(edge: Pick<GraphEdge, 'eventType' | 'guard'>): string {
  const event = eventLabel(edge.eventType);
  return edge.guard ? `${event} [${edge.guard}]` : event;
}

interface Transition {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly eventType: string;
  readonly guard: string | undefined;
}

/** Every transition of a machine, in definition order, with its drawn source and target. */
export function transitionsOf(machine: AnyStateMachine): Transition[] {
  const list: Transition[] = [];
  const visit = (node: AnyStateNode) => {
    for (const [eventType, definitions] of node.transitions) {
      for (const t of definitions as AnyTransitionDefinition[]) {
        const target = t.target?.[0];
        list.push({
          id: edgeId(t),
          source: statePath(node),
          target: target ? statePath(drawable(target)) : statePath(node),
          eventType,
          guard: guardText(t.guard),
        });
      }
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return list;
}

/** History pseudo-states are not drawn: a transition to one points at its parent. */
function drawable(node: AnyStateNode): AnyStateNode {
  return node.type === 'history' && node.parent ? node.parent : node;
}

const elkId = (path: string) => `n:${path}`;
const pathOf = (elkNode: ElkNode) => elkNode.id.slice(2);
const textWidth = (text: string) => text.length * labelFont.charWidth;
/** State names are 13 px bold sans: wider per character than the labels. */
const nameWidth = (text: string) => Math.ceil(text.length * 8.5);

/** Layered, top to bottom, orthogonal lines; children laid out with their parents. */
const layoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.inline': 'true',
  'elk.spacing.nodeNode': '25',
  'elk.layered.spacing.nodeNodeBetweenLayers': '30',
  'elk.spacing.edgeEdge': '6',
  'elk.spacing.edgeNode': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  // Measured on the session machine: the most compact of ELK's placements (2000×1390 px).
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.spacing.edgeLabel': '4',
  // Absolute coordinates for nodes and edges alike.
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
};

/** The transitions of a machine, grouped as drawn. */
interface Drawing {
  /** Self-transitions by state: listed inside the state's box. */
  readonly loops: Map<string, Transition[]>;
  /** Transitions by (source, target): one routed line each. */
  readonly pairs: Transition[][];
}

/** Lays out one machine. Prefer `machineGraphs()`, which caches. */
export async function machineGraph(
  machine: AnyStateMachine,
  kind: MachineKind,
): Promise<MachineGraph> {
  const transitions = transitionsOf(machine);
  const drawing: Drawing = {
    loops: groupBy(
      transitions.filter((t) => t.source === t.target),
      (t) => t.source,
    ),
    pairs: [
      ...groupBy(
        transitions.filter((t) => t.source !== t.target),
        (t) => `${t.source}\u0000${t.target}`,
      ).values(),
    ],
  };
  const laid = await new elkjs.default().layout(elkGraph(machine, drawing));
  const nodes = readNodes(machine, laid);
  const order = new Map(transitions.map((t, i) => [t.id, i]));
  const edges = [...readLines(drawing, laid), ...readLoops(drawing, nodes)].sort(
    (a, b) => order.get(a.id)! - order.get(b.id)!,
  );
  return { kind, id: machine.id, width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges };
}

/** ELK's input: states as (compound) nodes sized for their text, one edge per state pair. */
function elkGraph(machine: AnyStateMachine, { loops, pairs }: Drawing): ElkNode {
  const shape = (path: string, label: string, compound: boolean): ElkNode => {
    const lines = loops.get(path) ?? [];
    const linesHeight = lines.length * labelFont.lineHeight;
    const width = Math.max(
      nameWidth(label) + 2 * padding,
      ...lines.map((t) => textWidth(`↺ ${edgeText(t)}`) + 2 * padding),
      90,
    );
    if (!compound) {
      return {
        id: elkId(path),
        width,
        height: header + linesHeight + (lines.length ? padding : 4),
      };
    }
    const top = header + linesHeight + padding;
    return {
      id: elkId(path),
      layoutOptions: {
        'elk.padding': `[top=${top},left=${padding},bottom=${padding},right=${padding}]`,
        'elk.nodeSize.minimum': `(${width},${top + padding})`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      },
    };
  };
  const build = (node: AnyStateNode): ElkNode => {
    const children = drawnChildren(node);
    const elk = shape(statePath(node), node.key, children.length > 0);
    if (children.length) elk.children = children.map(build);
    if (isInitial(node) && node.parent === machine.root) {
      elk.layoutOptions = { ...elk.layoutOptions, 'elk.layered.layering.layerConstraint': 'FIRST' };
    }
    return elk;
  };
  const children = drawnChildren(machine.root).map(build);
  if (machine.root.transitions.size > 0) children.unshift(shape('', 'any state', false));
  const edges: ElkExtendedEdge[] = pairs.map((group, i) => ({
    id: `e${i}`,
    sources: [elkId(group[0]!.source)],
    targets: [elkId(group[0]!.target)],
    labels: [
      {
        text: group.map(edgeText).join('\n'),
        width: Math.max(...group.map((t) => textWidth(edgeText(t)))),
        height: group.length * labelFont.lineHeight,
      },
    ],
  }));
  return { id: 'root', layoutOptions, children, edges };
}

function drawnChildren(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).filter((c) => c.type !== 'history');
}

/** Every laid-out state, parents before their children. */
function readNodes(machine: AnyStateMachine, laid: ElkNode): GraphNode[] {
  const nodes: GraphNode[] = [];
  const collect = (elkNode: ElkNode, parent: string | undefined) => {
    const id = pathOf(elkNode);
    const state = id === '' ? undefined : findState(machine, id);
    nodes.push({
      id,
      label: state?.key ?? 'any state',
      parent,
      x: elkNode.x ?? 0,
      y: elkNode.y ?? 0,
      width: elkNode.width ?? 0,
      height: elkNode.height ?? 0,
      initial: state !== undefined && isInitial(state),
      final: state?.type === 'final',
    });
    for (const child of elkNode.children ?? []) collect(child, id);
  };
  for (const child of laid.children ?? []) collect(child, undefined);
  return nodes;
}

/** Transitions between two states: the pair's routed line, their label lines stacked. */
function readLines({ pairs }: Drawing, laid: ElkNode): GraphEdge[] {
  return pairs.flatMap((group, i) => {
    const routed = laid.edges?.[i];
    const section = routed?.sections?.[0];
    const points = section
      ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(({ x, y }) => ({
          x,
          y,
        }))
      : [];
    const label = routed?.labels?.[0];
    return group.map((t, line) => ({
      ...t,
      points,
      labelX: label?.x ?? points[0]?.x ?? 0,
      labelY: (label?.y ?? points[0]?.y ?? 0) + line * labelFont.lineHeight,
    }));
  });
}

/** Self-transitions: a line of text inside the box, and a short loop on its right border. */
function readLoops({ loops }: Drawing, nodes: readonly GraphNode[]): GraphEdge[] {
  const boxes = new Map(nodes.map((n) => [n.id, n]));
  return [...loops].flatMap(([path, group]) => {
    const box = boxes.get(path)!;
    const right = box.x + box.width;
    return group.map((t, line) => {
      const labelY = box.y + header + line * labelFont.lineHeight;
      const mid = labelY + labelFont.lineHeight / 2;
      return {
        ...t,
        points: [
          { x: right, y: mid - 3 },
          { x: right + 6, y: mid - 3 },
          { x: right + 6, y: mid + 3 },
          { x: right, y: mid + 3 },
        ],
        labelX: box.x + padding,
        labelY,
      };
    });
  });
}

/** Whether a state is its parent's initial state. */
function isInitial(state: AnyStateNode): boolean {
  return state.parent?.initial?.target?.some((t: AnyStateNode) => t === state) === true;
}

function findState(machine: AnyStateMachine, path: string): AnyStateNode | undefined {
  if (path === '') return machine.root;
  let node: AnyStateNode | undefined = machine.root;
  for (const key of path.split('.')) node = node?.states[key] as AnyStateNode | undefined;
  return node;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** The machines the inspector draws, by kind. */
export function inspectedMachines(): ReadonlyMap<MachineKind, AnyStateMachine> {
  return new Map<MachineKind, AnyStateMachine>([
    ['session', sessionMachine],
    ['link', linkMachine],
    ['roaming', roamingFlowMachine],
  ]);
}

let cached: Promise<MachineGraph[]> | undefined;

/** Every inspected machine laid out; computed once per process (ELK takes ~0.1–1 s). */
export function machineGraphs(): Promise<MachineGraph[]> {
  cached ??= Promise.all(
    [...inspectedMachines()].map(([kind, machine]) => machineGraph(machine, kind)),
  );
  // A failed layout is retried by the next caller rather than cached for good.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
