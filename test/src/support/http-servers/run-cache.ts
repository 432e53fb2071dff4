/**
 * A directory for things worth making once per test run (certificates, large seeded files):
 * inside the run's own runtime directory (holds-directory.global.ts), which the run removes
 * at its end, so every worker of the run shares it; else one per process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

let own: string | undefined;

export function runCacheDirectory(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime && basename(runtime).startsWith('netbearer-test-runtime-')) return runtime;
  if (own === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'netbearer-test-cache-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    own = made;
  }
  return own;
}
