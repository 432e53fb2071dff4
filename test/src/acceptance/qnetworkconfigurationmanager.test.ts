/**
 * Qt's tst_qnetworkconfigurationmanager (and its qappless sibling) autotests marked [A] in
 * research/qt-bearer.md §6, re-expressed against the simulated engine.
 */
import { Worker } from 'node:worker_threads';
import { createDemoWorld, SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  configurationStates,
  type NetworkConfiguration,
  NetworkConfigurationManager,
  NetworkSession,
} from '@netbearer/core';
import { describe, expect, it, vi } from 'vitest';
import { drain, within } from '../support/drain.js';
import { EventRecorder } from '../support/event-recorder.js';
import { configurationOf, ids, qtWorld, stateBits, useManagers } from '../support/qt-rig.js';
import { describeManager, requireBuiltPackages } from '../support/used-in-thread.mjs';

const managers = useManagers();

const sortedIds = (list: readonly NetworkConfiguration[]) => list.map((c) => c.identifier()).sort();

describe('tst_qnetworkconfigurationmanager::usedInThread', () => {
  it('a manager built in a worker thread sees the same post-update list as the main thread', async () => {
    requireBuiltPackages();

    // The main thread: the same deterministic scenario, on the sources.
    const { world } = createDemoWorld();
    const manager = await managers(world, 'main');
    await manager.updateConfigurations();
    const main = describeManager(manager);
    // The scenario is not trivial: the scan found the café, and something is active.
    expect(main.configurations.find((c) => c.identifier === 'sim:cafe')?.state).toBe('Discovered');
    expect(main.active.length).toBeGreaterThan(0);

    const worker = new Worker(new URL('../support/used-in-thread.worker.mjs', import.meta.url));
    try {
      const fromThread = await within(
        new Promise<unknown>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
        }),
        20_000,
      );
      expect(fromThread).not.toBe('pending');
      expect(fromThread).toEqual(main);
    } finally {
      await worker.terminate();
    }
  });
});

describe('tst_qnetworkconfigurationmanager::allConfigurations', () => {
  async function rig() {
    const world = qtWorld({ userChoice: true });
    world.addAccessPoint({
      name: 'Docker bridge',
      identifier: 'sim:veth',
      bearerType: 'Ethernet',
      interfaceName: 'veth0',
      virtual: true,
      active: true,
    });
    const manager = await managers(world);
    await manager.updateConfigurations();
    return { world, manager };
  }

  it('never lists UserChoice; after an update every entry is valid and neither Invalid nor UserChoice', async () => {
    const { manager } = await rig();
    expect(manager.configurationFromIdentifier(ids.userChoice).isValid()).toBe(true);
    for (const filter of [undefined, ...configurationStates] as const) {
      for (const c of manager.allConfigurations(filter)) {
        expect(c.isValid()).toBe(true);
        expect(c.type()).not.toBe('UserChoice');
        expect(c.type()).not.toBe('Invalid');
      }
    }
  });

  it('filters are cumulative (Active ⊂ Discovered ⊂ Defined ⊂ all) and match the state bits', async () => {
    const { manager } = await rig();
    const all = manager.allConfigurations();
    const undefinedOnes = manager.allConfigurations('Undefined');
    const defined = manager.allConfigurations('Defined');
    const discovered = manager.allConfigurations('Discovered');
    const active = manager.allConfigurations('Active');

    for (const c of undefinedOnes) expect(stateBits[c.state()] & stateBits.Defined).toBe(0);
    for (const c of defined) {
      expect(stateBits[c.state()] & stateBits.Undefined).toBe(0);
      expect(stateBits[c.state()] & stateBits.Defined).toBe(stateBits.Defined);
    }
    for (const c of discovered)
      expect(stateBits[c.state()] & stateBits.Discovered).toBe(stateBits.Discovered);
    for (const c of active) expect(stateBits[c.state()] & stateBits.Active).toBe(stateBits.Active);

    expect(all.length).toBeGreaterThanOrEqual(defined.length);
    expect(defined.length).toBeGreaterThanOrEqual(discovered.length);
    expect(discovered.length).toBeGreaterThanOrEqual(active.length);
    for (const c of active) expect(discovered).toContain(c);
    for (const c of discovered) expect(defined).toContain(c);

    expect(sortedIds(all)).toEqual(
      [ids.wlan, ids.cellular, ids.ethernet, ids.far, ids.scanned, ids.snap, 'sim:veth'].sort(),
    );
    expect(sortedIds(defined)).toEqual(sortedIds(all));
    expect(sortedIds(discovered)).toEqual(
      [ids.wlan, ids.cellular, ids.ethernet, ids.scanned, ids.snap, 'sim:veth'].sort(),
    );
    expect(sortedIds(active)).toEqual([ids.ethernet, 'sim:veth'].sort());
    expect(undefinedOnes).toEqual([]);
  });

  it('isOnline() iff the Active list has a non-virtual access point', async () => {
    const { manager } = await rig();
    const online = (list: readonly NetworkConfiguration[]) =>
      list.some((c) => c.type() === 'InternetAccessPoint' && !c.isVirtual());
    expect(manager.isOnline()).toBe(online(manager.allConfigurations('Active')));
    expect(manager.isOnline()).toBe(true);
  });

  it('only a virtual interface up is not online; a real one coming up and going is announced once each', async () => {
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'veth', identifier: 'sim:veth', virtual: true, active: true });
    world.addAccessPoint({ name: 'wlan', identifier: 'sim:wlan', interfaceName: 'wlan0' });
    const manager = await managers(world);
    expect(manager.allConfigurations('Active')).toHaveLength(1);
    expect(manager.isOnline()).toBe(false);
    const rec = new EventRecorder().watchManager('m', manager);
    world.activate('sim:wlan');
    await drain();
    expect(manager.isOnline()).toBe(true);
    world.loseLink('sim:wlan');
    await drain();
    expect(manager.isOnline()).toBe(false);
    expect(rec.values('m', 'onlineStateChanged')).toEqual(['true', 'false']);
  });
});

