import { afterAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createTestModel } from 'xstate/graph';
import {
  type AccessibilityEvent,
  accessibilityMachine,
  blocksRequests,
  type NetworkAccessibility,
  networkAccessibilityOf,
  type ObservedAccessibility,
} from './accessibility.machine.js';
import { allStates, allTransitions, Coverage } from './coverage.js';

const observations: ObservedAccessibility[] = ['Unknown', 'Online', 'Offline'];
const settings: NetworkAccessibility[] = ['UnknownAccessibility', 'NotAccessible', 'Accessible'];
const everyEvent: AccessibilityEvent[] = [
  ...observations.map((observed) => ({ type: 'OBSERVED' as const, observed })),
  ...settings.map((accessible) => ({ type: 'SET' as const, accessible })),
];

/**
 * The oracle, written from Qt's documentation rather than from the machine: the last
 * setNetworkAccessible decides whether the application blocks; otherwise the last
 * observation shows through (Unknown until there is one).
 */
function expected(events: readonly AccessibilityEvent[]): {
  value: NetworkAccessibility;
  blocked: boolean;
} {
  let observed: ObservedAccessibility = 'Unknown';
  let blocked = false;
  for (const e of events) {
    if (e.type === 'OBSERVED') observed = e.observed;
    else blocked = e.accessible === 'NotAccessible';
  }
  const shown: Record<ObservedAccessibility, NetworkAccessibility> = {
    Unknown: 'UnknownAccessibility',
    Online: 'Accessible',
    Offline: 'NotAccessible',
  };
  return { value: blocked ? 'NotAccessible' : shown[observed], blocked };
}

const coverage = new Coverage('accessibility');

function run(events: readonly AccessibilityEvent[]) {
  const actor = createActor(accessibilityMachine, { inspect: coverage.inspect }).start();
  for (const e of events) actor.send(e);
  const snapshot = actor.getSnapshot();
  actor.stop();
  return { value: networkAccessibilityOf(snapshot), blocked: blocksRequests(snapshot) };
}

/** Every sequence of up to `length` events, so each state is left by every event. */
function sequences(length: number): AccessibilityEvent[][] {
  let out: AccessibilityEvent[][] = [[]];
  const all: AccessibilityEvent[][] = [[]];
  for (let i = 0; i < length; i++) {
    out = out.flatMap((seq) => everyEvent.map((e) => [...seq, e]));
    all.push(...out);
  }
  return all;
}

const label = (events: readonly AccessibilityEvent[]) =>
  events
    .map((e) => (e.type === 'OBSERVED' ? `observed ${e.observed}` : `set ${e.accessible}`))
    .join(' → ') || '(start)';

describe('accessibility machine against the oracle', () => {
  const all = sequences(3);

  it(`agrees with Qt's documented rule on all ${all.length} sequences of up to 3 events`, () => {
    const disagreements = all
      .map((events) => ({ events, got: run(events), want: expected(events) }))
      .filter(({ got, want }) => got.value !== want.value || got.blocked !== want.blocked)
      .map(
        ({ events, got, want }) =>
          `${label(events)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
      );
    expect(disagreements).toEqual([]);
  });

  it('the observed state never blocks: offline and unknown leave requests allowed', () => {
    for (const observed of observations) {
      expect(run([{ type: 'OBSERVED', observed }]).blocked).toBe(false);
    }
  });

  it('setNetworkAccessible(Accessible) unblocks at once, whatever was observed', () => {
    const events: AccessibilityEvent[] = [
      { type: 'OBSERVED', observed: 'Offline' },
      { type: 'SET', accessible: 'NotAccessible' },
      { type: 'SET', accessible: 'Accessible' },
    ];
    expect(run(events)).toEqual({ value: 'NotAccessible', blocked: false });
    expect(run([...events, { type: 'OBSERVED', observed: 'Online' }])).toEqual({
      value: 'Accessible',
      blocked: false,
    });
  });

  it('the test model reaches every state combination of the two regions', () => {
    const model = createTestModel(accessibilityMachine, { events: everyEvent });
    const reached = new Set(
      model.getShortestPaths().map((path) => JSON.stringify(path.state.value)),
    );
    expect(reached.size).toBe(3 * 2);
  });

  afterAll(() => {
    expect(coverage.missing(accessibilityMachine)).toEqual({ states: [], transitions: [] });
    expect(allStates(accessibilityMachine).length).toBeGreaterThan(0);
    expect(allTransitions(accessibilityMachine).length).toBeGreaterThan(0);
  });
});
