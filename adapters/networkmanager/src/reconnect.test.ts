import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, Reconnector } from './reconnect.js';

describe('backoffDelay', () => {
  it('doubles from 100 ms to a 30 s cap, jittered between half and all of it', () => {
    const low = (n: number) => backoffDelay(n, { random: () => 0 });
    const high = (n: number) => backoffDelay(n, { random: () => 0.999999 });
    expect([0, 1, 2, 3].map(high)).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map(low)).toEqual([50, 100, 200, 400]);
    expect(high(9)).toBe(30_000); // 51.2 s capped
    expect(high(500)).toBe(30_000);
    expect(low(500)).toBe(15_000);
  });

  it('spreads processes that lost the same bus', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(800);
  });
});

describe('Reconnector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(outcomes: boolean[]) {
    const at: number[] = [];
    const reconnector = new Reconnector(
      async () => {
        at.push(Date.now());
        return outcomes.shift() ?? true;
      },
      { random: () => 0.999999 },
    );
    return { reconnector, at };
  }

  it('no timer until the connection is lost; after that, attempts back off until one works', async () => {
    const start = Date.now();
    const { reconnector, at } = setup([false, false, false, true]);
    expect(vi.getTimerCount()).toBe(0);
    reconnector.lost();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(at.map((t) => t - start)).toEqual([100, 300, 700, 1500]);
    // Connected again: nothing scheduled, nothing running.
    expect(vi.getTimerCount()).toBe(0);
    expect(reconnector.waiting).toBe(false);
  });

  it('a connection lost again soon keeps backing off; one that lasted starts over', async () => {
    const start = Date.now();
    const { reconnector, at } = setup([true, true, true]);
    reconnector.lost();
    await vi.advanceTimersByTimeAsync(100);
    reconnector.lost(); // flapping: dropped right after it came back
    await vi.advanceTimersByTimeAsync(200);
    expect(at.map((t) => t - start)).toEqual([100, 300]);
    await vi.advanceTimersByTimeAsync(60_000); // stable for a minute
    reconnector.lost();
    await vi.advanceTimersByTimeAsync(100);
    expect(at.at(-1)).toBe(start + 60_300 + 100);
  });

  it('stop() ends it: the pending timer goes, a running attempt is not followed up', async () => {
    const { reconnector, at } = setup([false, false]);
    reconnector.lost();
    reconnector.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(at).toEqual([]);
    reconnector.lost();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an attempt that throws counts as failed', async () => {
    let calls = 0;
    const reconnector = new Reconnector(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('ECONNREFUSED');
        return true;
      },
      { random: () => 0.999999 },
    );
    reconnector.lost();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
