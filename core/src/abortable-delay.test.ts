import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortableDelay } from './abortable-delay.js';

describe('abortableDelay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay and leaves no listener behind', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    let resolved = false;
    const wait = abortableDelay(1000, controller.signal).then(() => {
      resolved = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await wait;
    expect(resolved).toBe(true);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves as soon as the signal aborts, and at once when it already has', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const wait = abortableDelay(60_000, controller.signal);
    controller.abort();
    await wait;
    expect(vi.getTimerCount()).toBe(0);
    await abortableDelay(60_000, controller.signal);
    expect(vi.getTimerCount()).toBe(0);
  });
});
