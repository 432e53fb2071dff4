import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addEthernetProfile,
  call,
  devicePath,
  getProperty,
  nmName,
  variant,
} from '../support/nm-dbus.js';
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

/**
 * RefreshRateMs is one setting per device, shared by every client of NetworkManager: whatever
 * another client (or the administrator) had set must be there again once this engine is done
 * with it — when nobody reads statistics any more, and at dispose().
 */
describe('NetworkManager engine: RefreshRateMs is put back as it was', () => {
  const nm = useNmSandbox();
  let bus: MessageBus;
  let wired: string;
  let device: string;
  const statisticsIface = `${nmName}.Device.Statistics`;
  const refreshRate = async () =>
    Number(await getProperty(bus, device, statisticsIface, 'RefreshRateMs'));
  /** What another client does: sets the device's rate over D-Bus. */
  const setRefreshRate = async (ms: number) => {
    await call(bus, device, 'org.freedesktop.DBus.Properties', 'Set', 'ssv', [
      statisticsIface,
      'RefreshRateMs',
      variant('u', ms),
    ]);
    expect(await refreshRate()).toBe(ms);
  };

  beforeAll(async () => {
    let sandbox: NmSandbox;
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    wired = id(
      await addEthernetProfile(bus, { name: 'shared', interfaceName: sandbox.linkName(0) }),
    );
    device = await devicePath(bus, sandbox.linkName(0));
    const { engine } = await nm.startEngine();
    await engine.connect(wired, { signal: noAbort() });
  }, 60_000);

  it('a slower rate another client set: refreshed at ours while read, theirs again when nobody reads', async () => {
    await setRefreshRate(5000);
    const { engine } = await nm.startEngine({ statisticsLeaseMs: 1_500 });
    expect(engine.statistics(wired)).toBeDefined();
    await waitUntil(async () => (await refreshRate()) === 1000, 'RefreshRateMs 1000 while read');
    await waitUntil(async () => (await refreshRate()) === 5000, 'RefreshRateMs 5000 again', {
      timeoutMs: 8_000,
    });
    await engine.dispose();
    expect(await refreshRate()).toBe(5000);
  }, 20_000);

  it('dispose puts back the rate that was there, even right after the first read', async () => {
    for (const before of [0, 5000]) {
      await setRefreshRate(before);
      const { engine } = await nm.startEngine({ statisticsLeaseMs: 60_000 });
      expect(engine.statistics(wired)).toBeDefined();
      // No wait for NetworkManager's echo of our own Set: dispose must still know it was ours.
      await engine.dispose();
      expect(await refreshRate(), `previously ${before}`).toBe(before);

      const { engine: second } = await nm.startEngine({ statisticsLeaseMs: 60_000 });
      expect(second.statistics(wired)).toBeDefined();
      await waitUntil(async () => (await refreshRate()) === 1000, 'RefreshRateMs 1000 while read');
      await second.dispose();
      expect(await refreshRate(), `previously ${before}`).toBe(before);
    }
  }, 30_000);

  it('leaves a faster rate alone, and a rate another client changed meanwhile', async () => {
    await setRefreshRate(250);
    const { engine } = await nm.startEngine({ statisticsLeaseMs: 60_000 });
    expect(engine.statistics(wired)).toBeDefined();
    await engine.dispose();
    expect(await refreshRate()).toBe(250);

    await setRefreshRate(0);
    const { engine: second } = await nm.startEngine({ statisticsLeaseMs: 60_000 });
    expect(second.statistics(wired)).toBeDefined();
    await waitUntil(async () => (await refreshRate()) === 1000, 'RefreshRateMs 1000 while read');
    await setRefreshRate(2000); // another client's, after ours: theirs now
    await second.dispose();
    expect(await refreshRate()).toBe(2000);
  }, 30_000);
});