describe('tst_qnetworkconfigurationmanager::defaultConfiguration', () => {
  it('after an update the default is one of allConfigurations() (or invalid)', async () => {
    const manager = await managers(qtWorld());
    await manager.updateConfigurations();
    const d = manager.defaultConfiguration();
    expect(d.isValid()).toBe(true);
    expect(manager.allConfigurations()).toContain(d);
  });

  it('a UserChoice default: not listed, valid, named UserChoice, childless, no roaming, exactly Discovered, found by identifier', async () => {
    const manager = await managers(qtWorld({ userChoice: true }));
    await manager.updateConfigurations();
    const d = manager.defaultConfiguration();
    expect(d.type()).toBe('UserChoice');
    expect(manager.allConfigurations()).not.toContain(d);
    expect(d.isValid()).toBe(true);
    expect(d.name()).toBe('UserChoice');
    expect(d.children()).toEqual([]);
    expect(d.isRoamingAvailable()).toBe(false);
    expect(d.state()).toBe('Discovered');
    const again = manager.configurationFromIdentifier(d.identifier());
    expect(again).toBe(d);
    expect(again.equals(d)).toBe(true);
  });

  it("the engine's own default (the platform's default route) comes first", async () => {
    const world = qtWorld();
    world.setDefault(ids.cellular);
    const manager = await managers(world);
    expect(manager.defaultConfiguration().identifier()).toBe(ids.cellular);
  });

  it('without service networks: Active Ethernet beats Active WLAN beats anything Discovered', async () => {
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'lte', identifier: 'sim:lte', bearerType: 'LTE' });
    world.addAccessPoint({ name: 'wlan', identifier: 'sim:wlan', active: true });
    world.addAccessPoint({ name: 'eth', identifier: 'sim:eth', bearerType: 'Ethernet' });
    const manager = await managers(world);
    expect(manager.defaultConfiguration().identifier()).toBe('sim:wlan');
    world.activate('sim:eth');
    await drain();
    expect(manager.defaultConfiguration().identifier()).toBe('sim:eth');
  });

  it('with nothing in reach the default is invalid', async () => {
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'far', identifier: 'sim:far', inRange: false });
    const manager = await managers(world);
    expect(manager.defaultConfiguration().isValid()).toBe(false);
  });

  // Qt: "This function always returns a discovered configuration; otherwise an invalid one."
  const discoveredOrInvalid = (d: NetworkConfiguration) =>
    d.isValid() ? d.state() === 'Discovered' || d.state() === 'Active' : 'invalid';

  it("an engine's default that is only Defined is passed over for a discovered one", async () => {
    const world = qtWorld();
    world.setDefault(ids.far);
    const manager = await managers(world);
    const d = manager.defaultConfiguration();
    expect(d.identifier()).not.toBe(ids.far);
    expect(discoveredOrInvalid(d)).toBe(true);
    world.setInRange(ids.far, true);
    await drain();
    expect(manager.defaultConfiguration().identifier()).toBe(ids.far);
  });

  it("an engine's default service network with every member out of reach is passed over", async () => {
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'a', identifier: 'sim:a', inRange: false });
    world.addAccessPoint({ name: 'b', identifier: 'sim:b', inRange: false });
    world.addServiceNetwork({ name: 'net', identifier: 'sim:net', children: ['sim:a', 'sim:b'] });
    world.addAccessPoint({ name: 'lte', identifier: 'sim:lte', bearerType: 'LTE' });
    world.setDefault('sim:net');
    const manager = await managers(world);
    expect(manager.configurationFromIdentifier('sim:net').state()).toBe('Defined');
    expect(manager.defaultConfiguration().identifier()).toBe('sim:lte');
    world.setInRange('sim:lte', false);
    await drain();
    expect(manager.defaultConfiguration().isValid()).toBe(false);
    world.setInRange('sim:b', true);
    await drain();
    expect(manager.defaultConfiguration().identifier()).toBe('sim:net');
  });

  it('while the engine is away (everything Undefined) the default is invalid, user choice included', async () => {
    const world = qtWorld({ userChoice: true });
    world.setDefault(ids.ethernet);
    const manager = await managers(world);
    expect(manager.defaultConfiguration().identifier()).toBe(ids.ethernet);
    world.serviceDown();
    await drain();
    expect(manager.defaultConfiguration().isValid()).toBe(false);
    world.serviceUp();
    await drain();
    expect(manager.defaultConfiguration().identifier()).toBe(ids.ethernet);
  });

  it('whatever the world does, the default is Discovered, Active or invalid', async () => {
    const world = qtWorld({ userChoice: true });
    const manager = await managers(world);
    const steps: Array<() => void> = [
      () => world.setDefault(ids.far),
      () => world.setInRange(ids.wlan, false),
      () => world.setInRange(ids.cellular, false),
      () => world.loseLink(ids.ethernet),
      () => world.setInRange(ids.ethernet, false),
      () => world.setDefault(ids.snap),
      () => world.setInRange(ids.far, true),
      () => world.serviceDown(),
      () => world.serviceUp(),
    ];
    for (const step of steps) {
      step();
      await drain();
      expect(discoveredOrInvalid(manager.defaultConfiguration())).not.toBe(false);
    }
  });
});

