import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { type Engine, NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { expect, it } from 'vitest';
import { drain } from './support/drain.js';

/** The simulated engine, recording what core says about anyone listening. */
function watchedEngine(world: SimulatedWorld): { engine: Engine; calls: boolean[] } {
  const calls: boolean[] = [];
  const inner = world.engine();
  const engine: Engine = {
    name: inner.name,
    capabilities: () => inner.capabilities(),
    start: (sink) => inner.start(sink),
    requestUpdate: () => inner.requestUpdate(),
    connect: (id, options) => inner.connect(id, options),
    disconnect: (id, options) => inner.disconnect(id, options),
    dispose: () => inner.dispose(),
    watch: (active) => calls.push(active),
  };
  return { engine, calls };
}

it('tells engines to watch only while a listener or a session exists', async () => {
  const world = new SimulatedWorld();
  const ap = world.addAccessPoint({ name: 'ap' });
  const { engine, calls } = watchedEngine(world);
  const manager = await NetworkConfigurationManager.create({ engines: [engine] });
  expect(calls).toEqual([false]);

  const listener = () => {};
  manager.on('configurationChanged', listener);
  await drain();
  expect(calls).toEqual([false, true]);
  manager.off('configurationChanged', listener);
  expect(calls).toEqual([false, true, false]);

  manager.once('onlineStateChanged', listener); // removed by itself once heard
  await drain();
  world.activate(ap);
  await drain();
  expect(calls).toEqual([false, true, false, true, false]);

  const session = new NetworkSession(manager.configurationFromIdentifier(ap));
  expect(calls.at(-1)).toBe(true);
  session.dispose();
  expect(calls.at(-1)).toBe(false);
  await manager.dispose();
});
