import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in for `ip`, `dir/name`, that records its pid in `<path>.pid` and its arguments in
 * `<path>.args`, then runs `body` (sh). Resolves with its path.
 */
export async function fakeIp(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    // Written whole or not at all: a reader never sees an empty pid file.
    `#!/bin/sh\necho $$ > "${path}.pid.tmp"\nmv "${path}.pid.tmp" "${path}.pid"\necho "$@" > "${path}.args"\n${body}\n`,
  );
  await chmod(path, 0o755);
  return path;
}

/** Whether process `pid` is alive; none (`undefined`: it never started) is not. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  // 0 or -1 would signal a whole process group: never a pid read from a file.
  if (!(pid > 0)) throw new Error(`not a pid: ${pid}`);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
