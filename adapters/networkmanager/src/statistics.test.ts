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

function setup(initialRate = 0) {
  const calls: Array<{ path: string; rate: number }> = [];
  let now = 1_000;
  let published = world(initialRate);
  const stats = new StatisticsRefresh(
    {
      published: () => published,
      call: async (path, _iface, member, _sig, body) => {
        if (member === 'Set')
          calls.push({ path, rate: Number((body?.[2] as { value?: unknown } | undefined)?.value) });
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

  it('gives the rate back when the lease runs out, and only then', () => {
    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.publish(world(1000));
    t.advance(4_000);
    t.stats.changed();
    expect(t.calls).toHaveLength(1);
    t.advance(2_000);
    t.stats.changed();
    expect(t.calls.at(-1)).toEqual({ path: '/org/freedesktop/NetworkManager/Devices/1', rate: 0 });
  });

  it('gives it back when the connection goes down', () => {
    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.publish(world(1000, false));
    t.stats.changed();
    expect(t.calls.at(-1)?.rate).toBe(0);
  });

  it('never touches a rate another client set, and leaves a rate changed since alone', () => {
    const theirs = setup(250);
    theirs.stats.read(id);
    expect(theirs.calls).toEqual([]);

    const t = setup();
    cleanup = () => t.stats.restoreAll();
    t.stats.read(id);
    t.publish(world(5000));
    t.advance(10_000);
    t.stats.changed();
    expect(t.calls).toHaveLength(1);
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
