/**
 * Delivers events on a later tick, in the order they were posted. Nothing a caller does
 * fires a listener inside that call, and a throwing listener neither stops the others nor
 * disappears: it is rethrown on its own tick, as an uncaught exception, like Node would.
 */
export class EventQueue {
  #tasks: Array<() => void> = [];
  #scheduled = false;

  post(task: () => void): void {
    this.#tasks.push(task);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /** Drops everything not yet delivered. */
  clear(): void {
    this.#tasks.length = 0;
  }

  #flush(): void {
    // Tasks posted while flushing run in this same flush, after the ones before them.
    for (let i = 0; i < this.#tasks.length; i++) {
      try {
        this.#tasks[i]!();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.#tasks.length = 0;
    this.#scheduled = false;
  }
}
