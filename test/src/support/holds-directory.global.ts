/**
 * Vitest global set-up: every suite, and every child process it starts, counts NetworkManager
 * holds (SystemSessionSupport) in a registry of this run's own, never in the user's
 * `$XDG_RUNTIME_DIR/netbearer/holds`; the registry is removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const runtime = mkdtempSync(join(tmpdir(), 'netbearer-test-runtime-'));
  process.env.XDG_RUNTIME_DIR = runtime;
  return () => rmSync(runtime, { recursive: true, force: true });
}
