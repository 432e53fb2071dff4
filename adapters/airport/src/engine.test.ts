import { EngineError } from '@netbearer/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AirportEngine, airportPaths, createAirportEngine } from './engine.js';
import { watchScript } from './parsers/scutil.js';
import type { FakeRunner } from './testing/fake-runner.js';
import { fixture } from './testing/fixtures.js';
import { macWorld, ns, recordingSink } from './testing/mac-world.js';
import { renderIpconfigSummary } from './testing/render.js';
import { notificationLines, scutilWatchTranscript } from './testing/scutil-watch.js';

const engines: AirportEngine[] = [];
function engineOn(runner: FakeRunner, options: Parameters<typeof createAirportEngine>[0] = {}) {
  const engine = createAirportEngine({
    runner,
    debounceMs: 5,
    restartDelayMs: 10,
    confirmIntervalMs: 5,
    ...options,
  });
  engines.push(engine);
  return engine;
}
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
});

const signal = () => new AbortController().signal;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const byId = <T extends { identifier: string }>(
  list: readonly T[],
): Record<string, T | undefined> => Object.fromEntries(list.map((c) => [c.identifier, c]));
const timers = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

describe('start: what it runs and what it finds', () => {
  it('runs exactly these programs, by absolute path, with argv arrays', async () => {
    const { runner } = macWorld();
    await engineOn(runner).start(recordingSink());
    expect(runner.argvs()).toEqual([
      `${ns} -listallhardwareports`,
      `${ns} -getairportpower en4`,
      `${ns} -getairportpower en5`,
      `${ns} -getairportpower en6`,
      `${ns} -getairportpower en7`,
      `${ns} -getairportpower en0`,
      `${ns} -listpreferredwirelessnetworks en0`,
      `${airportPaths.systemProfiler} SPAirPortDataType -json`,
      `${airportPaths.airport} -I`,
      `${airportPaths.ipconfig} getsummary en0`,
      `${airportPaths.scutil} --nwi`,
      `${airportPaths.netstat} -ib`,
    ]);
    expect(runner.calls.every((c) => c.file.startsWith('/'))).toBe(true);
    expect(runner.unexpected).toEqual([]);
  });

  it('saved networks, networks in range, wired ports; the current one Active', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    const list = byId(await engine.start(recordingSink()));
    expect(list['airport:known:SSID-2']).toMatchObject({
      name: 'SSID-2',
      state: 'Active',
      bearerType: 'WLAN',
      interfaceName: 'en0',
    });
    expect(list['airport:known:SSID-2']?.unknownReason).toBeUndefined();
    expect(list['airport:known:Home']).toMatchObject({ state: 'Defined', interfaceName: null });
    const hostile = 'airport:known:Café "5G" $(reboot) `id`: x';
    expect(list[hostile]).toMatchObject({ name: 'Café "5G" $(reboot) `id`: x', state: 'Defined' });
    for (const n of [1, 3, 4, 5]) {
      expect(list[`airport:seen:SSID-${n}`]).toMatchObject({ state: 'Discovered' });
    }
    expect(list['airport:if:en6']).toMatchObject({
      name: 'AX88179A',
      bearerType: 'Ethernet',
      state: 'Defined',
    });
    expect(list['airport:if:bridge0']).toMatchObject({ virtual: true });
    expect(list['airport:if:en1']).toMatchObject({ name: 'Thunderbolt 1', virtual: true });
    expect(Object.keys(list)).toHaveLength(3 + 4 + 9 - 1);
    expect(engine.defaultConfiguration()).toBe('airport:known:SSID-2');
    expect(engine.networkInformation()).toMatchObject({
      reachability: 'Online',
      transportMedium: 'WiFi',
    });
    expect(engine.supportedFeatures()).toEqual(['Reachability', 'TransportMedium']);
    expect(
      engine
        .scanResults()
        .get('en0')
        ?.map((e) => e.ssid),
    ).toEqual(['SSID-1', 'SSID-2', 'SSID-3', 'SSID-4', 'SSID-5']);
  });

  it('byte counters of the Active configuration from netstat -ib, refreshed when asked', async () => {
    const { world, runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    expect(engine.statistics('airport:known:SSID-2')).toEqual({
      bytesReceived: 11234567890,
      bytesWritten: 987654321,
    });
    expect(engine.statistics('airport:known:Home')).toBeUndefined();
    world.counters = { en0: [11234567999, 987654400] };
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    engine.statistics('airport:known:SSID-2'); // stale: starts a read, no timer
    await vi.waitFor(() =>
      expect(engine.statistics('airport:known:SSID-2')).toEqual({
        bytesReceived: 11234567999,
        bytesWritten: 987654400,
      }),
    );
  });

  it('does not claim start/stop by default; power-off is an opt-in', () => {
    const { runner } = macWorld();
    expect(engineOn(runner).capabilities()).toEqual(['ForcedRoaming', 'DataStatistics']);
    expect(engineOn(runner).capabilities()).not.toContain('CanStartAndStopInterfaces');
    expect(engineOn(runner, { stopMode: 'power-off' }).capabilities()).toContain(
      'CanStartAndStopInterfaces',
    );
    expect(engineOn(runner).capabilities()).not.toContain('SystemSessionSupport');
  });

  it('a Mac without Wi-Fi (VM) runs no Wi-Fi program at all', async () => {
    const { runner } = macWorld({
      ports: fixture('networksetup-listallhardwareports-macos26-vm-no-wifi-getmac.txt'),
      power: {},
      nwi: { reachable: true, interfaces: ['en0'] },
    });
    runner.set(ns, ['-getairportpower', 'en1'], { stdout: 'en1 is not a Wi-Fi interface.\n' });
    const engine = engineOn(runner);
    const list = byId(await engine.start(recordingSink()));
    expect(Object.keys(list)).toEqual(['airport:if:en0', 'airport:if:en1']);
    expect(list['airport:if:en0']?.state).toBe('Active');
    expect(engine.networkInformation().transportMedium).toBe('Ethernet');
    expect(runner.argvs().some((a) => /system_profiler|ipconfig|airport /.test(a))).toBe(false);
    expect(runner.unexpected).toEqual([]);
  });

  it('fails with EngineUnavailable when networksetup cannot run', async () => {
    const { runner } = macWorld();
    runner.set(ns, ['-listallhardwareports'], { spawnError: 'spawn ENOENT' });
    await expect(engineOn(runner).start(recordingSink())).rejects.toMatchObject({
      kind: 'EngineUnavailable',
    });
  });
});

