import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import { type EngineConfiguration, EngineError } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addEthernetProfile,
  addProfile,
  deleteProfile,
  updateProfile,
  variant,
} from '../support/nm-dbus.js';
import { nmId, useNmSandbox } from '../support/nm-rig.js';
import { type NmSandbox, startNmSandbox } from '../support/nm-sandbox.js';
import { RecordingSink } from '../support/recording-sink.js';

const id = (uuid: string | undefined) => nmId(uuid ?? 'missing');

describe('NetworkManager engine: enumeration', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let initial: readonly EngineConfiguration[];
  const uuids: Record<string, string> = {};

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2 }));
    uuids.wired0 = await addEthernetProfile(bus, {
      name: 'wired-0',
      interfaceName: sandbox.linkName(0),
    });
    uuids.anyWired = await addEthernetProfile(bus, { name: 'any-wired' });
    uuids.elsewhere = await addEthernetProfile(bus, {
      name: 'elsewhere',
      interfaceName: 'nosuchnic0',
    });
    uuids.wifi = await addProfile(
      bus,
      '802-11-wireless',
      { name: 'cafe wifi' },
      {
        '802-11-wireless': {
          ssid: variant('ay', Buffer.from('Café')),
          mode: variant('s', 'infrastructure'),
        },
      },
    );
    uuids.gsm = await addProfile(
      bus,
      'gsm',
      { name: 'mobile' },
      { gsm: { apn: variant('s', 'internet') } },
    );
    uuids.bridge = await addProfile(
      bus,
      'bridge',
      { name: 'br', interfaceName: 'nbbr0' },
      {
        bridge: { stp: variant('b', false) },
      },
    );
    ({ engine, sink, initial } = await nm.startEngine());
  }, 60_000);

  const byId = (uuid: string | undefined) => initial.find((c) => c.identifier === id(uuid ?? ''));

  it('lists every saved profile by its UUID, and not the loopback', () => {
    expect(initial.map((c) => c.identifier).sort()).toEqual(Object.values(uuids).map(id).sort());
    expect(initial.some((c) => c.name === 'lo')).toBe(false);
    expect(initial.every((c) => c.type === 'InternetAccessPoint')).toBe(true);
  });

  it('says Discovered where a device with carrier could carry the profile, else Defined', () => {
    expect(byId(uuids.wired0)?.state).toBe('Discovered');
    expect(byId(uuids.anyWired)?.state).toBe('Discovered');
    expect(byId(uuids.elsewhere)?.state).toBe('Defined');
    expect(byId(uuids.wifi)?.state).toBe('Defined');
    expect(byId(uuids.gsm)?.state).toBe('Defined');
  });

  it('maps bearer types from the profile type (a veth link is still Ethernet)', () => {
    expect(byId(uuids.wired0)).toMatchObject({
      bearerType: 'Ethernet',
      virtual: false,
      purpose: 'PublicPurpose',
    });
    expect(byId(uuids.wifi)).toMatchObject({ bearerType: 'WLAN', name: 'cafe wifi' });
    expect(byId(uuids.gsm)?.bearerType).toBe('2G');
    expect(byId(uuids.bridge)).toMatchObject({ bearerType: 'Unknown', virtual: true });
    expect(byId(uuids.wired0)?.interfaceName ?? null).toBeNull();
  });

  it('reports no default configuration while nothing is active, and all four features', () => {
    expect(engine.defaultConfiguration()).toBeNull();
    expect(engine.supportedFeatures()).toEqual([
      'Reachability',
      'CaptivePortal',
      'TransportMedium',
      'Metered',
    ]);
    expect(engine.networkInformation()).toMatchObject({
      reachability: 'Disconnected',
      behindCaptivePortal: false,
    });
    expect(engine.capabilities()).toEqual([
      'CanStartAndStopInterfaces',
      'ApplicationLevelRoaming',
      'ForcedRoaming',
      'DataStatistics',
      'SystemSessionSupport',
    ]);
  });

  it('follows profiles added, renamed and deleted (signals, no polling)', async () => {
    const from = sink.mark();
    const uuid = await addEthernetProfile(bus, {
      name: 'late',
      interfaceName: sandbox.linkName(1),
    });
    const added = await sink.waitFor(
      (e) => e.type === 'added' && e.configuration.identifier === id(uuid),
      'added',
      { from },
    );
    expect(added).toMatchObject({ configuration: { name: 'late', state: 'Discovered' } });

    await updateProfile(bus, uuid, { id: variant('s', 'renamed') });
    await sink.waitFor(
      (e) =>
        e.type === 'changed' &&
        e.configuration.identifier === id(uuid) &&
        e.configuration.name === 'renamed',
      'renamed',
      { from },
    );

    await deleteProfile(bus, uuid);
    await sink.waitFor((e) => e.type === 'removed' && e.identifier === id(uuid), 'removed', {
      from,
    });
  });

  it('turns a device losing its carrier into Defined and back', async () => {
    const from = sink.mark();
    await sandbox.linkDown(0);
    await sink.waitForState(id(uuids.wired0), 'Defined', { from });
    expect(sink.current.get(id(uuids.anyWired))?.state).toBe('Discovered');
    await sandbox.linkUp(0);
    await sink.waitForState(id(uuids.wired0), 'Discovered', { from });
  }, 20_000);
});

describe('NetworkManager engine: nothing to talk to', () => {
  it('rejects start with EngineUnavailable when the bus does not exist', async () => {
    const engine = createNetworkManagerEngine({
      busAddress: 'unix:path=/nonexistent/netbearer-test.sock',
    });
    const failure = await engine.start(new RecordingSink()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({ kind: 'EngineUnavailable' });
    expect(String((failure as Error).message)).toContain('/nonexistent/netbearer-test.sock');
    await engine.dispose();
  });

  it('rejects start with EngineUnavailable when NetworkManager is not on the bus', async () => {
    const sandbox = await startNmSandbox({ links: 1 });
    try {
      await sandbox.stopNetworkManager();
      const engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
      const failure = await engine.start(new RecordingSink()).catch((e: unknown) => e);
      expect(failure).toMatchObject({ kind: 'EngineUnavailable' });
      // "is not running" when the bus says so at once; under load the call can also race
      // NetworkManager's shutdown: either way the message names it and the bus.
      expect(String((failure as Error).message)).toMatch(
        /(NetworkManager is not running|Cannot reach NetworkManager) on the D-Bus bus at unix:path=/,
      );
      await engine.dispose();
    } finally {
      await sandbox.stop();
    }
  }, 30_000);
});
