/**
 * A process holding a NetworkManager engine, for the test that dispose() lets a process exit
 * even while the engine is backing off to reconnect (networkmanager/bus-restart.test.ts). Run
 * from a copy staged by stage-child.ts: `node <staged>/nm-exit-child.js <bus address>`.
 * stdout: JSON lines `{ ready }`, `{ unavailable }`, `{ resources }`, `{ disposed }`; stdin:
 * `resources` (what keeps the process alive now), `dispose`. It never calls process.exit: it
 * ends when nothing keeps it alive any more.
 */
import { createInterface } from 'node:readline';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { quietSink } from './quiet-sink.js';

const out = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
const [busAddress = ''] = process.argv.slice(2);
const engine = createNetworkManagerEngine({ busAddress });

await engine.start({
  ...quietSink,
  unavailable: (reason) => out({ unavailable: reason }),
  available: (list) => out({ available: list.length }),
});
out({ ready: process.pid });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'resources') out({ resources: process.getActiveResourcesInfo() });
  if (line.trim() !== 'dispose') return;
  lines.close();
  void engine.dispose().then(() => {
    out({ disposed: process.getActiveResourcesInfo() });
  });
});
