/**
 * The Qt acceptance behaviours that apply to a platform engine (research/qt-bearer.md §6 [A]:
 * tst_qnetworkconfigurationmanager, tst_qnetworkconfiguration, tst_qnetworksession), run on
 * a replayed Windows machine (netsh) and a replayed Mac (airport): the real engines reading
 * captured command outputs that the worlds edit as they change. The checks are Qt's own
 * helpers from support/qt-rig.ts (openSession, closeSession, the state bits); what a platform
 * cannot do is asserted as the documented error, from what its engine's capabilities say.
 */
import { configurationStates, NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, advanceUntil } from '../support/drain.js';
import { EventRecorder } from '../support/event-recorder.js';
import { closeSession, configurationOf, openSession, stateBits } from '../support/qt-rig.js';
import { waitOpened } from '../support/sessions.js';
import {
  type MachineOptions,
  type PlatformName,
  platformNames,
  type ReplayedMachine,
  replayedPlatforms,
} from './replayed-platforms.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.useRealTimers();
});

async function rig(platform: PlatformName, options: MachineOptions = {}) {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  const machine: ReplayedMachine = replayedPlatforms[platform](options);
  cleanups.push(() => machine.dispose());
  const manager = await NetworkConfigurationManager.create({ engines: [machine.engine] });
  cleanups.push(() => manager.dispose());
  return { machine, manager, ids: machine.ids };
}

describe.each(platformNames)('replayed %s: tst_qnetworkconfigurationmanager', (platform) => {
  it('allConfigurations: every entry valid, never UserChoice; the filters are cumulative and match the state bits', async () => {
    const { manager } = await rig(platform);
    await manager.updateConfigurations();
    const all = manager.allConfigurations();
    expect(all.length).toBeGreaterThan(3);
    for (const c of all) {
      expect(c.isValid()).toBe(true);
      expect(c.type()).toBe('InternetAccessPoint');
    }
    for (const filter of configurationStates) {
      for (const c of manager.allConfigurations(filter)) {
        expect(stateBits[c.state()] & stateBits[filter]).toBe(stateBits[filter]);
      }
    }
    const active = manager.allConfigurations('Active');
    const discovered = manager.allConfigurations('Discovered');
    const defined = manager.allConfigurations('Defined');
    for (const c of active) expect(discovered).toContain(c);
    for (const c of discovered) expect(defined).toContain(c);
    expect(manager.allConfigurations('Undefined')).toEqual([]);
  });

  it('configurations are in the states the world is in, with their bearer types', async () => {
    const { manager, ids } = await rig(platform);
    const of = (id: string) => configurationOf(manager, id);
    expect(of(ids.connected).state()).toBe('Active');
    expect(of(ids.known).state()).toBe('Discovered');
    expect(of(ids.outOfReach).state()).toBe('Defined');
    expect(of(ids.wiredDown).state()).toBe('Defined');
    for (const id of [ids.connected, ids.known, ids.outOfReach]) {
      expect(of(id).bearerType()).toBe('WLAN');
      expect(of(id).bearerTypeName()).toBe('WLAN');
      expect(of(id).isVirtual()).toBe(false);
    }
    expect(of(ids.wiredDown).bearerType()).toBe('Ethernet');
    expect(of(ids.connected).unknownReason()).toBe(null);
  });

  it('the default configuration is the network the machine is on', async () => {
    const { manager, ids } = await rig(platform);
    expect(manager.defaultConfiguration().identifier()).toBe(ids.connected);
  });

  it('isOnline() iff a non-virtual access point is Active; the link dropping and coming back are events', async () => {
    const { machine, manager, ids } = await rig(platform);
    const online = () =>
      manager
        .allConfigurations('Active')
        .some((c) => c.type() === 'InternetAccessPoint' && !c.isVirtual());
    expect(manager.isOnline()).toBe(true);
    expect(manager.isOnline()).toBe(online());
    const rec = new EventRecorder().watchManager('m', manager);
    machine.dropLink();
    expect(await advanceUntil(() => !manager.isOnline(), { within: machine.settleMs })).toBe(true);
    expect(online()).toBe(false);
    expect(rec.of('m')).toContain(`configurationChanged ${ids.connected} Discovered`);
    expect(rec.of('m')).toContain('onlineStateChanged false');
    expect(manager.reachability()).toBe('Disconnected');
    rec.clear();
    machine.connectElsewhere(ids.known);
    // A Mac that hides the name from ipconfig says which network only on a full read.
    if (platform === 'macos') await manager.updateConfigurations();
    expect(
      await advanceUntil(() => configurationOf(manager, ids.known).state() === 'Active', {
        within: machine.settleMs,
      }),
    ).toBe(true);
    expect(manager.isOnline()).toBe(true);
    expect(rec.of('m')).toContain(`configurationChanged ${ids.known} Active`);
    expect(rec.of('m')).toContain('onlineStateChanged true');
    expect(manager.defaultConfiguration().identifier()).toBe(ids.known);
  });

  it('updateConfigurations: a saved network coming into reach turns Discovered, a new one is added, a forgotten one removed', async () => {
    const { machine, manager, ids } = await rig(platform);
    const rec = new EventRecorder().watchManager('m', manager);
    const handle = manager.configurationFromIdentifier(ids.known);
    machine.setInReach(ids.outOfReach, true);
    const added = machine.appear('Café "Zürich" $(id)');
    machine.forget(ids.known);
    await manager.updateConfigurations();
    await advance(machine.settleMs);
    expect(configurationOf(manager, ids.outOfReach).state()).toBe('Discovered');
    expect(configurationOf(manager, added).name()).toBe('Café "Zürich" $(id)');
    expect(configurationOf(manager, added).state()).toBe('Discovered');
    expect(manager.configurationFromIdentifier(ids.known).isValid()).toBe(false);
    // A removed configuration's handle turns invalid and keeps its identifier.
    expect(handle.isValid()).toBe(false);
    expect(handle.identifier()).toBe(ids.known);
    expect(rec.of('m')).toContain(`configurationChanged ${ids.outOfReach} Discovered`);
    expect(rec.of('m')).toContain(`configurationAdded ${added}`);
    expect(rec.of('m')).toContain(`configurationRemoved ${ids.known}`);
    expect(rec.count('m', 'updateCompleted')).toBe(1);
  });

  it('what the platform will not name stays what could be established, with the reason', async () => {
    const { machine, manager, ids } = await rig(platform, { restricted: true });
    const link = configurationOf(manager, machine.restrictedLink.id);
    expect(link.state()).toBe('Active');
    expect(link.unknownReason()).toBe(machine.restrictedLink.reason);
    expect(manager.isOnline()).toBe(true);
    // Without a scan nothing is known to be in reach: a saved network cannot be opened.
    const session = new NetworkSession(configurationOf(manager, ids.known));
    const rec = new EventRecorder().watch('s', session);
    session.open();
    await advance(1_000);
    expect(session.state()).toBe('NotAvailable');
    expect(rec.values('s', 'error')).toEqual(['InvalidConfigurationError']);
    session.dispose();
  });
});

