/**
 * Resolves on Ctrl-C or SIGTERM (the terminal's `interrupted` signal). An engine with nothing
 * to wait on (the simulated one) would let Node leave such a wait at once, so a timer that
 * fires once in 24 days holds the process until then.
 */
export function untilInterrupted(interrupted: AbortSignal): {
  done: Promise<void>;
  cancel(): void;
} {
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    if (interrupted.aborted) return resolve();
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    const finish = () => {
      clearInterval(keepAlive);
      interrupted.removeEventListener('abort', finish);
      resolve();
    };
    cancel = finish;
    interrupted.addEventListener('abort', finish, { once: true });
  });
  return { done, cancel: () => cancel() };
}
