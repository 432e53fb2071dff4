import { InvalidArgumentError } from './errors.js';

/**
 * The longest delay Node's setTimeout honours (2^31 - 1 ms, about 24.8 days). A longer one
 * fires after 1 ms with a TimeoutOverflowWarning, so longer delays are chained from these.
 */
export const maxTimerDelay = 2 ** 31 - 1;

/** A pending long timeout. */
export interface LongTimer {
  /** Cancels it; harmless after it fired or when called twice. */
  cancel(): void;
}

/**
 * setTimeout for delays of any length: waits in steps of at most `maxTimerDelay`, so 2^31 ms
 * and beyond really wait that long (Infinity never fires). With `unref`, the wait does not
 * keep the process alive. The global setTimeout is looked up at each step, so fake timers in
 * tests apply.
 */
export function setLongTimeout(
  callback: () => void,
  delay: number,
  options: { readonly unref?: boolean } = {},
): LongTimer {
  let remaining = Number.isNaN(delay) ? 0 : Math.max(0, delay);
  let timer: NodeJS.Timeout | undefined;
  const step = () => {
    const wait = Math.min(remaining, maxTimerDelay);
    remaining -= wait;
    timer = setTimeout(remaining > 0 ? step : callback, wait);
    if (options.unref) timer.unref();
  };
  step();
  return {
    cancel: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Checks a user-given delay in milliseconds: a whole number from `min` up to
 * Number.MAX_SAFE_INTEGER, or -1 where `never` says that -1 means "no limit". Throws an
 * InvalidArgumentError naming `what` and the accepted range otherwise.
 */
export function checkDelay(
  what: string,
  value: unknown,
  { min = 0, never = false }: { readonly min?: number; readonly never?: boolean } = {},
): number {
  const whole = typeof value === 'number' && Number.isSafeInteger(value);
  if (whole && (value >= min || (never && value === -1))) return value;
  const range = `a whole number of milliseconds from ${min} to ${Number.MAX_SAFE_INTEGER}`;
  throw new InvalidArgumentError(
    `${what} takes ${never ? `-1 (no limit) or ${range}` : range}, got ${describe(value)}.`,
  );
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
