import {
  allStates,
  allTransitions,
  Coverage,
  type SessionEvent,
  sessionMachine,
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
            upgrade: true,
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
    case 'Roaming': {
      const roam = c.roam!;
      const lost = roam.upgrade
        ? [ev('LINK_DOWN'), ev('LINK_UNAVAILABLE'), ev('LINK_REMOVED')]
        : roam.fallback === 'Invalid'
          ? []
          : roam.fallback === 'NotAvailable'
            ? [ev('LINK_DOWN'), ev('LINK_REMOVED')]
            : [ev('LINK_UNAVAILABLE'), ev('LINK_REMOVED')];
      const failed = {
        type: 'ROAM_TARGET_FAILED' as const,
        failure: failure('Simulated roam failure.'),
      };
      const phase = {
        Preferred: [ev('MIGRATE'), ev('IGNORE'), ev('ACCEPT')],
        Migrating: [ev('ROAM_TARGET_UP'), failed, ev('REJECT')],
        Activated: [ev('ACCEPT'), ev('REJECT'), failed, ev('MIGRATE')],
      }[roam.phase];
      return [...phase, ev('CLOSE'), ev('STOP'), ...lost];
    }
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
    const values = new Set([...toState.values()].map((path) => path.state.value));
    expect([...values].sort()).toEqual([...everyState].sort());
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
    const missedTransitions = everyTransition.filter((t) => !coverage.transitions.has(t));
    const missedStates = everyState.filter((s) => !coverage.states.has(s));
    console.log(
      `session machine coverage: states ${everyState.length - missedStates.length}/${everyState.length}, ` +
        `transitions ${everyTransition.length - missedTransitions.length}/${everyTransition.length} ` +
        `(${toState.size} abstract states, ${edges.length} edges walked)` +
        (missedTransitions.length
          ? `\n  not taken: ${missedTransitions.join('\n  not taken: ')}`
          : ''),
    );
  });

  it.sequential('covers every state and every transition', () => {
    // Runs last in this file (vitest runs tests of a file in order).
    expect(everyState.filter((s) => !coverage.states.has(s))).toEqual([]);
    expect(everyTransition.filter((t) => !coverage.transitions.has(t))).toEqual([]);
  });
});
