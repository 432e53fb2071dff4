import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../support/event-recorder.js';
import { addEthernetProfile, addIpv6OnlyProfile } from '../support/nm-dbus.js';
import { nmId as id, noAbort, slowly, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import {
  byId,
  isAvailable,
  type RecordingSink,
  type SinkEvent,
} from '../support/recording-sink.js';
import { waitUntil } from '../support/wait.js';

/**
 * What the sink heard from the first `unavailable` at or after `from` up to (not including) the
 * next `available`. What NetworkManager said before it left (SIGTERM: its state drops to
 * CONNECTED_SITE first) is not part of the outage.
 */
function outageEvents(sink: RecordingSink, from: number): SinkEvent[] {
  const events = sink.events.slice(from);
  const start = events.findIndex((e) => e.type === 'unavailable');
  if (start === -1) return [];
  const rest = events.slice(start);
  const end = rest.findIndex(isAvailable);
  return end === -1 ? rest : rest.slice(0, end);
}

const wentAway = [{ type: 'unavailable', reason: 'NetworkManager left the bus' }];

describe('NetworkManager engine: NetworkManager stops (SIGTERM) and comes back', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let up: string;
  let spare: string;
  let slow: string;
  let doomedUuid: string;
  let outage = 0;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2 }));
    up = id(await addEthernetProfile(bus, { name: 'up', interfaceName: sandbox.linkName(0) }));
    spare = id(
      await addEthernetProfile(bus, { name: 'spare', interfaceName: sandbox.linkName(1) }),
    );
    doomedUuid = await addEthernetProfile(bus, { name: 'doomed', interfaceName: 'nosuchnic0' });
    // No router advertisements in the sandbox: this one stays "activating" for a minute.
    slow = id(
      await addIpv6OnlyProfile(bus, { name: 'slow', interfaceName: sandbox.linkName(1) }, 60),
    );
    ({ engine, sink } = await nm.startEngine());
    await engine.connect(up, { signal: noAbort() });
  }, 60_000);

  it('while NetworkManager is gone: one unavailable and nothing else, calls fail typed', async () => {
    const features = [...engine.supportedFeatures()];
    const pending = engine.connect(slow, { signal: noAbort() }).catch((e: unknown) => e);
    await waitUntil(
      async () => (await sandbox.deviceState(1)).startsWith('70 '),
      'slow to be activating',
      slowly,
    );
    outage = sink.mark();
    await sandbox.stopNetworkManager();
    const gone = await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', {
      from: outage,
      ...slowly,
    });
    expect(await pending).toMatchObject({ kind: 'EngineUnavailable' });
    expect(engine.supportedFeatures()).toEqual(features);
    expect(engine.defaultConfiguration()).toBeNull();
    expect(engine.statistics(up)).toBeUndefined();
    await expect(engine.connect(spare, { signal: noAbort() })).rejects.toMatchObject({
      kind: 'EngineUnavailable',
    });
    await expect(
      engine.disconnect(up, { signal: noAbort(), mode: 'release' }),
    ).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    // Removed by an administrator while NetworkManager is down.
    await sandbox.deleteKeyfile(doomedUuid);
    // Before it left, NetworkManager unexported its devices (its own last signals); since
    // then the sink heard exactly one thing.
    expect(sink.events.slice(sink.events.indexOf(gone))).toEqual(wentAway);
  }, 40_000);

  it('when it is back: available with the complete list, the re-assumed link Active', async () => {
    // The restarted NetworkManager would re-assume the unfinished "slow" activation and stay in
    // Startup for a minute; unplugging its link lets that attempt fail at once.
    await sandbox.linkDown(1);
    await sandbox.startNetworkManager();
    const back = await sink.waitFor(isAvailable, 'available', { from: outage, ...slowly });
    // Through the whole outage, restart included: exactly one unavailable, nothing else.
    expect(outageEvents(sink, outage)).toEqual(wentAway);
    expect(byId(back.configurations, up)).toMatchObject({
      state: 'Active',
      interfaceName: sandbox.linkName(0),
    });
    expect(byId(back.configurations, spare)).toBeDefined();
    expect(byId(back.configurations, slow)).toBeDefined();
    expect(byId(back.configurations, id(doomedUuid))).toBeUndefined();
    expect(back.configurations.map((c) => c.identifier).sort()).toEqual([up, spare, slow].sort());
    expect(engine.defaultConfiguration()).toBe(up);
    expect(engine.networkInformation().reachability).toBe('Online');
    expect(engine.supportedFeatures()).toHaveLength(4);

    // Afterwards the signals drive it again.
    const after = sink.mark();
    await sandbox.linkUp(1);
    await sink.waitForState(spare, 'Discovered', { from: after, ...slowly });
    expect(
      sink.events.slice(after).filter((e) => e.type === 'unavailable' || e.type === 'available'),
    ).toEqual([]);
  }, 60_000);

  it('works against the new instance (new object paths)', async () => {
    await engine.connect(spare, { signal: noAbort() });
    expect(sink.current.get(spare)?.state).toBe('Active');
    await engine.disconnect(spare, { signal: noAbort(), mode: 'release' });
    expect(sink.current.get(spare)?.state).toBe('Discovered');
  }, 30_000);
});

