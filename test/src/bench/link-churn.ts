import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { type BenchLine, heapUsed, line } from './measure.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What a Wi-Fi scan does all day, with an application using each network once: an access
 * point comes into reach, a session opens on it and closes, and the access point goes away.
 * Nothing of it may stay behind.
 */
async function cycle(
  world: SimulatedWorld,
  manager: NetworkConfigurationManager,
  i: number,
): Promise<void> {
  const id = world.addAccessPoint({ name: `ap${i}`, identifier: `sim:churn-${i}` });
  await turn();
  const configuration = manager.configurationFromIdentifier(id);
  if (!configuration.isValid()) throw new Error(`link churn: ${id} was not added`);
  const session = new NetworkSession(configuration);
  session.open();
  if (!(await session.waitForOpened(5_000))) {
    throw new Error(`link churn: ${id} did not open: ${session.errorString()}`);
  }
  const closed = new Promise<void>((resolve) => session.once('closed', () => resolve()));
  session.close();
  await closed;
  await turn();
  world.remove(id);
  await turn();
  if (configuration.isValid()) throw new Error(`link churn: ${id} was not removed`);
}

/**
 * Heap growth (after gc) over `count` cycles, against the growth over the first tenth of them
 * in the same run: a ratio near 1 is a constant cost, near 10 a leak per cycle.
 */
export async function linkChurn(count = 10_000): Promise<BenchLine[]> {
  const world = new SimulatedWorld();
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
  try {
    const warmUp = 100;
    for (let i = 0; i < warmUp; i++) await cycle(world, manager, i);
    const start = heapUsed();
    const tenth = Math.round(count / 10);
    for (let i = 0; i < tenth; i++) await cycle(world, manager, warmUp + i);
    const afterTenth = heapUsed();
    for (let i = tenth; i < count; i++) await cycle(world, manager, warmUp + i);
    const afterAll = heapUsed();
    const kb = (bytes: number) => bytes / 1024;
    return [
      line(
        `link churn: heap growth after ${count} cycles of adding an access point, opening a session on it, closing it and removing it (baseline: after the first ${tenth})`,
        kb(afterAll - start),
        'KB',
        kb(afterTenth - start),
      ),
    ];
  } finally {
    await manager.dispose();
  }
}
