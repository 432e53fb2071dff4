import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, devicePath, getProperty, nmName } from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { waitUntil } from '../support/wait.js';

/** 200 UDP datagrams of 1000 bytes from the client namespace to the router: real traffic. */
const sendTraffic = `
const socket = require('node:dgram').createSocket('udp4');
let left = 200;
const next = () => left-- > 0 ? socket.send(Buffer.alloc(1000), 9, '10.231.1.1', next) : socket.close();
next();`;

describe('NetworkManager engine: statistics from Device.Statistics', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let wired: string;
  let other: string;
  let device: string;
  const refreshRate = async () =>
    Number(await getProperty(bus, device, `${nmName}.Device.Statistics`, 'RefreshRateMs'));

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2 }));
    wired = id(
      await addEthernetProfile(bus, { name: 'counted', interfaceName: sandbox.linkName(0) }),
    );
    other = id(
      await addEthernetProfile(bus, { name: 'other', interfaceName: sandbox.linkName(1) }),
    );
    device = await devicePath(bus, sandbox.linkName(0));
    ({ engine } = await nm.startEngine({ statisticsLeaseMs: 2_000 }));
    await engine.connect(wired, { signal: noAbort() });
  }, 60_000);

  it('leaves RefreshRateMs alone until someone reads statistics', async () => {
    expect(await refreshRate()).toBe(0);
    expect(engine.statistics(other)).toBeUndefined();
    expect(engine.statistics('networkmanager:nonsense')).toBeUndefined();
    expect(await refreshRate()).toBe(0);
  });

  it('counts real traffic once read, refreshing only while needed', async () => {
    const first = engine.statistics(wired);
    expect(first).toEqual({ bytesReceived: expect.any(Number), bytesWritten: expect.any(Number) });
    await waitUntil(async () => (await refreshRate()) === 1000, 'RefreshRateMs to be set');
    await sandbox.runInClient('node', ['-e', sendTraffic]);
    const after = await waitUntil(() => {
      const now = engine.statistics(wired);
      return now && now.bytesWritten >= (first?.bytesWritten ?? 0) + 200_000 ? now : undefined;
    }, 'TxBytes to count 200 kB');
    expect(after.bytesReceived).toBeGreaterThanOrEqual(first?.bytesReceived ?? 0);
  }, 20_000);

  it('puts RefreshRateMs back when nobody read for the lease time while the link is idle', async () => {
    await waitUntil(async () => (await refreshRate()) === 0, 'RefreshRateMs back to 0', {
      timeoutMs: 8_000,
    });
  }, 15_000);

  it('puts RefreshRateMs back when the connection goes down', async () => {
    engine.statistics(wired);
    await waitUntil(async () => (await refreshRate()) === 1000, 'RefreshRateMs to be set again');
    await engine.disconnect(wired, { signal: noAbort(), mode: 'release' });
    await waitUntil(async () => (await refreshRate()) === 0, 'RefreshRateMs back to 0');
    expect(engine.statistics(wired)).toBeUndefined();
  }, 15_000);
});