describe.each(platformNames)('replayed %s: tst_qnetworksession', (platform) => {
  it('open a saved network by the book, close it (the link stays: no cross-process count), then stop it as the engine allows', async () => {
    const { machine, manager, ids } = await rig(platform);
    const configuration = configurationOf(manager, ids.known);
    const session = new NetworkSession(configuration);
    cleanups.push(() => session.dispose());
    expect(await openSession(manager, session)).toEqual([]);
    expect(session.sessionProperty('ActiveConfiguration')).toBe(ids.known);
    expect(configurationOf(manager, ids.connected).state()).toBe('Discovered');
    expect(await closeSession(manager, session, false)).toEqual([]);
    expect(configuration.state()).toBe('Active');

    const rec = new EventRecorder().watch('s', session);
    session.open();
    expect(await waitOpened(session)).toBe(true);
    session.stop();
    await advance(machine.settleMs);
    if (machine.canStop) {
      expect(configuration.state()).toBe('Discovered');
      expect(session.state()).toBe('Disconnected');
      expect(session.isOpen()).toBe(false);
      // stop() tears the link down for everyone, this session included (as Qt's did).
      expect(rec.of('s')).toEqual([
        'opened',
        'stateChanged Closing',
        'closed',
        'stateChanged Disconnected',
        'error SessionAbortedError',
      ]);
    } else {
      // DESIGN: a stop the engine cannot do is OperationNotSupportedError; the link stays.
      expect(rec.values('s', 'error')).toEqual(['OperationNotSupportedError']);
      expect(session.errorString()).toMatch(/cannot start or stop/);
      expect(configuration.state()).toBe('Active');
      expect(session.state()).toBe('Connected');
    }
  });

  it('a session on the network the machine is on joins it at once; close leaves it up', async () => {
    const { manager, ids } = await rig(platform);
    const configuration = configurationOf(manager, ids.connected);
    const session = new NetworkSession(configuration);
    cleanups.push(() => session.dispose());
    expect(session.state()).toBe('Connected');
    session.open();
    expect(await waitOpened(session, 1_000)).toBe(true);
    expect(await closeSession(manager, session, false)).toEqual([]);
    expect(configuration.state()).toBe('Active');
  });

  it('the platform refusing the connect: UnknownSessionError with its words, Disconnected', async () => {
    const { machine, manager, ids } = await rig(platform);
    machine.refuses(ids.known);
    const session = new NetworkSession(configurationOf(manager, ids.known));
    cleanups.push(() => session.dispose());
    const rec = new EventRecorder().watch('s', session);
    session.open();
    expect(await waitOpened(session)).toBe(false);
    expect(rec.values('s', 'error')).toEqual(['UnknownSessionError']);
    expect(session.errorString()).toMatch(machine.refusal);
    expect(session.state()).toBe('Disconnected');
    expect(session.isOpen()).toBe(false);
  });

  it('a connect the platform reports done that never associates fails after the engine’s timeout', async () => {
    const { machine, manager, ids } = await rig(platform);
    machine.neverAssociates(ids.known);
    const session = new NetworkSession(configurationOf(manager, ids.known));
    cleanups.push(() => session.dispose());
    const rec = new EventRecorder().watch('s', session);
    session.open();
    expect(await waitOpened(session, machine.connectTimeoutMs)).toBe(false);
    expect(rec.values('s', 'error')).toEqual(['UnknownSessionError']);
    expect(session.state()).toBe('Disconnected');
    expect(configurationOf(manager, ids.known).state()).toBe('Discovered');
  });

  it('a saved network out of reach cannot be opened: InvalidConfigurationError, NotAvailable', async () => {
    const { manager, ids } = await rig(platform);
    const session = new NetworkSession(configurationOf(manager, ids.outOfReach));
    cleanups.push(() => session.dispose());
    const rec = new EventRecorder().watch('s', session);
    expect(session.state()).toBe('NotAvailable');
    session.open();
    await advance(1_000);
    expect(rec.values('s', 'error')).toEqual(['InvalidConfigurationError']);
    expect(session.state()).toBe('NotAvailable');
  });

  it('the link lost under an open session: closed, Disconnected, SessionAbortedError', async () => {
    const { machine, manager, ids } = await rig(platform);
    const session = new NetworkSession(configurationOf(manager, ids.known));
    cleanups.push(() => session.dispose());
    session.open();
    expect(await waitOpened(session)).toBe(true);
    const rec = new EventRecorder().watch('s', session);
    machine.dropLink();
    await advance(machine.settleMs);
    expect(rec.of('s')).toEqual([
      'closed',
      'stateChanged Disconnected',
      'error SessionAbortedError',
    ]);
    expect(session.isOpen()).toBe(false);
  });

  it('what the engine cannot start or stop gives OperationNotSupportedError', async () => {
    const { manager, ids } = await rig(platform);
    const refused: string[] = [];
    // A wired port: neither engine brings one up or down.
    const wired = new NetworkSession(configurationOf(manager, ids.wiredDown));
    cleanups.push(() => wired.dispose());
    wired.on('error', (e) => refused.push(`wired ${e}`));
    if (ids.unstartable !== undefined) {
      // Windows: only saved profiles can be started; a visible network without one cannot.
      const unsaved = new NetworkSession(configurationOf(manager, ids.unstartable));
      cleanups.push(() => unsaved.dispose());
      unsaved.on('error', (e) => refused.push(`unsaved ${e}`));
      expect(configurationOf(manager, ids.unstartable).state()).toBe('Discovered');
      unsaved.open();
      await advance(1_000);
      expect(unsaved.errorString()).toMatch(/not a saved WLAN profile/);
      expect(unsaved.state()).toBe('Disconnected');
    }
    wired.open();
    await advance(1_000);
    expect(wired.state()).toBe('NotAvailable');
    expect(refused).toEqual([
      ...(ids.unstartable !== undefined ? ['unsaved OperationNotSupportedError'] : []),
      'wired InvalidConfigurationError',
    ]);
  });
});