describe('NetworkManager engine: NetworkManager killed (SIGKILL, no last signals)', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let up: string;

  beforeAll(async () => {
    const started = await nm.startWithProfiles({ links: 1 }, { up: 0 });
    sandbox = started.sandbox;
    up = id(started.uuids.up);
    ({ engine, sink } = await nm.startEngine());
    await engine.connect(up, { signal: noAbort() });
  }, 60_000);

  it('notices from the bus alone, and recovers when a new instance starts', async () => {
    const from = sink.mark();
    await sandbox.stopNetworkManager({ kill: true });
    await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', { from, ...slowly });
    await sandbox.startNetworkManager();
    const back = await sink.waitFor(isAvailable, 'available', { from, ...slowly });
    expect(outageEvents(sink, from)).toEqual(wentAway);
    expect(sink.events.slice(from).filter((e) => e.type === 'unavailable')).toHaveLength(1);
    expect(byId(back.configurations, up)?.state).toBe('Active');
    await engine.disconnect(up, { signal: noAbort(), mode: 'release' });
    expect(sink.current.get(up)?.state).toBe('Discovered');
  }, 60_000);
});

describe.each([
  { how: 'SIGTERM', kill: false },
  { how: 'SIGKILL', kill: true },
])('NetworkManager restart ($how) under core', ({ kill }) => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let manager: NetworkConfigurationManager;
  let survivor: string;
  let doomedUuid: string;

  beforeAll(async () => {
    const started = await nm.startWithProfiles({ links: 1 }, { survivor: 0, doomed: 'nosuchnic0' });
    sandbox = started.sandbox;
    survivor = id(started.uuids.survivor);
    doomedUuid = started.uuids.doomed;
    manager = await nm.createManager();
  }, 60_000);

  it('an open session rides through: Undefined while gone, Active after, no closed, no error', async () => {
    const configuration = manager.configurationFromIdentifier(survivor);
    const doomed = manager.configurationFromIdentifier(id(doomedUuid));
    expect(doomed.isValid()).toBe(true);
    const session = new NetworkSession(configuration);
    session.open();
    expect(await session.waitForOpened(20_000)).toBe(true);
    await waitUntil(() => manager.reachability() === 'Online', 'reachability Online', slowly);

    const events = new EventRecorder().watch('s', session).watchManager('m', manager);
    const reachability: string[] = [];
    manager.on('reachabilityChanged', (r) => reachability.push(r));

    await sandbox.stopNetworkManager({ kill });
    await waitUntil(
      () => events.of('m').includes(`configurationChanged ${survivor} Undefined`),
      'the configuration to read Undefined',
      slowly,
    );
    expect(configuration.state()).toBe('Undefined');
    expect(configuration.isValid()).toBe(true);
    expect(events.of('m')).toContain(`configurationChanged ${id(doomedUuid)} Undefined`);
    await waitUntil(() => manager.reachability() === 'Unknown', 'reachability Unknown', slowly);
    // (On SIGTERM NetworkManager may drop to CONNECTED_SITE, 'Site', on its way out.)
    expect(reachability.at(-1)).toBe('Unknown');
    reachability.length = 0;
    expect(session.isOpen()).toBe(true);
    expect(session.state()).toBe('Connected');
    await sandbox.deleteKeyfile(doomedUuid);

    await sandbox.startNetworkManager();
    await waitUntil(
      () => configuration.state() === 'Active' && !doomed.isValid(),
      'the re-assumed link Active and the deleted profile gone',
      slowly,
    );
    await waitUntil(() => manager.reachability() === 'Online', 'reachability Online', slowly);
    expect(events.of('m')).toContain(`configurationChanged ${survivor} Active`);
    expect(events.of('m')).toContain(`configurationRemoved ${id(doomedUuid)}`);
    expect(events.of('s')).toEqual([]);
    expect(session.isOpen()).toBe(true);
    expect(session.state()).toBe('Connected');
    expect(reachability).toEqual(['Online']);

    // The session's hold on the link survived the restart: closing it releases the link.
    session.close();
    await waitUntil(() => configuration.state() === 'Discovered', 'the link released', slowly);
    expect(events.of('s')).toContain('closed');
    expect(events.of('s')).not.toContain('error SessionAbortedError');
    events.stop();
    session.dispose();
  }, 90_000);
});

describe('NetworkManager restart under core: the link really went away meanwhile', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let manager: NetworkConfigurationManager;
  let lost: string;

  beforeAll(async () => {
    const started = await nm.startWithProfiles({ links: 1 }, { lost: 0 });
    sandbox = started.sandbox;
    lost = id(started.uuids.lost);
    manager = await nm.createManager();
  }, 60_000);

  it('the session stays open while NetworkManager is gone, and ends (aborted) once it is back', async () => {
    const configuration = manager.configurationFromIdentifier(lost);
    const session = new NetworkSession(configuration);
    session.open();
    expect(await session.waitForOpened(20_000)).toBe(true);
    const events = new EventRecorder().watch('s', session).watchManager('m', manager);

    await sandbox.stopNetworkManager();
    await waitUntil(
      () => configuration.state() === 'Undefined',
      'the configuration to read Undefined',
      slowly,
    );
    await sandbox.linkDown(0);
    expect(session.isOpen()).toBe(true);
    expect(events.of('s')).toEqual([]);

    await sandbox.startNetworkManager();
    await waitUntil(() => events.of('s').includes('closed'), 'the session to close', slowly);
    expect(session.error()).toBe('SessionAbortedError');
    expect(session.isOpen()).toBe(false);
    expect(events.of('s')).toEqual(expect.arrayContaining(['closed', 'error SessionAbortedError']));
    // It ended on what the new NetworkManager said, not on the outage.
    const lines = events.lines;
    const known = lines.findIndex(
      (l) => l.startsWith(`m configurationChanged ${lost} `) && !l.endsWith(' Undefined'),
    );
    expect(known, lines.join('\n')).toBeGreaterThan(-1);
    expect(known).toBeLessThan(lines.indexOf('s closed'));
    expect(configuration.state()).toBe('Defined');
    events.stop();
    session.dispose();
  }, 90_000);
});