describe('redaction means unknown, never disconnected', () => {
  const redactedProfile = () =>
    fixture('system-profiler-SPAirPortDataType-json-macos15.5-heatmapper.txt').replaceAll(
      '"SSID-2"',
      '"<redacted>"',
    );

  it('link up, every name redacted: Active, unknown name, unknownReason redacted', async () => {
    const { runner } = macWorld({ profile: redactedProfile() });
    const engine = engineOn(runner);
    const list = byId(await engine.start(recordingSink()));
    expect(list['airport:wlan:en0:current']).toMatchObject({
      state: 'Active',
      unknownReason: 'redacted',
      bearerType: 'WLAN',
      interfaceName: 'en0',
      name: 'Wi-Fi (en0)',
    });
    // No saved network is claimed to be the one, and redacted neighbours are not merged.
    expect(list['airport:known:SSID-2']?.state).toBe('Defined');
    expect(list['airport:seen:<redacted>']).toBeUndefined();
    expect(engine.defaultConfiguration()).toBe('airport:wlan:en0:current');
    expect(engine.networkInformation().reachability).toBe('Online');
  });

  it('the unknown configuration is replaced once the name is known', async () => {
    const { world, runner } = macWorld({ profile: redactedProfile() });
    const sink = recordingSink();
    const engine = engineOn(runner);
    await engine.start(sink);
    world.summary = { linkActive: true, ssid: 'Home' };
    await engine.requestUpdate();
    expect(sink.events).toContainEqual({ type: 'removed', identifier: 'airport:wlan:en0:current' });
    expect(sink.events).toContainEqual(
      expect.objectContaining({
        type: 'changed',
        configuration: expect.objectContaining({
          identifier: 'airport:known:Home',
          state: 'Active',
        }),
      }),
    );
  });

  it('link down with a redacted name: nothing is Active, no unknown configuration', async () => {
    const { runner } = macWorld({
      profile: fixture('system-profiler-SPAirPortDataType-json-macos15.5-no-iPhone-heatmapper.txt'),
      summary: { linkActive: false },
      nwi: { reachable: false, interfaces: [] },
    });
    const engine = engineOn(runner);
    const list = await engine.start(recordingSink());
    expect(list.filter((c) => c.state === 'Active')).toEqual([]);
    expect(byId(list)['airport:wlan:en0:current']).toBeUndefined();
    expect(engine.networkInformation().reachability).toBe('Disconnected');
    expect(engine.defaultConfiguration()).toBeNull();
  });
});

