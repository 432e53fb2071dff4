import { SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  type ConnectOptions,
  type Engine,
  EngineError,
  NetworkConfigurationManager,
  NetworkSession,
} from '@netbearer/core';
import { afterEach, expect, it } from 'vitest';
import { drain } from './support/drain.js';

const managers: NetworkConfigurationManager[] = [];
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.dispose();
});

/** The simulated engine, recording every connect's options; it can refuse background ones. */
async function setUp(refuseBackground = false) {
  const world = new SimulatedWorld();
  const ap = world.addAccessPoint({ name: 'ap' });
  const inner = world.engine();
  const connects: ConnectOptions[] = [];
  const engine: Engine = {
    name: inner.name,
    capabilities: () => inner.capabilities(),
    start: (sink) => inner.start(sink),
    requestUpdate: () => inner.requestUpdate(),
    connect: async (id, options) => {
      connects.push(options);
      if (refuseBackground && options.background) {
        throw new EngineError('SecretsRequired', 'ap needs a password that nobody may ask for.');
      }
      return inner.connect(id, options);
    },
    disconnect: (id, options) => inner.disconnect(id, options),
    dispose: () => inner.dispose(),
  };
  const manager = await NetworkConfigurationManager.create({ engines: [engine] });
  managers.push(manager);
  return { world, ap, manager, connects };
}

it('ConnectInBackground reaches the engine with the connect it asks for', async () => {
  const { ap, manager, connects } = await setUp();
  const plain = new NetworkSession(manager.configurationFromIdentifier(ap));
  plain.open();
  expect(await plain.waitForOpened(1_000)).toBe(true);
  plain.close();
  await drain();
  const background = new NetworkSession(manager.configurationFromIdentifier(ap));
  background.setSessionProperty('ConnectInBackground', true);
  background.open();
  expect(await background.waitForOpened(1_000)).toBe(true);
  expect(connects.map((c) => c.background)).toEqual([false, true]);
});

it('an engine that would have to ask the user fails a background open with its reason', async () => {
  const { ap, manager } = await setUp(true);
  const session = new NetworkSession(manager.configurationFromIdentifier(ap));
  session.setSessionProperty('ConnectInBackground', true);
  const errors: string[] = [];
  session.on('error', (error) => errors.push(error));
  session.open();
  expect(await session.waitForOpened(1_000)).toBe(false);
  await drain();
  expect(errors).toEqual(['UnknownSessionError']);
  expect(session.errorString()).toBe('ap needs a password that nobody may ask for.');
  expect(session.isOpen()).toBe(false);
});