describe('tst_qnetworkconfigurationmanager::configurationFromIdentifier', () => {
  it('identifiers are unique; each lookup gives the same valid configuration; "FooBar" gives an invalid one', async () => {
    const manager = await managers(qtWorld({ userChoice: true }));
    await manager.updateConfigurations();
    const all = manager.allConfigurations();
    const identifiers = all.map((c) => c.identifier());
    expect(new Set(identifiers).size).toBe(identifiers.length);
    for (const c of all) {
      const found = manager.configurationFromIdentifier(c.identifier());
      expect(found.isValid()).toBe(true);
      expect(found).toBe(c);
      expect(found.equals(c)).toBe(true);
    }
    const invalid = manager.configurationFromIdentifier('FooBar');
    expect(invalid.isValid()).toBe(false);
    expect(invalid.type()).toBe('Invalid');
    expect(manager.configurationFromIdentifier('').isValid()).toBe(false);
  });
});

describe('tst_qnetworkconfigurationmanager::staticsInitialization', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('create, use, dispose, create again, dispose: no crash and no timer left behind', async () => {
    vi.useRealTimers();
    const before = timers();
    for (let round = 0; round < 2; round++) {
      const { world } = createDemoWorld({ connectDelay: 5, disconnectDelay: 5 });
      const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
      await manager.updateConfigurations();
      const session = new NetworkSession(configurationOf(manager, 'sim:cafe'));
      session.open();
      expect(await within(session.waitForOpened(2_000), 3_000)).toBe(true);
      await manager.dispose();
      await manager.dispose(); // twice is harmless
    }
    await drain();
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
