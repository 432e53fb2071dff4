import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { drain } from './support/drain.js';

/** The platform's network service restarting under open sessions (like NetworkManager). */
describe('an engine whose platform service goes away and comes back', () => {
  async function setUp() {
    const world = new SimulatedWorld();
    const wifi = world.addAccessPoint({ name: 'wifi', interfaceName: 'wlan0' });
    const lan = world.addAccessPoint({ name: 'lan', bearerType: 'Ethernet', active: true });
    world.setNetworkInformation({
      reachability: 'Online',
      behindCaptivePortal: false,
      transportMedium: 'Ethernet',
      metered: false,
    });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const session = new NetworkSession(manager.configurationFromIdentifier(wifi));
    const events: string[] = [];
    for (const name of ['opened', 'closed', 'error', 'stateChanged'] as const) {
      session.on(name, (...args: unknown[]) => events.push([name, ...args].join(' ')));
    }
    session.open();
    expect(await session.waitForOpened(1000)).toBe(true);
    events.length = 0;
    return { world, wifi, lan, manager, session, events };
  }

  it('shows configurations and information as unknown, and keeps open sessions open', async () => {
    const { world, wifi, manager, session, events } = await setUp();
    const changed: string[] = [];
    manager.on('configurationChanged', (c) => changed.push(`${c.name()}:${c.state()}`));
    world.serviceDown();
    await drain();
    expect(changed.sort()).toEqual(['lan:Undefined', 'wifi:Undefined']);
    expect(manager.configurationFromIdentifier(wifi).state()).toBe('Undefined');
    expect(manager.reachability()).toBe('Unknown');
    expect(session.isOpen()).toBe(true);
    expect(session.state()).toBe('Connected');

    world.serviceUp();
    await drain();
    expect(manager.configurationFromIdentifier(wifi).state()).toBe('Active');
    expect(manager.reachability()).toBe('Online');
    expect(session.isOpen()).toBe(true);
    expect(events).toEqual([]);
    await manager.dispose();
  });

  it('reconciles what changed meanwhile: a lost link ends the session, a removal is reported', async () => {
    const { world, wifi, lan, manager, session, events } = await setUp();
    const removed: string[] = [];
    manager.on('configurationRemoved', (c) => removed.push(c.identifier()));
    world.serviceDown();
    await drain();
    world.loseLink(wifi);
    world.remove(lan);
    await drain();
    expect(session.isOpen()).toBe(true);
    world.serviceUp();
    await drain();
    expect(removed).toEqual([lan]);
    expect(manager.configurationFromIdentifier(wifi).state()).toBe('Discovered');
    expect(events).toEqual(['closed', 'stateChanged Disconnected', 'error SessionAbortedError']);
    await manager.dispose();
  });

  it('fails an open attempted while the service is gone, and opens once it is back', async () => {
    const { world, wifi, manager, session } = await setUp();
    session.close();
    await drain();
    world.serviceDown();
    await drain();
    const again = new NetworkSession(manager.configurationFromIdentifier(wifi));
    again.open();
    expect(await again.waitForOpened(1000)).toBe(false);
    expect(again.error()).toBe('UnknownSessionError');
    world.serviceUp();
    await drain();
    again.open();
    expect(await again.waitForOpened(1000)).toBe(true);
    await manager.dispose();
  });
});
