// tst_qnetworkconfigurationmanager::usedInThread, what both threads share: where the built
// packages are (a worker cannot load the TypeScript sources that vitest aliases for the main
// thread) and how a manager's view is described, so the two sides compare like with like.
// Plain ESM for the worker's sake; used-in-thread.d.mts types it for the test.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const builtPackages = {
  core: new URL('../../../core/dist/index.js', import.meta.url),
  simulated: new URL('../../../adapters/simulated/dist/index.js', import.meta.url),
};

/** Throws, saying what to run, unless the packages the worker thread imports are built. */
export function requireBuiltPackages() {
  for (const url of Object.values(builtPackages)) {
    if (!existsSync(fileURLToPath(url))) {
      throw new Error(
        `${fileURLToPath(url)} is missing. The worker thread runs the BUILT packages: run ` +
          '`npx tsc -b` at the workspace root first.',
      );
    }
  }
}

/** What a manager sees, as plain data that can cross threads and be compared. */
export function describeManager(manager) {
  return {
    configurations: manager
      .allConfigurations()
      .map((c) => ({
        identifier: c.identifier(),
        name: c.name(),
        type: c.type(),
        state: c.state(),
        bearerType: c.bearerType(),
        children: c.children().map((child) => child.identifier()),
      }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier)),
    active: manager
      .allConfigurations('Active')
      .map((c) => c.identifier())
      .sort(),
    defaultConfiguration: manager.defaultConfiguration().identifier(),
    online: manager.isOnline(),
  };
}
