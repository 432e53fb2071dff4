import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import type { NetworkInformation } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile } from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import { type NmSandbox, onlineResponse } from '../support/nm-sandbox.js';
import type { RecordingSink, SinkEvent } from '../support/recording-sink.js';

const informs =
  (wanted: Partial<NetworkInformation>) =>
  (e: SinkEvent): e is Extract<SinkEvent, { type: 'information' }> =>
    e.type === 'information' &&
    Object.entries(wanted).every(
      ([key, value]) => e.information[key as keyof NetworkInformation] === value,
    );

describe('NetworkManager engine: network information (reachability, portal, medium, metered)', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let plain: string;
  let metered: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2, connectivityCheck: true }));
    plain = id(
      await addEthernetProfile(bus, { name: 'plain', interfaceName: sandbox.linkName(0) }),
    );
    metered = id(
      await addEthernetProfile(bus, {
        name: 'metered',
        interfaceName: sandbox.linkName(1),
        metered: true,
      }),
    );
    ({ engine, sink } = await nm.startEngine());
  }, 60_000);

  const checkConnectivity = () => sandbox.nmcli('networking', 'connectivity', 'check');

  it('starts Disconnected with nothing active', () => {
    expect(engine.networkInformation()).toEqual({
      reachability: 'Disconnected',
      behindCaptivePortal: false,
      transportMedium: 'Unknown',
      metered: false,
    });
  });

  it('goes Online over Ethernet when the connectivity check passes', async () => {
    const from = sink.mark();
    await engine.connect(plain, { signal: noAbort() });
    await checkConnectivity();
    await sink.waitFor(informs({ reachability: 'Online' }), 'Online', { from });
    expect(engine.networkInformation()).toEqual({
      reachability: 'Online',
      behindCaptivePortal: false,
      transportMedium: 'Ethernet',
      metered: false,
    });
    expect(sink.current.get(plain)?.purpose).toBe('PublicPurpose');
  }, 20_000);

  it('reports a captive portal (and Site reachability, Private purpose) when the check is intercepted', async () => {
    const from = sink.mark();
    await sandbox.setConnectivityResponse('<html>Please log in to the hotel network</html>');
    await checkConnectivity();
    await sink.waitFor(informs({ behindCaptivePortal: true }), 'a captive portal', { from });
    expect(engine.networkInformation().reachability).toBe('Site');
    expect(sink.current.get(plain)?.purpose).toBe('PrivatePurpose');

    const back = sink.mark();
    await sandbox.setConnectivityResponse(onlineResponse);
    await checkConnectivity();
    await sink.waitFor(
      informs({ behindCaptivePortal: false, reachability: 'Online' }),
      'Online again',
      {
        from: back,
      },
    );
    expect(sink.current.get(plain)?.purpose).toBe('PublicPurpose');
  }, 20_000);

  it('reports metered when the primary connection is metered', async () => {
    const from = sink.mark();
    await engine.disconnect(plain, { signal: noAbort(), mode: 'release' });
    await sink.waitFor(informs({ reachability: 'Disconnected' }), 'Disconnected', { from });
    await engine.connect(metered, { signal: noAbort() });
    await checkConnectivity();
    await sink.waitFor(informs({ metered: true, reachability: 'Online' }), 'metered', { from });
    expect(engine.defaultConfiguration()).toBe(metered);
  }, 20_000);
});
