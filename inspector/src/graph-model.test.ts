import { allStates, allTransitions } from '@netbearer/machines';
import { describe, expect, it } from 'vitest';
import {
  edgeId,
  edgesFrom,
  eventLabel,
  guardText,
  inspectedMachines,
  machineGraph,
  machineGraphs,
} from './graph-model.js';
import type { MachineGraph } from './protocol.js';

const graphs = await machineGraphs();

/** coverage.ts key `session.Connected --LINK_DOWN[1]` → edge id `Connected:LINK_DOWN:1`. */
function edgeIdOfKey(machineId: string, key: string): string {
  const match = /^(.*) --(.*)\[(\d+)\]$/.exec(key);
  if (!match) throw new Error(`unexpected coverage key ${key}`);
  const [, source = '', eventType = '', branch = ''] = match;
  const path = source === machineId ? '' : source.slice(machineId.length + 1);
  return `${path}:${eventType}:${branch}`;
}

const inside = (child: MachineGraph['nodes'][number], parent: MachineGraph['nodes'][number]) =>
  child.x >= parent.x &&
  child.y >= parent.y &&
  child.x + child.width <= parent.x + parent.width &&
  child.y + child.height <= parent.y + parent.height;

describe('machine graphs', () => {
  it('draws every inspected machine once, cached', async () => {
    expect(graphs.map((g) => g.kind)).toEqual([...inspectedMachines().keys()]);
    expect(await machineGraphs()).toBe(graphs);
  });

  for (const [kind, machine] of inspectedMachines()) {
    const graph = () => graphs.find((g) => g.kind === kind)!;

    describe(kind, () => {
      it('has a node for every state, and one for the root when it has transitions', () => {
        const ids = graph().nodes.map((n) => n.id);
        expect(ids.filter((id) => id !== '').sort()).toEqual(allStates(machine).sort());
        expect(ids.includes('')).toBe(machine.root.transitions.size > 0);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('has a drawn edge for every transition of the machine definition', () => {
        const expected = allTransitions(machine).map((key) => edgeIdOfKey(machine.id, key));
        const drawn = graph().edges.map((e) => e.id);
        expect(drawn).toEqual(expected);
        for (const edge of graph().edges) {
          expect(edge.points.length, edge.id).toBeGreaterThanOrEqual(2);
        }
      });

      it('edges join existing nodes and carry event and guard', () => {
        const ids = new Set(graph().nodes.map((n) => n.id));
        for (const edge of graph().edges) {
          expect(ids.has(edge.source), edge.id).toBe(true);
          expect(ids.has(edge.target), edge.id).toBe(true);
          expect(edge.id.startsWith(`${edge.source}:${edge.eventType}:`)).toBe(true);
        }
      });

      it('has no NaN or negative coordinates and fits its size', () => {
        const g = graph();
        const numbers = [
          g.width,
          g.height,
          ...g.nodes.flatMap((n) => [n.x, n.y, n.width, n.height]),
          ...g.edges.flatMap((e) => [e.labelX, e.labelY, ...e.points.flatMap((p) => [p.x, p.y])]),
        ];
        for (const n of numbers) expect(Number.isFinite(n) && n >= 0).toBe(true);
        for (const n of g.nodes) {
          expect(n.x + n.width).toBeLessThanOrEqual(g.width);
          expect(n.y + n.height).toBeLessThanOrEqual(g.height);
        }
      });

      it('places child states inside their parent, in absolute coordinates', () => {
        const byId = new Map(graph().nodes.map((n) => [n.id, n]));
        for (const node of graph().nodes) {
          if (node.parent === undefined) continue;
          expect(node.id.startsWith(`${node.parent}.`)).toBe(true);
          expect(inside(node, byId.get(node.parent)!), node.id).toBe(true);
        }
      });

      it('marks the initial state', () => {
        const initial = graph().nodes.filter((n) => n.initial && n.parent === undefined);
        expect(initial.map((n) => n.id)).toEqual([machine.root.initial!.target[0]!.key]);
      });

      it('keeps edge ids stable from one layout to the next', async () => {
        const again = await machineGraph(machine, kind);
        expect(again.edges.map((e) => e.id)).toEqual(graph().edges.map((e) => e.id));
        expect(again.nodes.map((n) => [n.id, n.x, n.y])).toEqual(
          graph().nodes.map((n) => [n.id, n.x, n.y]),
        );
      });
    });
  }

  it('has the link machine draw nested states (Up.Owned, Up.Joined) inside Up', () => {
    const link = graphs.find((g) => g.kind === 'link')!;
    const nested = link.nodes.filter((n) => n.parent === 'Up').map((n) => n.id);
    expect(nested.sort()).toEqual(['Up.Joined', 'Up.Owned']);
  });
});

it('draws the roaming flow with the ids the session chart gives its Roaming state', () => {
  // The page marks the roaming chart with the session's own state value and edge ids.
  const session = graphs.find((g) => g.kind === 'session')!;
  const roaming = graphs.find((g) => g.kind === 'roaming')!;
  const inRoaming = (id: string) => id === 'Roaming' || id.startsWith('Roaming.');
  const sessionEdges = new Set(session.edges.map((e) => e.id));
  const flowEdges = roaming.edges.filter((e) => inRoaming(e.source));
  expect(flowEdges.length).toBeGreaterThan(0);
  for (const edge of flowEdges) expect(sessionEdges.has(edge.id), edge.id).toBe(true);
  expect(
    roaming.nodes
      .filter((n) => inRoaming(n.id))
      .map((n) => n.id)
      .sort(),
  ).toEqual(
    session.nodes
      .filter((n) => inRoaming(n.id))
      .map((n) => n.id)
      .sort(),
  );
  // Where a roam lands: the session states it ends in, drawn as final states.
  expect(
    roaming.nodes
      .filter((n) => n.final)
      .map((n) => n.id)
      .sort(),
  ).toEqual(['Closing', 'Connected', 'Disconnected', 'Invalid', 'NotAvailable']);
});

describe('edge helpers', () => {
  const session = inspectedMachines().get('session')!;

  it('names a transition definition by the id its edge has', () => {
    const [first] = session.root.states.Connected!.transitions.get('LINK_DOWN')!;
    expect(edgeId(first!)).toBe('Connected:LINK_DOWN:0');
  });

  it('lists the edges leaving the active states and the root', () => {
    const enabled = edgesFrom(session, 'Disconnected');
    expect(enabled).toContain('Disconnected:OPEN:0');
    expect(enabled.some((id) => id.startsWith('Connected:'))).toBe(false);
    expect(enabled.every((id) => id.startsWith('Disconnected:') || id.startsWith(':'))).toBe(true);
  });

  it('reads XState generated event names and composite guards', () => {
    expect(eventLabel('xstate.done.actor.0.link.Starting')).toBe('done');
    expect(eventLabel('xstate.after.connectTimeout.link.Starting')).toBe('after connectTimeout');
    const [openWhileClosing] = session.root.states.Closing!.transitions.get('OPEN')!;
    expect(guardText(openWhileClosing!.guard)).toBe('!isOpen && !opening');
    expect(guardText({ type: 'bindsTo', params: { status: 'Up' } })).toBe('bindsTo(Up)');
  });
});
