/**
 * Resolves after `ms`, or as soon as `signal` aborts (at once if it already has); never
 * rejects. The timer and the 'abort' listener are both gone once it resolves. For engines and
 * tools that poll or pace themselves and must stop waiting when told to.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
