import type { Priority } from './network-request.js';

interface Waiter {
  readonly rank: number;
  readonly start: () => void;
}

const rankOf: Record<Priority, number> = { HighPriority: 0, NormalPriority: 1, LowPriority: 2 };

/**
 * At most `limit` transfers per host:port at a time (Qt: 6); the rest wait, highest priority
 * first, then in order of arrival. Keeping the queue here rather than in undici's pool is what
 * makes priorities possible, and lets an aborted request leave the queue without a trace.
 */
export class HostQueue {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Waiter[]>();

  constructor(readonly limit: number) {}

  /**
   * Resolves with a release function once a slot for `origin` is free; rejects with the
   * signal's reason if it aborts first. The signal is asked for only if the request must wait
   * (a reply makes its AbortSignal on demand: most never need one).
   */
  acquire(origin: string, priority: Priority, signalOf: () => AbortSignal): Promise<() => void> {
    const running = this.#running.get(origin) ?? 0;
    if (running < this.limit) {
      this.#running.set(origin, running + 1);
      return Promise.resolve(this.#releaser(origin));
    }
    const signal = signalOf();
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        rank: rankOf[priority],
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#releaser(origin));
        },
      };
      const onAbort = () => {
        const list = this.#waiting.get(origin);
        const at = list?.indexOf(waiter) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
        if (list?.length === 0) this.#waiting.delete(origin);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const list = this.#waiting.get(origin) ?? [];
      // After every waiter of the same or higher priority.
      const at = list.findIndex((w) => w.rank > waiter.rank);
      list.splice(at < 0 ? list.length : at, 0, waiter);
      this.#waiting.set(origin, list);
    });
  }

  /** Transfers running and waiting for `origin`. */
  stats(origin: string): { running: number; waiting: number } {
    return {
      running: this.#running.get(origin) ?? 0,
      waiting: this.#waiting.get(origin)?.length ?? 0,
    };
  }

  #releaser(origin: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.get(origin)?.shift();
      if (this.#waiting.get(origin)?.length === 0) this.#waiting.delete(origin);
      if (next) {
        next.start();
        return;
      }
      const running = (this.#running.get(origin) ?? 1) - 1;
      if (running > 0) this.#running.set(origin, running);
      else this.#running.delete(origin);
    };
  }
}
