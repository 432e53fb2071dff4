/**
 * Catches what is thrown inside microtask callbacks queued with `queueMicrotask` — core's event
 * queue rethrows a throwing listener's error that way, and an engine notification that throws
 * would surface there too — so a test can assert on it instead of the run failing with an
 * unhandled error that no one can shrink or attribute.
 */
import { vi } from 'vitest';

export interface Rethrown {
  readonly errors: unknown[];
  restore(): void;
}

export function catchRethrown(): Rethrown {
  const errors: unknown[] = [];
  const real = globalThis.queueMicrotask;
  vi.stubGlobal('queueMicrotask', (callback: () => void) =>
    real(() => {
      try {
        callback();
      } catch (error) {
        errors.push(error);
      }
    }),
  );
  return { errors, restore: () => vi.unstubAllGlobals() };
}
