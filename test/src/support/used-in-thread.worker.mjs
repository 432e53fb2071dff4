// tst_qnetworkconfigurationmanager::usedInThread, the thread side: builds the same
// deterministic scenario as the main thread (createDemoWorld) from the BUILT packages, runs
// an update, and posts back what its manager sees. Plain ESM: a worker cannot load the
// TypeScript sources that vitest aliases for the main thread.
import { parentPort } from 'node:worker_threads';
import { builtPackages, describeManager, requireBuiltPackages } from './used-in-thread.mjs';

requireBuiltPackages();
const { NetworkConfigurationManager } = await import(builtPackages.core.href);
const { createDemoWorld } = await import(builtPackages.simulated.href);

const { world } = createDemoWorld();
const manager = await NetworkConfigurationManager.create({ engines: [world.engine('worker')] });
try {
  await manager.updateConfigurations();
  parentPort?.postMessage(describeManager(manager));
} finally {
  await manager.dispose();
}
