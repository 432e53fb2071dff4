import { setImmediate as settle } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceState } from './nm-constants.js';
import { active, device, profile, snapshot } from './snapshot.fixture.js';
import type { NmSnapshot } from './snapshot.js';
import { StatisticsRefresh } from './statistics.js';

const wired = profile(1);
const id = `networkmanager:${wired.uuid}`;

function world(refreshRateMs: number, activated = true): NmSnapshot {
  const d = device(1, {
    state: DeviceState.Activated,
    statistics: { refreshRateMs, txBytes: 500, rxBytes: 700 },
  });
  return snapshot({
    profiles: [wired],
    devices: [d],
    actives: activated ? [active(1, wired, { devices: [d.path] })] : [],
  });
}

/**
 * A fake NetworkManager: `rate` is the device's real RefreshRateMs (Set changes it, Get reads
 * it); `published` is the picture the engine last saw, which lags behind until `publish`.
 */
function setup(initialRate = 0) {
  const calls: Array<{ path: string; rate: number }> = [];
  let now = 1_000;
  let rate = initialRate;
  let published = world(initialRate);
  const stats = new StatisticsRefresh(
    {
      published: () => published,
      call: async (path, _iface, member, _sig, body) => {
        if (member === 'Set') {
          rate = Number((body?.[2] as { value?: unknown } | undefined)?.value);
          calls.push({ path, rate });
        }
        if (member === 'Get') return { body: [{ signature: 'u', value: rate }] };
        return { body: [] };
      },
    },
    { refreshMs: 1000, leaseMs: 5_000, now: () => now },
  );
  return {
    stats,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
    publish: (s: NmSnapshot) => {
      published = s;
    },
    /** Another client sets the rate, and the engine hears of it. */
    theyWrite: (ms: number) => {
      rate = ms;
      published = world(ms);
    },
    rate: () => rate,
  };
}

describe('StatisticsRefresh (RefreshRateMs lease)', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => cleanup?.());

  it('reads the counters and asks NetworkManager to refresh them once', () => {
    const t = setup();
    cleanup = () => t.stats.restoreAll();
    expect(t.stats.read(id)).toEqual({ bytesReceived: 700, bytesWritten: 500 });
    t.stats.read(id);
    expect(t.calls).toEqual([{ path: '/org/freedesktop/NetworkManager/Devices/1', rate: 1000 }]);
  });

  it('gives the rate back when the lease runs out, and only then', async () => {
    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.publish(world(1000));
    t.advance(4_000);
    t.stats.changed();
    expect(t.calls).toHaveLength(1);
    t.advance(2_000);
    t.stats.changed();
    await settle();
    expect(t.calls.at(-1)).toEqual({ path: '/org/freedesktop/NetworkManager/Devices/1', rate: 0 });
  });

  it('gives it back when the connection goes down', async () => {
    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.publish(world(1000, false));
    t.stats.changed();
    await settle();
    expect(t.calls.at(-1)?.rate).toBe(0);
  });

  it('never touches a rate another client set, and leaves a rate changed since alone', async () => {
    const theirs = setup(250);
    theirs.stats.read(id);
    expect(theirs.calls).toEqual([]);

    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.theyWrite(5000);
    t.advance(10_000);
    t.stats.changed();
    await settle();
    expect(t.calls).toHaveLength(1);
    expect(t.rate()).toBe(5000);
  });

  it('speeds up a slower rate another client set, and gives theirs back afterwards', async () => {
    const t = setup(5000);
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    expect(t.calls).toEqual([{ path: '/org/freedesktop/NetworkManager/Devices/1', rate: 1000 }]);
    t.publish(world(1000));
    t.advance(6_000);
    t.stats.changed();
    await settle();
    expect(t.calls.at(-1)?.rate).toBe(5000);
    expect(t.rate()).toBe(5000);
  });

  it('restores at dispose right after the first read, before NetworkManager echoed our rate', async () => {
    for (const before of [0, 5000]) {
      const t = setup(before);
      t.stats.read(id);
      // The published picture still says `before`: only NetworkManager knows the rate is ours.
      await t.stats.restoreAll();
      expect(t.calls.map((c) => c.rate)).toEqual([1000, before]);
      expect(t.rate()).toBe(before);
    }
  });

  it('has nothing for configurations that are not active or not its own', () => {
    const t = setup();
    t.publish(world(0, false));
    expect(t.stats.read(id)).toBeUndefined();
    expect(t.stats.read('networkmanager:wifi:41')).toBeUndefined();
    expect(t.stats.read('generic:eth0')).toBeUndefined();
    expect(t.calls).toEqual([]);
  });
});
