interface Shared {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const shared = new WeakMap<AbortSignal, Shared>();

/**
 * Calls `callback` when `signal` aborts; returns the function that withdraws it. Every wait
 * on one signal shares a single 'abort' listener, removed once the last wait is withdrawn:
 * 100 concurrent waits on one signal add one listener to it, not 100 (Node warns at 11), and
 * the caller's signal is left as it was found.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = shared.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      shared.delete(signal);
      for (const each of [...callbacks]) each();
      callbacks.clear();
    };
    entry = { callbacks, listener };
    shared.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = entry;
  // A callback may be added twice (the same function for two waits): withdraw only this one.
  const own = () => callback();
  callbacks.add(own);
  return () => {
    if (!callbacks.delete(own) || callbacks.size > 0) return;
    if (shared.get(signal)?.callbacks === callbacks) shared.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