describe('the airport binary', () => {
  it('missing (macOS 14.4+): asked once, never again', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    expect(engine.airportAvailable).toBe(false);
    await engine.requestUpdate();
    expect(runner.argvs().filter((a) => a.startsWith(airportPaths.airport))).toHaveLength(1);
  });

  it('the 14.4 stub that only prints a deprecation notice counts as missing', async () => {
    const { runner } = macWorld({
      airportInfo:
        'WARNING: The airport command line tool is deprecated and will be removed in a future release.\n',
    });
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    expect(engine.airportAvailable).toBe(false);
  });

  it('present (older macOS): its SSID names the current network', async () => {
    const { runner } = macWorld({
      airportInfo: fixture('airport-getinfo-I-node-wifi.txt'),
      profile: fixture('system-profiler-SPAirPortDataType-json-macos12.7.2-no-AP-heatmapper.txt'),
      summary: { linkActive: true },
      preferred: ['Linksys01227_5GHz'],
    });
    const engine = engineOn(runner);
    const list = byId(await engine.start(recordingSink()));
    expect(engine.airportAvailable).toBe(true);
    expect(list['airport:known:Linksys01227_5GHz']?.state).toBe('Active');
  });
});

describe('change events: one scutil child, only while someone listens', () => {
  const push = (runner: FakeRunner, index: number, keys: readonly string[]) => {
    for (const line of notificationLines(keys)) runner.children[index]?.push(line);
  };

  it('spawns one /usr/sbin/scutil with n.add … n.watch on a stdin kept open, on the turn after start', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    expect(runner.spawns).toEqual([]);
    await turn();
    expect(runner.spawns).toEqual([
      { file: airportPaths.scutil, args: [], stdin: watchScript, keepStdinOpen: true },
    ]);
    expect(watchScript).toContain('n.add State:/Network/Interface/[^/]+/Link pattern');
    expect(
      watchScript
        .trimEnd()
        .endsWith('n.add State:/Network/Interface/[^/]+/AirPort pattern\nn.watch'),
    ).toBe(true);
    expect(watchScript).not.toContain('n.wait');
    expect(engine.watching).toBe(true);
    expect(runner.running()).toHaveLength(1);
  });

  it('a notification re-reads the fast facts (not system_profiler) and reports changes; the child stays', async () => {
    const { world, runner } = macWorld();
    const sink = recordingSink();
    const engine = engineOn(runner);
    await engine.start(sink);
    await turn();
    const before = runner.calls.length;
    world.summary = { linkActive: false };
    world.nwi = { reachable: false, interfaces: [] };
    push(runner, 0, ['State:/Network/Interface/en0/Link', 'State:/Network/Global/IPv4']);
    await vi.waitFor(() => expect(sink.events.length).toBeGreaterThan(0));
    // n.watch goes on: the same child, no restart.
    expect(runner.spawns).toHaveLength(1);
    expect(runner.running()).toEqual([runner.children[0]]);
    expect(engine.watching).toBe(true);
    const reread = runner.argvs().slice(before);
    expect(reread).toEqual([
      `${airportPaths.ipconfig} getsummary en0`,
      `${airportPaths.scutil} --nwi`,
      `${airportPaths.netstat} -ib`,
    ]);
    expect(sink.events).toContainEqual({
      type: 'changed',
      configuration: expect.objectContaining({
        identifier: 'airport:known:SSID-2',
        state: 'Discovered',
      }),
    });
    expect(sink.events).toContainEqual({
      type: 'information',
      information: expect.objectContaining({ reachability: 'Disconnected' }),
    });
  });

  it('a burst of notifications costs one re-read; a later one, another', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner, { debounceMs: 20 });
    await engine.start(recordingSink());
    await turn();
    const reads = () => runner.argvs().filter((a) => a.endsWith('--nwi')).length;
    const before = reads();
    // The whole written-from-source transcript: four notifications, seven lines.
    for (const line of scutilWatchTranscript.split('\n')) runner.children[0]?.push(line);
    await new Promise((resolve) => setTimeout(resolve, 5));
    push(runner, 0, ['State:/Network/Interface/en0/IPv4']);
    await vi.waitFor(() => expect(reads()).toBe(before + 1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reads()).toBe(before + 1);
    push(runner, 0, ['State:/Network/Global/IPv4']);
    await vi.waitFor(() => expect(reads()).toBe(before + 2));
    // Lines that are not notifications (an n.add error text) cause nothing.
    runner.children[0]?.push('  Key already exists');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reads()).toBe(before + 2);
    expect(runner.spawns).toHaveLength(1);
  });

  it('a child that dies is restarted with back-off, and the state read again', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner, { restartDelayMs: 20 });
    await engine.start(recordingSink());
    await turn();
    const reads = () => runner.argvs().filter((a) => a.endsWith('--nwi')).length;
    const readsBefore = reads();
    const firstDied = performance.now();
    runner.children[0]?.die();
    await turn();
    expect(engine.watching).toBe(false);
    await vi.waitFor(() => expect(runner.spawns).toHaveLength(2));
    expect(performance.now() - firstDied).toBeGreaterThanOrEqual(15);
    await vi.waitFor(() => expect(reads()).toBeGreaterThan(readsBefore));
    expect(runner.spawns[1]).toMatchObject({ stdin: watchScript, keepStdinOpen: true });
    const secondDied = performance.now();
    runner.children[1]?.die();
    await vi.waitFor(() => expect(runner.spawns).toHaveLength(3));
    // Second death in a row: twice the delay.
    expect(performance.now() - secondDied).toBeGreaterThanOrEqual(35);
    expect(engine.watching).toBe(true);
    expect(runner.running()).toHaveLength(1);
  });

  it('without keepStdinOpen scutil would exit at once: the engine never relies on that', async () => {
    // The fake runner ends a child whose input was closed, as scutil does at end of input.
    const { runner } = macWorld();
    const engine = engineOn(runner, { restartDelayMs: 10_000 });
    await engine.start(recordingSink());
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runner.spawns).toHaveLength(1);
    expect(runner.running()).toHaveLength(1);
    expect(engine.watching).toBe(true);
  });

  it('idle (watch(false) right after start): no child, no timer', async () => {
    const { runner } = macWorld();
    const baseline = timers();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    engine.watch(false);
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runner.spawns).toEqual([]);
    expect(engine.watching).toBe(false);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it('watch(false) kills the child and its restart and debounce timers; watch(true) starts one again', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner, { restartDelayMs: 10_000, debounceMs: 10_000 });
    const baseline = timers();
    await engine.start(recordingSink());
    await turn();
    runner.children[0]?.die(); // a restart is now pending for 10 s
    await turn();
    engine.watch(false);
    expect(timers()).toBeLessThanOrEqual(baseline);
    expect(runner.running()).toEqual([]);
    engine.watch(true);
    expect(runner.spawns).toHaveLength(2);
    push(runner, 1, ['State:/Network/Global/IPv4']); // a re-read is now pending for 10 s
    await turn();
    engine.watch(false);
    expect(runner.children[1]?.killed).toBe(true);
    expect(engine.watching).toBe(false);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it('dispose kills the child, clears timers and runs nothing more', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    const baseline = timers();
    const sink = recordingSink();
    await engine.start(sink);
    await turn();
    push(runner, 0, ['State:/Network/Global/IPv4']);
    await turn();
    await engine.dispose();
    const calls = runner.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runner.children[0]?.killed).toBe(true);
    expect(runner.running()).toEqual([]);
    expect(runner.calls.length).toBe(calls);
    expect(timers()).toBeLessThanOrEqual(baseline);
    await expect(engine.start(sink)).rejects.toBeInstanceOf(EngineError);
  });
});

