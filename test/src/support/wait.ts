/** Bounded waits for tests: every wait ends, with a message saying what never happened. */
import { within as settledWithin } from './drain.js';

export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last saw ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** What `promise` settles with, or a rejection saying that no `what` came within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const outcome = await settledWithin(promise, ms);
  if (outcome === 'pending') throw new Error(`no ${what} within ${ms} ms`);
  return outcome;
}
