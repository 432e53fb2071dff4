import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, addProfile, openBus, variant } from '../support/nm-dbus.js';
import { type NmSandbox, startNmSandbox } from '../support/nm-sandbox.js';
import { RecordingSink, type SinkEvent } from '../support/recording-sink.js';
import { waitUntil } from '../support/wait.js';

const id = (uuid: string) => `networkmanager:${uuid}`;
const noAbort = () => new AbortController().signal;

describe('NetworkManager engine: NetworkManager stops and comes back', () => {
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let up: string;
  let spare: string;
  let slow: string;

  beforeAll(async () => {
    sandbox = await startNmSandbox({ links: 2 });
    bus = openBus(sandbox.busAddress);
    up = id(await addEthernetProfile(bus, { name: 'up', interfaceName: sandbox.linkName(0) }));
    spare = id(
      await addEthernetProfile(bus, { name: 'spare', interfaceName: sandbox.linkName(1) }),
    );
    // No router advertisements in the sandbox: this one stays "activating" for a minute.
    slow = id(
      await addProfile(
        bus,
        '802-3-ethernet',
        { name: 'slow', interfaceName: sandbox.linkName(1) },
        {
          '802-3-ethernet': {},
          ipv4: { method: variant('s', 'disabled') },
          ipv6: {
            method: variant('s', 'auto'),
            'may-fail': variant('b', false),
            'ra-timeout': variant('i', 60),
          },
        },
      ),
    );
    engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    sink = new RecordingSink();
    sink.seed(await engine.start(sink));
    await engine.connect(up, { signal: noAbort() });
  }, 60_000);

  afterAll(async () => {
    await engine?.dispose();
    bus?.disconnect();
    await sandbox?.stop();
  }, 30_000);

  it('while NetworkManager is gone: nothing claims Active, reachability Unknown, calls fail typed', async () => {
    const from = sink.mark();
    const pending = engine.connect(slow, { signal: noAbort() }).catch((e: unknown) => e);
    await waitUntil(
      async () =>
        (
          await sandbox.nmcli('-g', 'GENERAL.STATE', 'device', 'show', sandbox.linkName(1))
        ).startsWith('70 '),
      'slow to be activating',
    );
    await sandbox.stopNetworkManager();
    await sink.waitForState(up, 'Defined', { from });
    await sink.waitFor(
      (e) => e.type === 'information' && e.information.reachability === 'Unknown',
      'Unknown',
      { from },
    );
    expect(await pending).toMatchObject({ kind: 'EngineUnavailable' });
    expect([...sink.current.values()].every((c) => c.state === 'Defined')).toBe(true);
    expect(engine.defaultConfiguration()).toBeNull();
    expect(engine.statistics(up)).toBeUndefined();
    await expect(engine.connect(spare, { signal: noAbort() })).rejects.toMatchObject({
      kind: 'EngineUnavailable',
    });
    expect(sink.events.slice(from).filter((e) => e.type === 'removed')).toEqual([]);
  }, 20_000);

  it('when it is back: same identifiers, the re-assumed connection Active again, no removals', async () => {
    // The restarted NetworkManager would re-assume the unfinished "slow" activation and stay in
    // Startup for a minute; unplugging its link lets that attempt fail at once.
    await sandbox.linkDown(1);
    const from = sink.mark();
    await sandbox.startNetworkManager();
    await sandbox.linkUp(1);
    await sink.waitForState(up, 'Active', { from });
    await waitUntil(
      () => sink.current.get(spare)?.state === 'Discovered',
      'spare to be Discovered',
    );
    const removed = sink.events.slice(from).filter((e: SinkEvent) => e.type === 'removed');
    expect(removed).toEqual([]);
    expect(sink.current.get(up)?.interfaceName).toBe(sandbox.linkName(0));
    expect(engine.defaultConfiguration()).toBe(up);
    expect(engine.networkInformation().reachability).toBe('Online');
  }, 30_000);

  it('works against the new instance (new object paths)', async () => {
    await engine.connect(spare, { signal: noAbort() });
    expect(sink.current.get(spare)?.state).toBe('Active');
    await engine.disconnect(spare, { signal: noAbort(), mode: 'release' });
    expect(sink.current.get(spare)?.state).toBe('Discovered');
  }, 20_000);
});

describe('NetworkManager engine: NetworkManager killed (SIGKILL, no last signals)', () => {
  let sandbox: NmSandbox;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let up: string;

  beforeAll(async () => {
    sandbox = await startNmSandbox({ links: 1 });
    const bus = openBus(sandbox.busAddress);
    up = id(await addEthernetProfile(bus, { name: 'up', interfaceName: sandbox.linkName(0) }));
    bus.disconnect();
    engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    sink = new RecordingSink();
    sink.seed(await engine.start(sink));
    await engine.connect(up, { signal: noAbort() });
  }, 60_000);

  afterAll(async () => {
    await engine?.dispose();
    await sandbox?.stop();
  }, 30_000);

  it('notices from the bus alone, and recovers when a new instance starts', async () => {
    const from = sink.mark();
    await sandbox.stopNetworkManager({ kill: true });
    await sink.waitForState(up, 'Defined', { from });
    expect(engine.networkInformation().reachability).toBe('Unknown');
    await sandbox.startNetworkManager();
    await sink.waitForState(up, 'Active', { from });
    expect(sink.events.slice(from).filter((e) => e.type === 'removed')).toEqual([]);
    await engine.disconnect(up, { signal: noAbort(), mode: 'release' });
    expect(sink.current.get(up)?.state).toBe('Discovered');
  }, 30_000);
});

describe('NetworkManager restart under core', () => {
  let sandbox: NmSandbox;
  let manager: NetworkConfigurationManager;
  let identifier: string;

  beforeAll(async () => {
    sandbox = await startNmSandbox({ links: 1 });
    const bus = openBus(sandbox.busAddress);
    identifier = id(
      await addEthernetProfile(bus, { name: 'survivor', interfaceName: sandbox.linkName(0) }),
    );
    bus.disconnect();
    manager = await NetworkConfigurationManager.create({
      engines: [createNetworkManagerEngine({ busAddress: sandbox.busAddress })],
    });
  }, 60_000);

  afterAll(async () => {
    await manager?.dispose();
    await sandbox?.stop();
  }, 30_000);

  it('a session ends when NetworkManager goes away, the configuration stays valid, and opens again after', async () => {
    const configuration = manager.configurationFromIdentifier(identifier);
    const session = new NetworkSession(configuration);
    session.open();
    expect(await session.waitForOpened(15_000)).toBe(true);

    const closed = new Promise<void>((resolve) => session.once('closed', () => resolve()));
    await sandbox.stopNetworkManager();
    await closed;
    expect(configuration.isValid()).toBe(true);
    expect(configuration.state()).toBe('Defined');
    expect(manager.isOnline()).toBe(false);

    await sandbox.startNetworkManager();
    await waitUntil(() => configuration.state() === 'Active', 'the re-assumed link to be Active');
    expect(manager.isOnline()).toBe(true);
    const again = new NetworkSession(configuration);
    again.open();
    expect(await again.waitForOpened(15_000)).toBe(true);
    again.close();
    await waitUntil(() => configuration.state() === 'Discovered', 'the link to be released');
    session.dispose();
    again.dispose();
  }, 40_000);
});
