import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import dbus, { type MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, openBus } from '../support/nm-dbus.js';
import { nmId as id, noAbort, slowly, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { RecordingSink } from '../support/recording-sink.js';

async function busCall(
  bus: MessageBus,
  member: string,
  signature: string,
  body: unknown[],
  iface = 'org.freedesktop.DBus',
): Promise<unknown[]> {
  const reply = await bus.call(
    new dbus.Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: iface,
      member,
      signature,
      body,
    }),
  );
  return reply?.body ?? [];
}

/** How many match rules the bus daemon holds for this connection (dbus-daemon's Debug.Stats). */
async function matchRules(bus: MessageBus): Promise<number> {
  const name = (bus as MessageBus & { name: string }).name;
  const [stats] = await busCall(
    bus,
    'GetConnectionStats',
    's',
    [name],
    'org.freedesktop.DBus.Debug.Stats',
  );
  return Number((stats as Record<string, { value: unknown }>).MatchRules?.value);
}

/** dbus-next's socket wrapper, whose 'end' the engine also listens to. */
const endListeners = (bus: MessageBus) =>
  (
    bus as unknown as { _connection: { listenerCount(event: string): number } }
  )._connection.listenerCount('end');

const connected = (bus: MessageBus) =>
  new Promise<void>((resolve, reject) => {
    bus.once('connect', () => resolve());
    bus.once('error', reject);
  });

describe('NetworkManager engine on a D-Bus connection the caller provides', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let profile: string;
  let first: NetworkManagerEngine | undefined;
  let second: NetworkManagerEngine | undefined;

  beforeAll(async () => {
    let admin: MessageBus;
    ({ sandbox, bus: admin } = await nm.start({ links: 1 }));
    profile = id(
      await addEthernetProfile(admin, { name: 'shared', interfaceName: sandbox.linkName(0) }),
    );
    admin.disconnect();
    bus = openBus(sandbox.busAddress);
    await connected(bus);
  }, 60_000);

  afterAll(async () => {
    await first?.dispose();
    await second?.dispose();
    bus?.disconnect();
  }, 30_000);

  it('two engines share it, enumerate, and both follow NetworkManager; dispose leaves it to the other', async () => {
    const baseMessage = bus.listenerCount('message');
    const baseError = bus.listenerCount('error');
    const baseEnd = endListeners(bus);
    const baseRules = await matchRules(bus);

    first = createNetworkManagerEngine({ bus });
    second = createNetworkManagerEngine({ bus });
    expect(first.busAddress).toBe('caller-provided');
    const sinkA = new RecordingSink();
    const sinkB = new RecordingSink();
    const [listA, listB] = await Promise.all([first.start(sinkA), second.start(sinkB)]);
    sinkA.seed(listA);
    sinkB.seed(listB);
    expect(listA.map((c) => c.identifier)).toEqual([profile]);
    expect(listB).toEqual(listA);
    expect(listA[0]?.state).toBe('Discovered');
    expect(bus.listenerCount('message')).toBe(baseMessage + 2);
    expect(endListeners(bus)).toBe(baseEnd + 2);
    const rulesOfBoth = (await matchRules(bus)) - baseRules;
    expect(rulesOfBoth).toBeGreaterThan(0);
    expect(rulesOfBoth % 2).toBe(0);

    // One engine brings the link up; the other hears it from the same connection.
    const fromB = sinkB.mark();
    await first.connect(profile, { signal: noAbort() });
    await sinkB.waitForState(profile, 'Active', { from: fromB, ...slowly });

    await first.dispose();
    first = undefined;
    expect(bus.listenerCount('message')).toBe(baseMessage + 1);
    expect(bus.listenerCount('error')).toBe(baseError + 1);
    // Only the disposed engine's match rules went: the other one's equal rules stay.
    expect(await matchRules(bus)).toBe(baseRules + rulesOfBoth / 2);

    // The connection is still open, and the other engine still follows NetworkManager (its
    // disconnect waits on the signals that arrive on it).
    const [owner] = await busCall(bus, 'GetNameOwner', 's', ['org.freedesktop.NetworkManager']);
    expect(owner).toMatch(/^:/);
    await second.disconnect(profile, { signal: noAbort(), mode: 'release' });
    expect(sinkB.current.get(profile)?.state).toBe('Discovered');

    await second.dispose();
    second = undefined;
    expect(bus.listenerCount('message')).toBe(baseMessage);
    expect(bus.listenerCount('error')).toBe(baseError);
    expect(endListeners(bus)).toBe(baseEnd);
    expect(await matchRules(bus)).toBe(baseRules);
    const [again] = await busCall(bus, 'GetNameOwner', 's', ['org.freedesktop.NetworkManager']);
    expect(again).toBe(owner);
  }, 60_000);

  it('takes a connection that is still authenticating, and fails typed without NetworkManager', async () => {
    const fresh = openBus(sandbox.busAddress);
    const baseMessage = fresh.listenerCount('message');
    try {
      const engine = createNetworkManagerEngine({ bus: fresh });
      const list = await engine.start(new RecordingSink());
      expect(list.map((c) => c.identifier)).toEqual([profile]);
      await engine.dispose();
      // dbus-next itself subscribes to nothing: every rule there was, was the engine's.
      expect(await matchRules(fresh)).toBe(0);

      await sandbox.stopNetworkManager();
      const absent = createNetworkManagerEngine({ bus: fresh });
      const failure = await absent.start(new RecordingSink()).catch((e: unknown) => e);
      expect(failure).toMatchObject({ kind: 'EngineUnavailable' });
      expect(String((failure as Error).message)).toContain('caller-provided D-Bus connection');
      await absent.dispose();
      // A failed start takes its match rules back too; the connection stays usable.
      expect(await matchRules(fresh)).toBe(0);
      expect(fresh.listenerCount('message')).toBe(baseMessage);
    } finally {
      fresh.disconnect();
      await sandbox.startNetworkManager();
    }
  }, 60_000);

  it('becomes unavailable (once, for good) when the caller closes the connection under it', async () => {
    const doomed = openBus(sandbox.busAddress);
    const engine = createNetworkManagerEngine({ bus: doomed });
    const sink = new RecordingSink();
    sink.seed(await engine.start(sink));
    try {
      doomed.disconnect();
      const gone = await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', slowly);
      expect(gone).toMatchObject({ reason: expect.stringMatching(/D-Bus connection was closed/) });
      await expect(engine.connect(profile, { signal: noAbort() })).rejects.toMatchObject({
        kind: 'EngineUnavailable',
      });
      expect(sink.events).toEqual([gone]);
    } finally {
      await engine.dispose();
    }
  }, 60_000);
});
