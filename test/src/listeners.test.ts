/**
 * Many listeners are normal use: many parts of one application listening to one session or
 * manager, or 100 concurrent waitForOpened. None of it may print Node's
 * MaxListenersExceededWarning, and a settled wait leaves no listener behind.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkSession, type NetworkSessionEvents } from '@netbearer/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, drain } from './support/drain.js';
import { configurationOf, useManagers } from './support/qt-rig.js';

const managers = useManagers();
const sessionEvents: ReadonlyArray<keyof NetworkSessionEvents> = [
  'stateChanged',
  'opened',
  'closed',
  'error',
  'preferredConfigurationChanged',
  'newConfigurationActivated',
  'usagePoliciesChanged',
];

let warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** Warnings are emitted on a later tick: let them arrive first (drain uses the real clock). */
async function warningsSeen(): Promise<string[]> {
  await drain();
  return warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'));
}

async function setUp(connectDelay = 200) {
  vi.useFakeTimers();
  const world = new SimulatedWorld({ connectDelay, disconnectDelay: 50 });
  world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
  const manager = await managers(world);
  const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
  return { world, manager, session };
}

function listenerCounts(session: NetworkSession): Record<string, number> {
  return Object.fromEntries(sessionEvents.map((e) => [e, session.listenerCount(e)]));
}

describe('listeners without MaxListenersExceededWarning', () => {
  it('100 concurrent waitForOpened that open: no warning, listener counts back to baseline', async () => {
    const { session } = await setUp();
    session.on('opened', () => {});
    const baseline = listenerCounts(session);
    session.open();
    const waits = Array.from({ length: 100 }, () => session.waitForOpened(5_000));
    expect(await warningsSeen()).toEqual([]);
    await advance(300);
    expect(await Promise.all(waits)).toEqual(Array(100).fill(true));
    expect(listenerCounts(session)).toEqual(baseline);
    expect(await warningsSeen()).toEqual([]);
  });

  it('100 concurrent waitForOpened that time out, sharing one AbortSignal: no warning, no leftovers', async () => {
    const { session } = await setUp(60_000);
    const baseline = listenerCounts(session);
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    session.open();
    const waits = Array.from({ length: 100 }, () =>
      session.waitForOpened(1_000, { signal: controller.signal }),
    );
    expect(await warningsSeen()).toEqual([]);
    await advance(1_000);
    expect(await Promise.all(waits)).toEqual(Array(100).fill(false));
    expect(listenerCounts(session)).toEqual(baseline);
    // Whatever was added to the caller's signal was taken off again.
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
    expect(session.state()).toBe('Connecting');
    expect(await warningsSeen()).toEqual([]);
  });

  it('100 concurrent waits aborted by one signal reject with its reason and leave nothing behind', async () => {
    const { session } = await setUp(60_000);
    const baseline = listenerCounts(session);
    const controller = new AbortController();
    session.open();
    const waits = Array.from({ length: 100 }, () =>
      session.waitForOpened(-1, { signal: controller.signal }),
    );
    controller.abort(new Error('enough'));
    const results = await Promise.allSettled(waits);
    expect(results.every((r) => r.status === 'rejected' && r.reason.message === 'enough')).toBe(
      true,
    );
    expect(listenerCounts(session)).toEqual(baseline);
    expect(await warningsSeen()).toEqual([]);
  });

  it('waits end (false) when the session is disposed, leaving nothing behind', async () => {
    const { session } = await setUp(60_000);
    session.open();
    const waits = Array.from({ length: 20 }, () => session.waitForOpened(-1));
    session.dispose();
    expect(await Promise.all(waits)).toEqual(Array(20).fill(false));
    for (const e of sessionEvents) expect(session.listenerCount(e)).toBe(0);
  });

  it('waits end (false) when the manager is disposed', async () => {
    const { manager, session } = await setUp(60_000);
    session.open();
    const waits = Array.from({ length: 20 }, () => session.waitForOpened(-1));
    await manager.dispose();
    expect(await Promise.all(waits)).toEqual(Array(20).fill(false));
  });

  it('50 listeners on one session event and on one manager event: no warning', async () => {
    const { manager, session } = await setUp();
    for (let i = 0; i < 50; i++) {
      session.on('stateChanged', () => {});
      session.on('error', () => {});
      manager.on('configurationChanged', () => {});
      manager.on('onlineStateChanged', () => {});
    }
    session.open();
    await advance(300);
    expect(session.state()).toBe('Connected');
    expect(await warningsSeen()).toEqual([]);
  });

  it('100 concurrent updateConfigurations sharing one AbortSignal: no warning', async () => {
    const { manager } = await setUp();
    const controller = new AbortController();
    const updates = Array.from({ length: 100 }, () =>
      manager.updateConfigurations({ signal: controller.signal }),
    );
    await advance(10);
    await Promise.all(updates);
    expect(await warningsSeen()).toEqual([]);
  });

  it('setMaxListeners turns a leak warning on where the application wants one', async () => {
    const { manager, session } = await setUp();
    expect(session.getMaxListeners()).toBe(0);
    expect(manager.getMaxListeners()).toBe(0);
    session.setMaxListeners(3);
    manager.setMaxListeners(3);
    expect(session.getMaxListeners()).toBe(3);
    for (let i = 0; i < 4; i++) {
      session.on('stateChanged', () => {});
      manager.on('configurationAdded', () => {});
    }
    const seen = await warningsSeen();
    expect(seen).toHaveLength(2);
    expect(seen.join('\n')).toMatch(/stateChanged/);
    expect(seen.join('\n')).toMatch(/configurationAdded/);
  });

  it('setMaxListeners refuses what Node would not take', async () => {
    const { session } = await setUp();
    expect(() => session.setMaxListeners(-1)).toThrow(RangeError);
    expect(() => session.setMaxListeners(Number.NaN)).toThrow(RangeError);
  });
});
