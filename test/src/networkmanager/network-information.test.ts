import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import type { NetworkInformation } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, openBus } from '../support/nm-dbus.js';
import { type NmSandbox, onlineResponse, startNmSandbox } from '../support/nm-sandbox.js';
import { RecordingSink, type SinkEvent } from '../support/recording-sink.js';

const id = (uuid: string) => `networkmanager:${uuid}`;
const noAbort = () => new AbortController().signal;
const informs =
  (wanted: Partial<NetworkInformation>) =>
  (e: SinkEvent): e is Extract<SinkEvent, { type: 'information' }> =>
    e.type === 'information' &&
    Object.entries(wanted).every(
      ([key, value]) => e.information[key as keyof NetworkInformation] === value,
    );

describe('NetworkManager engine: network information (reachability, portal, medium, metered)', () => {
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let plain: string;
  let metered: string;

  beforeAll(async () => {
    sandbox = await startNmSandbox({ links: 2, connectivityCheck: true });
    bus = openBus(sandbox.busAddress);
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
    engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    sink = new RecordingSink();
    sink.seed(await engine.start(sink));
  }, 60_000);

  afterAll(async () => {
    await engine?.dispose();
    bus?.disconnect();
    await sandbox?.stop();
  }, 30_000);

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
