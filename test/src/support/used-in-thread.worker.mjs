// tst_qnetworkconfigurationmanager::usedInThread, the thread side: builds the same
// deterministic scenario as the main thread (createDemoWorld) from the BUILT packages, runs
// an update, and posts back what its manager sees. Plain ESM: a worker cannot load the
// TypeScript sources that vitest aliases for the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';

const coreUrl = new URL('../../../core/dist/index.js', import.meta.url);
const simulatedUrl = new URL('../../../adapters/simulated/dist/index.js', import.meta.url);
for (const url of [coreUrl, simulatedUrl]) {
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`${fileURLToPath(url)} is missing: run \`npx tsc -b\` first`);
  }
}

const { NetworkConfigurationManager } = await import(coreUrl.href);
const { createDemoWorld } = await import(simulatedUrl.href);

const { world } = createDemoWorld();
const manager = await NetworkConfigurationManager.create({ engines: [world.engine('worker')] });
try {
  await manager.updateConfigurations();
  const configurations = manager
    .allConfigurations()
    .map((c) => ({
      identifier: c.identifier(),
      name: c.name(),
      type: c.type(),
      state: c.state(),
      bearerType: c.bearerType(),
      children: c.children().map((child) => child.identifier()),
    }))
    .sort((a, b) => a.identifier.localeCompare(b.identifier));
  parentPort?.postMessage({
    configurations,
    active: manager
      .allConfigurations('Active')
      .map((c) => c.identifier())
      .sort(),
    defaultConfiguration: manager.defaultConfiguration().identifier(),
    online: manager.isOnline(),
  });
} finally {
  await manager.dispose();
}
