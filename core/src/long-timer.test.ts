import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { checkDelay, maxTimerDelay, setLongTimeout } from './long-timer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('fires after 2^31 ms and more, not at once (fake timers clamp like Node)', () => {
    vi.useFakeTimers();
    for (const delay of [2 ** 31, 3 * 2 ** 31 + 17, maxTimerDelay, 5]) {
      const fired = vi.fn();
      setLongTimeout(fired, delay);
      vi.advanceTimersByTime(delay - 1);
      expect(fired, `${delay}`).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fired, `${delay}`).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(10 * maxTimerDelay);
      expect(fired).toHaveBeenCalledTimes(1);
    }
  });

  it('cancels in any step, and cancelling twice or after firing is harmless', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 2 * maxTimerDelay + 5);
    vi.advanceTimersByTime(maxTimerDelay + 1);
    timer.cancel();
    timer.cancel();
    vi.advanceTimersByTime(3 * maxTimerDelay);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    const done = setLongTimeout(fired, 1);
    vi.advanceTimersByTime(1);
    done.cancel();
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('Infinity never fires; negative and NaN fire on the next turn like setTimeout', () => {
    vi.useFakeTimers();
    const never = vi.fn();
    const soon = vi.fn();
    const forever = setLongTimeout(never, Number.POSITIVE_INFINITY);
    setLongTimeout(soon, -5);
    setLongTimeout(soon, Number.NaN);
    vi.advanceTimersByTime(100 * maxTimerDelay);
    expect(never).not.toHaveBeenCalled();
    expect(soon).toHaveBeenCalledTimes(2);
    forever.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with real timers, 2^31 ms neither fires nor warns, and unref lets the process exit', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const fired = vi.fn();
      const timer = setLongTimeout(fired, 2 ** 31, { unref: true });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(fired).not.toHaveBeenCalled();
      timer.cancel();
      expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('checkDelay', () => {
  it('takes whole milliseconds from min, and -1 where it means no limit', () => {
    expect(checkDelay('t', 0)).toBe(0);
    expect(checkDelay('t', 2 ** 31)).toBe(2 ** 31);
    expect(checkDelay('t', Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(checkDelay('t', -1, { never: true })).toBe(-1);
    expect(checkDelay('t', 1, { min: 1 })).toBe(1);
  });

  it('refuses anything else with an InvalidArgumentError that says what it takes', () => {
    const bad = [-1, -2, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5', null, undefined];
    for (const value of bad) {
      expect(() => checkDelay('AutoCloseSessionTimeout', value), String(value)).toThrow(
        InvalidArgumentError,
      );
    }
    expect(() => checkDelay('t', 0, { min: 1 })).toThrow(InvalidArgumentError);
    expect(() => checkDelay('waitForOpened', 1.5, { never: true })).toThrow(
      /waitForOpened takes -1 \(no limit\) or a whole number of milliseconds from 0 to 9007199254740991, got 1\.5/,
    );
  });
});
