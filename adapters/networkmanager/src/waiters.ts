/**
 * Promises that settle when NetworkManager's state says so: each check runs after every
 * change the engine has published, never on a timer. An AbortSignal or the engine going away
 * ends the wait.
 */
export type Verdict<T> = { readonly done: T } | { readonly failed: Error } | undefined;

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

export class Waiters {
  readonly #waiting = new Set<Waiter>();

  /** Resolves with `done`, rejects with `failed` or the abort's error; checks once at once. */
  wait<T>(
    check: () => Verdict<T>,
    signal: AbortSignal | undefined,
    onAbort: () => Error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abort = () => waiter.fail(onAbort());
      const finish = () => {
        this.#waiting.delete(waiter);
        signal?.removeEventListener('abort', abort);
      };
      const waiter: Waiter = {
        check: () => {
          let verdict: Verdict<T>;
          try {
            verdict = check();
          } catch (error) {
            verdict = { failed: error instanceof Error ? error : new Error(String(error)) };
          }
          if (!verdict) return;
          finish();
          if ('done' in verdict) resolve(verdict.done);
          else reject(verdict.failed);
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      if (signal?.aborted) return reject(onAbort());
      this.#waiting.add(waiter);
      signal?.addEventListener('abort', abort, { once: true });
      waiter.check();
    });
  }

  checkAll(): void {
    for (const waiter of [...this.#waiting]) waiter.check();
  }

  failAll(error: () => Error): void {
    for (const waiter of [...this.#waiting]) waiter.fail(error());
  }

  get size(): number {
    return this.#waiting.size;
  }
}
