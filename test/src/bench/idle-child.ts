// Holds a manager with listeners on every event and nothing else to do, then reports the
// CPU it used while idle. `none` is the baseline: the same process without a manager.
import { createGenericEngine } from '@netbearer/adapter-generic';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import {
  NetworkConfigurationManager,
  type NetworkConfigurationManagerEvents,
} from '@netbearer/core';

const [engine = 'none', seconds = '10', busAddress] = process.argv.slice(2);
const create = () => {
  switch (engine) {
    case 'networkmanager':
      return createNetworkManagerEngine(busAddress ? { busAddress } : {});
    case 'generic':
      return createGenericEngine();
    default:
      return undefined;
  }
};
const picked = create();
const manager = picked
  ? await NetworkConfigurationManager.create({ engines: [picked] })
  : undefined;
let events = 0;
const all: Array<keyof NetworkConfigurationManagerEvents> = [
  'configurationAdded',
  'configurationRemoved',
  'configurationChanged',
  'onlineStateChanged',
  'updateCompleted',
  'reachabilityChanged',
  'isBehindCaptivePortalChanged',
  'transportMediumChanged',
  'isMeteredChanged',
];
for (const name of all) manager?.on(name, () => events++);
// Let start-up settle (one-shot timers of the engines, V8's delayed clean-up of module
// loading), collect, then measure only the idle time.
await new Promise((resolve) =>
  setTimeout(resolve, Number(process.env.NETBEARER_IDLE_SETTLE_MS ?? 15_000)),
);
globalThis.gc?.();
const before = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
const used = process.cpuUsage(before);
await manager?.dispose();
console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, events }));
