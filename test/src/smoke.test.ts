import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { expect, it } from 'vitest';

it('opens, shares and closes a link', async () => {
  const world = new SimulatedWorld();
  const ap = world.addAccessPoint({ name: 'ap', interfaceName: 'wlan0' });
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
  const config = manager.configurationFromIdentifier(ap);
  const s1 = new NetworkSession(config);
  const s2 = new NetworkSession(config);
  const log: string[] = [];
  for (const [n, s] of [
    ['1', s1],
    ['2', s2],
  ] as const) {
    s.on('stateChanged', (st) => log.push(`${n}:${st}`));
    s.on('opened', () => log.push(`${n}:opened`));
    s.on('closed', () => log.push(`${n}:closed`));
    s.on('error', (e) => log.push(`${n}:error:${e}`));
  }
  expect(s1.state()).toBe('Disconnected');
  s1.open();
  expect(await s1.waitForOpened(1000)).toBe(true);
  expect(config.state()).toBe('Active');
  s2.open();
  await new Promise((r) => setTimeout(r, 5));
  s1.close();
  await new Promise((r) => setTimeout(r, 5));
  expect(config.state()).toBe('Active');
  s2.close();
  await new Promise((r) => setTimeout(r, 5));
  expect(config.state()).toBe('Discovered');
  console.log(log.join(' '));
  await manager.dispose();
});
