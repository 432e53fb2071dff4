import {
  allStates,
  allTransitions,
  Coverage,
  roamingOf,
  type SessionEvent,
  sessionMachine,
  statePaths,
} from '@netbearer/machines';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestModel } from 'xstate/graph';
import { keyOf, OTHER, SessionHarness } from './session-harness.js';

type SessionSnapshot = ReturnType<typeof sessionMachine.resolveState>;

const failure = (message: string) => ({ error: 'UnknownSessionError' as const, message });
// Order matters for shortest paths: a stop is realised as a stop of an up link (one that
// interrupts a start cannot be refused: there is nothing to keep up).
const linkStatuses = ['Unavailable', 'Down', 'Up', 'Stopping', 'Starting'] as const;

/**
 * The events the world and the application can really produce in each abstract state: the
 * harness knows how to make the session receive exactly that event there.
 */
function realisable(snapshot: SessionSnapshot): SessionEvent[] {
  const { value } = snapshot;
  const c = snapshot.context;
  const ev = <T extends SessionEvent['type']>(type: T) =>
    ({ type }) as Extract<SessionEvent, { type: T }>;
  const roaming = roamingOf(value);
  if (roaming) {
    const failed = {
      type: 'ROAM_TARGET_FAILED' as const,
      failure: failure('Simulated roam failure.'),
    };
    const step = {
      Preferred: [ev('MIGRATE'), ev('IGNORE'), ev('ACCEPT')],
      Migrating: [ev('ROAM_TARGET_UP'), failed, ev('REJECT')],
      Forced: [ev('ROAM_TARGET_UP'), failed, ev('REJECT')],
      Activated: [ev('ACCEPT'), ev('REJECT'), failed, ev('MIGRATE')],
    }[roaming.Step];
    // The old link going away (a removed configuration never comes back).
    const lost = {
      Up: [ev('LINK_DOWN'), ev('LINK_UNAVAILABLE'), ev('LINK_REMOVED')],
      Down: [ev('LINK_UNAVAILABLE'), ev('LINK_REMOVED')],
      Unavailable: [ev('LINK_DOWN'), ev('LINK_REMOVED')],
      Removed: [],
    }[roaming.OldLink];
    return [...step, ev('CLOSE'), ev('STOP'), ...lost];
  }
  switch (value) {
    case 'Invalid':
      return c.bound
        ? [ev('OPEN')]
        : [...linkStatuses.map((status) => ({ type: 'BIND' as const, status })), ev('OPEN')];
    case 'NotAvailable':
      return [ev('OPEN'), ev('LINK_DOWN'), ev('LINK_UP'), ev('LINK_REMOVED')];
    case 'Disconnected':
      return [
        ev('OPEN'),
        ev('LINK_STARTING'),
        ev('LINK_UP'),
        ev('LINK_UNAVAILABLE'),
        ev('LINK_REMOVED'),
      ];
    case 'Connecting':
      return [
        ev('OPEN'),
        ev('CLOSE'),
        ev('STOP'),
        ev('LINK_UP'),
        { type: 'CONNECT_FAILED', failure: failure('Simulated connect failure.') },
        ev('LINK_STOPPING'),
        ev('LINK_UNAVAILABLE'),
        ev('LINK_REMOVED'),
      ];
    case 'Connected':
      return [
        ev('OPEN'),
        ev('CLOSE'),
        ev('STOP'),
        ev('LINK_STOPPING'),
        ev('LINK_DOWN'),
        ev('LINK_UNAVAILABLE'),
        ev('LINK_REMOVED'),
        ...[false, true]
          .filter(() => c.isOpen)
          .map((forced) => ({
            type: 'BETTER_CONFIGURATION' as const,
            configuration: OTHER,
            seamless: false,
            forced,
          })),
        // Roaming calls with no roam under way: misuse.
        ev('MIGRATE'),
        ev('IGNORE'),
        ev('ACCEPT'),
        ev('REJECT'),
      ];
    case 'Closing':
      return [
        ev('OPEN'),
        ev('CLOSE'),
        ev('STOP'),
        ev('LINK_DOWN'),
        ...(c.isOpen || c.stopping ? [] : [ev('LINK_UP')]),
        {
          type: 'STOP_REFUSED',
          failure: { error: 'OperationNotSupportedError', message: 'refused' },
        },
        ev('LINK_UNAVAILABLE'),
        ev('LINK_REMOVED'),
      ];
    default:
      throw new Error(`no events for ${JSON.stringify(value)}`);
  }
}

const model = createTestModel(sessionMachine, {
  events: realisable,
  serializeState: (s) =>
    keyOf((s as SessionSnapshot).value, (s as SessionSnapshot).context) as never,
});

