/**
 * Waiting helpers for the suites that run on the simulated world (acceptance, property, model
 * and the plain core suites). netbearer delivers every event on a later microtask, and the
 * simulated world runs its delays on timers, so a test needs two things: "let every queued
 * microtask run" and "let simulated time pass" — both bounded.
 */
import { vi } from 'vitest';

// Captured when this module loads, before any test installs fake timers: a real macrotask
// turn only comes once every microtask queued before it (and every one those queue) has run.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Lets every queued microtask run: event deliveries, engine notifications, promise chains. */
export async function drain(turns = 2): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  }
}

/** Moves fake time forward by `ms`, running due timers, then drains microtasks. */
export async function advance(ms: number): Promise<void> {
  if (!vi.isFakeTimers()) throw new Error('advance() needs vi.useFakeTimers()');
  await vi.advanceTimersByTimeAsync(ms);
  await drain();
}

/**
 * Advances fake time in steps until `predicate` holds (Qt's QTRY_VERIFY_WITH_TIMEOUT);
 * resolves whether it did within `within` ms of simulated time. Never waits on real time.
 */
export async function advanceUntil(
  predicate: () => boolean,
  { within = 15_000, step = 50 }: { within?: number; step?: number } = {},
): Promise<boolean> {
  await drain();
  for (let waited = 0; !predicate(); waited += step) {
    if (waited >= within) return false;
    await advance(step);
  }
  return true;
}

/** Runs fake timers until none is left (bounded by vitest's loop limit), then drains. */
export async function runOutTimers(): Promise<void> {
  if (!vi.isFakeTimers()) throw new Error('runOutTimers() needs vi.useFakeTimers()');
  for (let i = 0; i < 5; i++) {
    await vi.runAllTimersAsync();
    await drain();
    if (vi.getTimerCount() === 0) return;
  }
}

/**
 * A promise's outcome if it settles within `ms` of real time, else 'pending'. Uses the real
 * clock even under fake timers, so a hang is reported instead of stalling the suite.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'pending'>((resolve) => {
    timer = realSetTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    realClearTimeout(timer);
  }
}