describe('connect and disconnect', () => {
  it('joins a saved network by name, no password on argv, once the interface shows it', async () => {
    const { world, runner } = macWorld();
    const hostile = 'Café "5G" $(reboot) `id`: x';
    let polls = 0;
    runner.set(ns, ['-setairportnetwork', 'en0', hostile], () => ({ stdout: '' }));
    runner.set(airportPaths.ipconfig, ['getsummary', 'en0'], () => {
      if (runner.argvs().some((a) => a.includes('-setairportnetwork')) && ++polls >= 3) {
        world.summary = { linkActive: true, ssid: hostile };
      }
      return { stdout: renderSummary(world.summary) };
    });
    const sink = recordingSink();
    const engine = engineOn(runner);
    await engine.start(sink);
    world.summary = { linkActive: false };
    await expect(engine.connect(`airport:known:${hostile}`, { signal: signal() })).resolves.toBe(
      'started',
    );
    const join = runner.calls.find((c) => c.args[0] === '-setairportnetwork');
    expect(join?.file).toBe('/usr/sbin/networksetup');
    expect(join?.args).toEqual(['-setairportnetwork', 'en0', hostile]);
    expect(sink.events).toContainEqual({
      type: 'changed',
      configuration: expect.objectContaining({
        identifier: `airport:known:${hostile}`,
        state: 'Active',
      }),
    });
    expect(runner.unexpected).toEqual([]);
  });

  it('an Active configuration is joined, not started', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    await expect(engine.connect('airport:known:SSID-2', { signal: signal() })).resolves.toBe(
      'joined',
    );
    expect(runner.argvs().some((a) => a.includes('-setairportnetwork'))).toBe(false);
  });

  it('networksetup "succeeds" but the interface never joins: ConnectError', async () => {
    const { runner } = macWorld();
    runner.set(ns, ['-setairportnetwork', 'en0', 'Home'], { stdout: '' });
    const engine = engineOn(runner, { connectTimeoutMs: 60 });
    await engine.start(recordingSink());
    const error = await engine
      .connect('airport:known:Home', { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ kind: 'ConnectError' });
    expect((error as Error).message).toMatch(/did not join/);
  });

  it("networksetup's own failure text becomes the ConnectError", async () => {
    const { runner } = macWorld();
    runner.set(ns, ['-setairportnetwork', 'en0', 'Home'], {
      stdout: 'Could not find network Home.\n',
    });
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    await expect(engine.connect('airport:known:Home', { signal: signal() })).rejects.toMatchObject({
      kind: 'ConnectError',
      message: 'Could not find network Home.',
    });
  });

  it('wired ports cannot be brought up: OperationNotSupported', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    await expect(engine.connect('airport:if:en6', { signal: signal() })).rejects.toMatchObject({
      kind: 'OperationNotSupported',
    });
  });

  it('stop is refused by default (no CLI leaves a network)', async () => {
    const { runner } = macWorld();
    const engine = engineOn(runner);
    await engine.start(recordingSink());
    await expect(
      engine.disconnect('airport:known:SSID-2', { signal: signal(), mode: 'stop' }),
    ).rejects.toMatchObject({ kind: 'OperationNotSupported' });
    await expect(
      engine.disconnect('airport:known:SSID-2', { signal: signal(), mode: 'release' }),
    ).resolves.toBe('kept');
    expect(runner.argvs().some((a) => a.includes('-setairportpower'))).toBe(false);
  });

  it("stopMode 'power-off' turns the radio off, and on again to connect", async () => {
    const { world, runner } = macWorld();
    runner.set(ns, ['-setairportpower', 'en0', 'off'], () => {
      world.power.en0 = false;
      world.summary = { linkActive: false };
      return { stdout: '' };
    });
    runner.set(ns, ['-setairportpower', 'en0', 'on'], () => {
      world.power.en0 = true;
      return { stdout: '' };
    });
    runner.set(ns, ['-setairportnetwork', 'en0', 'SSID-2'], () => {
      world.summary = { linkActive: true, ssid: 'SSID-2' };
      return { stdout: '' };
    });
    const engine = engineOn(runner, { stopMode: 'power-off' });
    await engine.start(recordingSink());
    await expect(
      engine.disconnect('airport:known:SSID-2', { signal: signal(), mode: 'stop' }),
    ).resolves.toBe('down');
    await engine.requestUpdate();
    await expect(engine.connect('airport:known:SSID-2', { signal: signal() })).resolves.toBe(
      'started',
    );
    expect(runner.argvs().filter((a) => a.includes('-setairportpower en0 o'))).toEqual([
      `${ns} -setairportpower en0 off`,
      `${ns} -setairportpower en0 on`,
    ]);
    expect(runner.unexpected).toEqual([]);
  });
});

function renderSummary(summary: { linkActive: boolean; ssid?: string }) {
  return renderIpconfigSummary({ ...summary, security: 'WPA2_PSK' });
}
