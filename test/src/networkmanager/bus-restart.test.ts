/**
 * The D-Bus connection itself is lost: the sandbox's bus daemon is killed (every client's socket
 * drops) and a new one started at the same address, with a new NetworkManager on it (one cannot
 * reconnect to a bus by itself). The engine says `unavailable` once, reconnects with back-off,
 * and says `available` with the complete list once NetworkManager is back; core reconciles.
 * Not a NetworkManager restart on a living bus: restart.test.ts has those.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import { type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../support/event-recorder.js';
import { openBus } from '../support/nm-dbus.js';
import { nmId as id, noAbort, slowly, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { byId, isAvailable, RecordingSink, type SinkEvent } from '../support/recording-sink.js';
import { type StagedChild, stageChild } from '../support/stage-child.js';
import { waitUntil } from '../support/wait.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const outage = (e: SinkEvent) => e.type === 'unavailable' || e.type === 'available';

describe('NetworkManager engine: the bus daemon restarts', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let up: string;
  let spare: string;
  let doomedUuid: string;
  let from = 0;
  let baseTimers = 0;

  beforeAll(async () => {
    const started = await nm.startWithProfiles(
      { links: 2 },
      { up: 0, spare: 1, doomed: 'nosuchnic0' },
    );
    sandbox = started.sandbox;
    up = id(started.uuids.up);
    spare = id(started.uuids.spare);
    doomedUuid = started.uuids.doomed;
    ({ engine, sink } = await nm.startEngine());
    await engine.connect(up, { signal: noAbort() });
    await idle(100);
    baseTimers = timers();
  }, 60_000);

  it('the bus goes: unavailable once, saying it reconnects; calls fail typed; back-off runs', async () => {
    from = sink.mark();
    await sandbox.stopBus();
    const gone = await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', {
      from,
      ...slowly,
    });
    expect(gone).toMatchObject({
      reason: expect.stringMatching(/D-Bus connection was closed.*reconnect/is),
    });
    await expect(engine.connect(spare, { signal: noAbort() })).rejects.toMatchObject({
      kind: 'EngineUnavailable',
    });
    await expect(engine.requestUpdate()).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    expect(engine.defaultConfiguration()).toBeNull();
    expect(engine.networkInformation().reachability).toBe('Unknown');
    await sandbox.deleteKeyfile(doomedUuid);
    // Retrying on a timer while the bus is gone (no socket to wait on); nothing else heard.
    await waitUntil(() => timers() > baseTimers, 'a back-off timer', { timeoutMs: 2_000 });
    await idle(1_500);
    expect(sink.events.slice(from).filter(outage)).toEqual([gone]);
  }, 40_000);

  it('bus and NetworkManager back: available with the complete list, then signals drive it', async () => {
    await sandbox.startBus();
    const back = await sink.waitFor(isAvailable, 'available', { from, ...slowly });
    expect(sink.events.slice(from).filter(outage)).toHaveLength(2);
    expect(byId(back.configurations, up)).toMatchObject({
      state: 'Active',
      interfaceName: sandbox.linkName(0),
    });
    expect(byId(back.configurations, spare)?.state).toBe('Discovered');
    expect(back.configurations.map((c) => c.identifier).sort()).toEqual([up, spare].sort());
    expect(engine.defaultConfiguration()).toBe(up);
    expect(engine.networkInformation().reachability).toBe('Online');
    // Connected again: no timer left.
    await waitUntil(() => timers() <= baseTimers, 'no timer once reconnected', {
      timeoutMs: 5_000,
    });

    const after = sink.mark();
    await sandbox.linkDown(1);
    await sink.waitForState(spare, 'Defined', { from: after, ...slowly });
    await sandbox.linkUp(1);
    await sink.waitForState(spare, 'Discovered', { from: after, ...slowly });
  }, 60_000);

  it('works against the new bus and NetworkManager', async () => {
    await engine.connect(spare, { signal: noAbort() });
    expect(sink.current.get(spare)?.state).toBe('Active');
    await engine.disconnect(spare, { signal: noAbort(), mode: 'stop' });
    expect(sink.current.get(spare)?.state).toBe('Discovered');
  }, 30_000);

  it('a bus that stays away a while: still back once it returns', async () => {
    const again = sink.mark();
    await sandbox.stopBus();
    await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', { from: again, ...slowly });
    await idle(4_000); // several failed attempts, each waiting longer
    await sandbox.startBus();
    const back = await sink.waitFor(isAvailable, 'available', { from: again, timeoutMs: 30_000 });
    expect(byId(back.configurations, up)?.state).toBe('Active');
    expect(sink.events.slice(again).filter(outage)).toHaveLength(2);
  }, 60_000);
});

describe('NetworkManager engine on a caller-provided bus that is lost', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;

  beforeAll(async () => {
    ({ sandbox } = await nm.startWithProfiles({ links: 1 }, { x: 0 }));
  }, 60_000);

  it('stays unavailable, says why, and runs no timer: the connection is the caller’s', async () => {
    const bus = openBus(sandbox.busAddress);
    const engine = createNetworkManagerEngine({ bus });
    const sink = new RecordingSink();
    try {
      await engine.start(sink);
      await idle(100);
      const base = timers();
      await sandbox.stopBus();
      const gone = await sink.waitFor((e) => e.type === 'unavailable', 'unavailable', slowly);
      expect(gone).toMatchObject({
        reason: expect.stringMatching(/caller.*cannot reopen/is),
      });
      await sandbox.startBus();
      await idle(1_500);
      expect(sink.events.filter(outage)).toEqual([gone]);
      expect(timers()).toBeLessThanOrEqual(base);
    } finally {
      await engine.dispose();
      bus.disconnect();
    }
  }, 60_000);
});

describe('the bus daemon restarts under core', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let manager: NetworkConfigurationManager;
  let survivor: string;
  let lost: string;

  beforeAll(async () => {
    const started = await nm.startWithProfiles({ links: 2 }, { survivor: 0, lost: 1 });
    sandbox = started.sandbox;
    survivor = id(started.uuids.survivor);
    lost = id(started.uuids.lost);
    manager = await nm.createManager();
  }, 60_000);

  it('a session rides through; one whose link went down meanwhile is reconciled (aborted)', async () => {
    const configuration = manager.configurationFromIdentifier(survivor);
    const gone = manager.configurationFromIdentifier(lost);
    const rider = new NetworkSession(configuration);
    const victim = new NetworkSession(gone);
    rider.open();
    victim.open();
    expect(await rider.waitForOpened(20_000)).toBe(true);
    expect(await victim.waitForOpened(20_000)).toBe(true);
    const events = new EventRecorder().watch('r', rider).watch('v', victim);

    await sandbox.stopBus();
    await waitUntil(
      () => configuration.state() === 'Undefined' && gone.state() === 'Undefined',
      'the configurations to read Undefined',
      slowly,
    );
    expect(rider.isOpen()).toBe(true);
    expect(victim.isOpen()).toBe(true);
    await sandbox.linkDown(1); // while nobody can see it

    await sandbox.startBus();
    await waitUntil(() => configuration.state() === 'Active', 'the survivor Active again', slowly);
    await waitUntil(() => events.of('v').includes('closed'), 'the victim to be closed', slowly);
    expect(victim.error()).toBe('SessionAbortedError');
    expect(gone.state()).toBe('Defined');
    expect(events.of('r')).toEqual([]);
    expect(rider.isOpen()).toBe(true);
    expect(rider.state()).toBe('Connected');
    events.stop();
    rider.close();
    await waitUntil(() => !rider.isOpen(), 'the rider closed', slowly);
    expect(rider.error()).not.toBe('SessionAbortedError');
    rider.dispose();
    victim.dispose();
  }, 90_000);
});

describe('dispose() mid-back-off lets the process exit', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let child: StagedChild;
  let running: ChildProcess | undefined;

  beforeAll(async () => {
    child = await stageChild('test/src/support/nm-exit-child.ts');
    ({ sandbox } = await nm.startWithProfiles({ links: 1 }, { x: 0 }));
  }, 60_000);

  afterAll(async () => {
    running?.kill('SIGKILL');
    await child?.cleanup();
  });

  it('a process whose only engine lost its bus exits once it disposes the engine', async () => {
    const proc = spawn(process.execPath, [child.entry, sandbox.busAddress], {
      cwd: child.dir,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    running = proc;
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    await waitUntil(() => lines.some((l) => 'ready' in l), 'the child to start', slowly);
    await sandbox.stopBus();
    await waitUntil(
      () => lines.some((l) => 'unavailable' in l),
      'the child to lose the bus',
      slowly,
    );
    // Backing off: a timer keeps the process alive (as its socket did while connected).
    proc.stdin.write('resources\n');
    await waitUntil(() => lines.some((l) => 'resources' in l), 'the child to answer', slowly);
    const resources = lines.find((l) => 'resources' in l)?.resources as string[];
    // (Or, for the instant an attempt runs, its connecting socket.)
    expect(resources.filter((r) => r === 'Timeout' || r === 'PipeConnectWrap')).not.toEqual([]);
    proc.stdin.end('dispose\n');
    const started = Date.now();
    const code = await Promise.race([exited, idle(5_000).then(() => 'still running')]);
    expect(code, JSON.stringify(lines)).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    const disposed = lines.find((l) => 'disposed' in l)?.disposed as string[];
    expect(disposed.filter((r) => r === 'Timeout')).toEqual([]);
    running = undefined;
    await sandbox.startBus();
  }, 60_000);
});
