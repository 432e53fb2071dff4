import { describe, expect, it } from 'vitest';
import { type Verdict, Waiters } from './waiters.js';

describe('Waiters', () => {
  it('settles when a check says so, on a later checkAll', async () => {
    const waiters = new Waiters();
    let ready = false;
    const wait = waiters.wait(
      () => (ready ? { done: 'ok' } : undefined),
      undefined,
      () => new Error('aborted'),
    );
    expect(waiters.size).toBe(1);
    ready = true;
    waiters.checkAll();
    await expect(wait).resolves.toBe('ok');
    expect(waiters.size).toBe(0);
  });

  it('rejects on failure verdicts, thrown checks, aborts and failAll', async () => {
    const waiters = new Waiters();
    const failed = waiters.wait(
      (): Verdict<void> => ({ failed: new Error('no') }),
      undefined,
      () => new Error('a'),
    );
    await expect(failed).rejects.toThrow('no');
    const thrown = waiters.wait(
      (): Verdict<void> => {
        throw new Error('bug');
      },
      undefined,
      () => new Error('a'),
    );
    await expect(thrown).rejects.toThrow('bug');

    const controller = new AbortController();
    const aborted = waiters.wait(
      () => undefined,
      controller.signal,
      () => new Error('gave up'),
    );
    controller.abort();
    await expect(aborted).rejects.toThrow('gave up');

    const pending = waiters.wait(
      () => undefined,
      undefined,
      () => new Error('a'),
    );
    waiters.failAll(() => new Error('disposed'));
    await expect(pending).rejects.toThrow('disposed');
    expect(waiters.size).toBe(0);
  });

  it('rejects at once on an already aborted signal', async () => {
    const waiters = new Waiters();
    await expect(
      waiters.wait(
        () => ({ done: 1 }),
        AbortSignal.abort(),
        () => new Error('late'),
      ),
    ).rejects.toThrow('late');
  });
});
