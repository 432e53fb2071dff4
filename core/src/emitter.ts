import { EventEmitter } from 'node:events';

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A typed event emitter in which `error` is an ordinary event: with nobody listening it is
 * dropped, never thrown (Node's EventEmitter would crash the process).
 *
 * Any number of listeners is normal use (many parts of one application listening to one
 * session or manager), so there is no listener limit and no MaxListenersExceededWarning by
 * default; `setMaxListeners(n)` turns Node's leak warning on at more than `n` per event.
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  /** `listenersChanged` hears every listener added or removed (once-listeners included). */
  constructor(listenersChanged?: () => void) {
    if (!listenersChanged) return;
    // Node announces a new listener before adding it: look once it is there.
    this.#emitter.on('newListener', () => queueMicrotask(listenersChanged));
    this.#emitter.on('removeListener', listenersChanged);
  }

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.#emitter.on(event, listener as Listener<unknown[]>);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.#emitter.once(event, listener as Listener<unknown[]>);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.#emitter.off(event, listener as Listener<unknown[]>);
    return this;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  /**
   * Node's leak warning: MaxListenersExceededWarning once an event has more than `n`
   * listeners; 0 (the default) means no limit. Throws a RangeError for a negative or NaN `n`.
   */
  setMaxListeners(n: number): this {
    this.#emitter.setMaxListeners(n);
    return this;
  }

  /** The listener count per event above which Node warns; 0: no limit (the default). */
  getMaxListeners(): number {
    return this.#emitter.getMaxListeners();
  }

  /** Whether anyone listens to any event. */
  protected hasListeners(): boolean {
    return this.#emitter.eventNames().some((name) => {
      if (name === 'newListener' || name === 'removeListener') return false;
      return this.#emitter.listenerCount(name) > 0;
    });
  }

  removeAllListeners(): this {
    this.#emitter.removeAllListeners();
    return this;
  }

  /**
   * Calls every listener, even after one throws: a throwing listener is reported as an
   * uncaught exception on its own tick, as Node would, and the others still hear the event.
   */
  protected emit<K extends keyof Events & string>(event: K, ...args: Events[K]): void {
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as Listener<unknown[]>).apply(this, args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
