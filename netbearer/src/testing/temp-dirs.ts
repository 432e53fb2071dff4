import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A test file's temporary directories: `make()` creates one (named after `prefix`) and keeps
 * it; `removeAll()`, for `afterEach`, deletes every one made since it last ran.
 */
export function tempDirs(prefix: string): {
  make(): Promise<string>;
  removeAll(): Promise<void>;
} {
  const dirs: string[] = [];
  return {
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll: async () => {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  };
}