// One path to every reachable state, then every edge out of it: transition coverage.
const toState = new Map(
  model
    .getShortestPaths({ allowDuplicatePaths: true })
    .map((path) => [keyOf(path.state.value, path.state.context), path] as const),
);
const offered = (state: SessionSnapshot) =>
  new Set(realisable(state).map((e) => JSON.stringify(e)));
const walkable = (events: SessionEvent[]) => events.filter((e) => !e.type.startsWith('xstate.'));
const edges = Object.values(model.getAdjacencyMap()).flatMap((node) => {
  const from = keyOf(node.state.value, node.state.context);
  const prefix = walkable(toState.get(from)!.steps.map((step) => step.event));
  // The adjacency map also tries the machine's other event types; keep what is realisable.
  const events = offered(node.state);
  const transitions = Object.values(node.transitions) as Array<{ event: SessionEvent }>;
  return transitions
    .filter(({ event }) => events.has(JSON.stringify(event)))
    .map(({ event }) => ({ from, events: [...prefix, event] }));
});

const coverage = new Coverage('session');
const everyTransition = allTransitions(sessionMachine);
const everyState = allStates(sessionMachine);

/** The chart reported on a line of its own: its states, and its transitions. */
interface Chart {
  readonly name: string;
  readonly states: readonly string[];
  readonly transitions: readonly string[];
}
// The roaming flow is the Roaming state's sub-chart; the session chart is the rest of it.
const roamingStates = new Set(allStates(sessionMachine, 'Roaming'));
const roamingTransitions = new Set(allTransitions(sessionMachine, 'Roaming'));
const charts: readonly Chart[] = [
  {
    name: 'session machine',
    states: everyState.filter((s) => !roamingStates.has(s)),
    transitions: everyTransition.filter((t) => !roamingTransitions.has(t)),
  },
  { name: 'roaming flow', states: [...roamingStates], transitions: [...roamingTransitions] },
];

function coverageLine({ name, states, transitions }: Chart): string {
  const missedStates = states.filter((s) => !coverage.states.has(s));
  const missedTransitions = transitions.filter((t) => !coverage.transitions.has(t));
  const missed = [...missedStates, ...missedTransitions];
  return (
    `${name} coverage: states ${states.length - missedStates.length}/${states.length}, ` +
    `transitions ${transitions.length - missedTransitions.length}/${transitions.length}` +
    (missed.length ? `\n  not taken: ${missed.join('\n  not taken: ')}` : '')
  );
}

async function walk(events: SessionEvent[]): Promise<void> {
  const harness = new SessionHarness(coverage);
  await harness.start();
  try {
    harness.check(undefined);
    for (const event of events) {
      await harness.step(event);
      harness.check(event);
    }
  } finally {
    await harness.stop();
  }
}

const label = (events: SessionEvent[]) =>
  events
    .map((e) =>
      e.type === 'BIND'
        ? `BIND(${e.status})`
        : e.type === 'BETTER_CONFIGURATION'
          ? `BETTER(${e.forced ? 'forced' : 'alr'})`
          : e.type,
    )
    .join(' → ') || '(start)';

describe('session machine, walked over a real NetworkSession and a simulated world', () => {
  it('the walk reaches every state of the machine', () => {
    const paths = new Set([...toState.values()].flatMap((path) => statePaths(path.state.value)));
    expect([...paths].sort()).toEqual([...everyState].sort());
  });

  describe.each([...toState.values()].map((path) => [label(path.steps.map((s) => s.event)), path]))(
    'state path %s',
    (_, path) => {
      it('reaches the state', async () => {
        await walk(walkable(path.steps.map((step) => step.event)));
      });
    },
  );

  describe.each(edges.map((edge) => [`${edge.from} ⇒ ${label(edge.events.slice(-1))}`, edge]))(
    'edge %s',
    (_, edge) => {
      it(`via ${label(edge.events)}`, async () => {
        await walk(edge.events);
      });
    },
  );

  afterAll(() => {
    console.log(
      `${charts.map(coverageLine).join('\n')}\n` +
        `(${toState.size} abstract states, ${edges.length} edges walked)`,
    );
  });

  it.sequential('covers every state and every transition', () => {
    // Runs last in this file (vitest runs tests of a file in order).
    expect(everyState.filter((s) => !coverage.states.has(s))).toEqual([]);
    expect(everyTransition.filter((t) => !coverage.transitions.has(t))).toEqual([]);
  });

  it('reports the roaming flow as a chart of its own, apart from the session chart', () => {
    const [session, roaming] = charts;
    expect(session!.states).toContain('Roaming');
    expect(roaming!.states).toContain('Roaming.Step.Preferred');
    expect(session!.states.length + roaming!.states.length).toBe(everyState.length);
    expect(session!.transitions.length + roaming!.transitions.length).toBe(everyTransition.length);
  });
});
