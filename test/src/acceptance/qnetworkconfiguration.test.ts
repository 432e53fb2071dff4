/**
 * Qt's tst_qnetworkconfiguration autotests marked [A] in research/qt-bearer.md §6,
 * re-expressed against the simulated engine. A JavaScript "copy" of a configuration is the
 * same live handle (Qt's copies shared one private object), so copies are the same object.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfiguration } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { drain } from '../support/drain.js';
import { configurationOf, ids, qtWorld, stateBits, useManagers } from '../support/qt-rig.js';

const managers = useManagers();

function expectInvalidPoint(pt: NetworkConfiguration) {
  expect(pt.name()).toBe('');
  expect(pt.isValid()).toBe(false);
  expect(pt.type()).toBe('Invalid');
  expect(stateBits[pt.state()] & stateBits.Defined).toBe(0);
  expect(stateBits[pt.state()] & stateBits.Discovered).toBe(0);
  expect(stateBits[pt.state()] & stateBits.Active).toBe(0);
  expect(pt.isRoamingAvailable()).toBe(false);
  expect(pt.identifier()).toBe('');
  expect(pt.purpose()).toBe('UnknownPurpose');
  expect(pt.bearerType()).toBe('Unknown');
  expect(pt.bearerTypeName()).toBe('');
  expect(pt.children()).toEqual([]);
}

describe('tst_qnetworkconfiguration::invalidPoint', () => {
  it('the default-constructed configuration and its copy are invalid, nameless, typeless, stateless', () => {
    const pt = new NetworkConfiguration();
    expectInvalidPoint(pt);
    const pt2 = pt;
    expectInvalidPoint(pt2);
    expect(pt2.equals(pt)).toBe(true);
  });

  it('so is what an unknown identifier looks up to', async () => {
    const manager = await managers(qtWorld());
    expectInvalidPoint(manager.configurationFromIdentifier('FooBar'));
  });
});

describe('tst_qnetworkconfiguration::comparison', () => {
  it('copies are equal with equal fields; the default configuration is valid, named, equal to its copy', async () => {
    const manager = await managers(qtWorld());
    await manager.updateConfigurations();
    const pt = manager.defaultConfiguration();
    expect(pt.isValid()).toBe(true);
    expect(pt.name()).not.toBe('');
    const pt2 = pt;
    const pt3 = manager.configurationFromIdentifier(pt.identifier());
    for (const copy of [pt2, pt3]) {
      expect(copy).toBe(pt);
      expect(copy.equals(pt)).toBe(true);
      expect(pt.equals(copy)).toBe(true);
      expect(copy.name()).toBe(pt.name());
      expect(copy.isValid()).toBe(pt.isValid());
      expect(copy.identifier()).toBe(pt.identifier());
      expect(copy.state()).toBe(pt.state());
      expect(copy.type()).toBe(pt.type());
      expect(copy.purpose()).toBe(pt.purpose());
    }
  });

  it('different configurations are not equal; a removed and re-added one is not the old one', async () => {
    const world = qtWorld();
    const manager = await managers(world);
    const wlan = configurationOf(manager, ids.wlan);
    expect(wlan.equals(configurationOf(manager, ids.cellular))).toBe(false);
    world.remove(ids.wlan);
    await drain();
    world.addAccessPoint({ name: 'Office WLAN', identifier: ids.wlan, interfaceName: 'wlan0' });
    await drain();
    const again = configurationOf(manager, ids.wlan);
    expect(again.isValid()).toBe(true);
    expect(wlan.isValid()).toBe(false);
    expect(again.equals(wlan)).toBe(false);
    expect(again).not.toBe(wlan);
  });

  it('every handle of a configuration sees a state change at once', async () => {
    const world = qtWorld();
    const manager = await managers(world);
    const a = configurationOf(manager, ids.wlan);
    const b = manager.allConfigurations().find((c) => c.identifier() === ids.wlan);
    world.activate(ids.wlan);
    await drain();
    expect(a.state()).toBe('Active');
    expect(b?.state()).toBe('Active');
  });
});

describe('tst_qnetworkconfiguration::children', () => {
  it('every child of a service network is valid and listed by allConfigurations(), in priority order', async () => {
    const manager = await managers(qtWorld());
    const all = manager.allConfigurations();
    const networks = all.filter((c) => c.type() === 'ServiceNetwork');
    expect(networks.length).toBeGreaterThan(0);
    for (const network of networks) {
      for (const child of network.children()) {
        expect(child.isValid()).toBe(true);
        expect(all).toContain(child);
      }
    }
    expect(
      configurationOf(manager, ids.snap)
        .children()
        .map((c) => c.identifier()),
    ).toEqual([ids.wlan, ids.cellular]);
  });

  it('a removed member is pruned from children()', async () => {
    const world = qtWorld();
    const manager = await managers(world);
    const snap = configurationOf(manager, ids.snap);
    world.remove(ids.wlan);
    await drain();
    expect(snap.children().map((c) => c.identifier())).toEqual([ids.cellular]);
  });
});

describe('tst_qnetworkconfiguration::isRoamingAvailable', () => {
  it('no UserChoice or Invalid listed; service networks roam only with two or more members; access points never', async () => {
    const world = qtWorld({ userChoice: true });
    world.addServiceNetwork({ name: 'Solo', identifier: 'sim:solo', children: [ids.wlan] });
    world.addServiceNetwork({ name: 'Empty', identifier: 'sim:empty', children: [] });
    const manager = await managers(world);
    await manager.updateConfigurations();
    const all = manager.allConfigurations();
    for (const c of all) {
      expect(c.type()).not.toBe('UserChoice');
      expect(c.type()).not.toBe('Invalid');
      if (c.type() === 'ServiceNetwork') {
        expect(c.isRoamingAvailable()).toBe(c.children().length > 1);
        for (const child of c.children()) {
          expect(child.type()).toBe('InternetAccessPoint');
          expect(child.children()).toEqual([]);
          expect(child.isRoamingAvailable()).toBe(false);
        }
      } else {
        expect(c.isRoamingAvailable()).toBe(false);
      }
    }
    expect(configurationOf(manager, ids.snap).isRoamingAvailable()).toBe(true);
    expect(configurationOf(manager, 'sim:solo').isRoamingAvailable()).toBe(false);
    expect(configurationOf(manager, 'sim:empty').isRoamingAvailable()).toBe(false);
    expect(configurationOf(manager, ids.userChoice).isRoamingAvailable()).toBe(false);
  });

  it('a service network in a world with a single member left stops offering roaming', async () => {
    const world = new SimulatedWorld();
    const a = world.addAccessPoint({ name: 'a' });
    const b = world.addAccessPoint({ name: 'b' });
    const snap = world.addServiceNetwork({ name: 'snap', children: [a, b] });
    const manager = await managers(world);
    const network = configurationOf(manager, snap);
    expect(network.isRoamingAvailable()).toBe(true);
    world.remove(b);
    await drain();
    expect(network.isRoamingAvailable()).toBe(false);
  });
});
