/**
 * The netsh engine on a replayed Windows machine (testing/replayed-windows.ts): the fixtures'
 * captured outputs, edited as the world changes, in English and German, as UTF-8 and as
 * code page 850 bytes. The Qt-level suites over the same world are in test/src/replayed.
 */
import type { EngineConfiguration, EngineSink } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetshEngine, type NetshEngine } from './engine.js';
import { ReplayedWindows, type ReplayedWindowsOptions } from './testing/replayed-windows.js';
import { chcp, netsh, powershell } from './testing/world.js';

const worlds: ReplayedWindows[] = [];
const engines: NetshEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
  for (const world of worlds.splice(0)) world.dispose();
});

function replayed(options: ReplayedWindowsOptions = {}) {
  const world = new ReplayedWindows({ associateMs: 5, ...options });
  worlds.push(world);
  const engine = createNetshEngine({
    runner: world.runner,
    platform: 'win32',
    env: {},
    connectTimeoutMs: 100,
    connectPollMs: 5,
  });
  engines.push(engine);
  return { world, engine };
}

function sink(): EngineSink & { changed: EngineConfiguration[] } {
  const changed: EngineConfiguration[] = [];
  return {
    changed,
    configurationAdded: () => {},
    configurationChanged: (c) => changed.push(c),
    configurationRemoved: () => {},
    preferredConfiguration: () => {},
    networkInformationChanged: () => {},
    unavailable: () => {},
    available: () => {},
  };
}

const states = (list: readonly EngineConfiguration[]) =>
  Object.fromEntries(list.map((c) => [c.identifier, c.state]));
const ssidId = (ssid: string) => `netsh:ssid:${Buffer.from(ssid).toString('hex')}`;
const signal = () => new AbortController().signal;

describe.each([
  { language: 'en', encoding: 'utf-8' },
  { language: 'en', encoding: 'cp850' },
  { language: 'de', encoding: 'utf-8' },
  { language: 'de', encoding: 'cp850' },
] as const)('a replayed Windows machine ($language, $encoding)', (options) => {
  it('lists its profiles, visible networks and adapters in the states the world is in', async () => {
    const { world, engine } = replayed(options);
    const list = states(await engine.start(sink()));
    expect(list['netsh:profile:Home']).toBe('Active');
    expect(list['netsh:profile:Office']).toBe('Discovered');
    expect(list['netsh:profile:Old']).toBe('Defined');
    expect(list[ssidId('SSID-3')]).toBe('Discovered');
    expect(list[`netsh:if:${world.interfaceName}`]).toBe('Active');
    expect(list['netsh:if:Ethernet']).toBe('Defined');
    // Every command had an answer from the world: none was unexpected.
    expect(world.runner.calls.map((c) => c.file)).toContain(chcp);
  });

  it('every BSSID of every visible network, with signal, channel, band and security, from the last scan', async () => {
    const { world, engine } = replayed(options);
    await engine.start(sink());
    const networks = engine.visibleNetworks();
    expect(networks.map((n) => n.ssid)).toEqual(world.neighbourhood);
    const first = networks[0];
    expect(first?.accessPoints.length).toBeGreaterThan(0);
    for (const network of networks) {
      expect(network.authentication).toMatch(/\S/);
      for (const ap of network.accessPoints) {
        expect(ap).toMatchObject({
          bssid: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
          signal: expect.any(Number),
          channel: expect.any(Number),
          band: expect.stringMatching(/GHz$/),
        });
      }
    }
    world.setInReach('SSID-2', false);
    await engine.requestUpdate();
    expect(engine.visibleNetworks().map((n) => n.ssid)).not.toContain('SSID-2');
  });

  it('connect: netsh "succeeds", the world associates, the engine resolves once show interfaces says so', async () => {
    const { world, engine } = replayed(options);
    const events = sink();
    await engine.start(events);
    await expect(engine.connect('netsh:profile:Office', { signal: signal() })).resolves.toBe(
      'started',
    );
    expect(world.connected).toBe('Office');
    expect(world.runner.callsTo('wlan', 'connect')[0]?.args).toEqual([
      'wlan',
      'connect',
      'name="Office"',
      `interface="${world.interfaceName}"`,
    ]);
    expect(events.changed.map((c) => [c.identifier, c.state])).toContainEqual([
      'netsh:profile:Office',
      'Active',
    ]);
  });
});

describe('a replayed Windows machine: what goes wrong', () => {
  it('a connect netsh reports done that never associates times out and is rolled back', async () => {
    const { world, engine } = replayed({ connected: null });
    world.outcomes.set('Office', 'never');
    await engine.start(sink());
    await expect(
      engine.connect('netsh:profile:Office', { signal: signal() }),
    ).rejects.toMatchObject({ kind: 'ConnectError', message: expect.stringMatching(/within/) });
    expect(world.runner.callsTo('wlan', 'disconnect')).toHaveLength(1);
    expect(world.connected).toBe(null);
  });

  it('a refused connect is a ConnectError with netsh’s words', async () => {
    const { world, engine } = replayed();
    world.outcomes.set('Office', 'refused');
    await engine.start(sink());
    await expect(
      engine.connect('netsh:profile:Office', { signal: signal() }),
    ).rejects.toMatchObject({
      kind: 'ConnectError',
      message: expect.stringContaining('is not available to connect'),
    });
  });

  it('24H2 without location permission: the Wi-Fi link stays Active with the reason; profiles are Defined', async () => {
    const { world, engine } = replayed();
    world.locationAllowed = false;
    const list = await engine.start(sink());
    const byId = Object.fromEntries(list.map((c) => [c.identifier, c]));
    expect(byId['netsh:if:Wi-Fi']).toMatchObject({
      state: 'Active',
      unknownReason: 'location-permission',
    });
    expect(byId['netsh:profile:Office']).toMatchObject({
      state: 'Defined',
      unknownReason: 'location-permission',
    });
    expect(world.runner.callsTo('wlan', 'show', 'networks')).toEqual([]);
  });

  it('the helper prints the world’s report when it starts and on every change', async () => {
    const { world, engine } = replayed();
    const events = sink();
    await engine.start(events);
    engine.watch(true);
    const helper = world.runner.spawned[0];
    expect(helper?.file).toBe(powershell);
    await expect.poll(() => engine.networkInformation().reachability).toBe('Online');
    world.dropLink();
    await expect.poll(() => engine.networkInformation().reachability).toBe('Disconnected');
    await expect
      .poll(() => events.changed.find((c) => c.identifier === 'netsh:profile:Home')?.state)
      .toBe('Discovered');
    engine.watch(false);
    expect(helper?.killed).toBe(true);
    expect(world.runner.calls.every((c) => c.file === netsh || c.file === chcp)).toBe(true);
  });

  it('a helper that dies is restarted, and the new one reports the world as it is now', async () => {
    const world = new ReplayedWindows({ associateMs: 5 });
    worlds.push(world);
    const engine = createNetshEngine({
      runner: world.runner,
      platform: 'win32',
      env: {},
      helperRestart: { initialMs: 5, maxMs: 20 },
    });
    engines.push(engine);
    const events = sink();
    await engine.start(events);
    engine.watch(true);
    await expect.poll(() => engine.networkInformation().reachability).toBe('Online');
    world.runner.spawned[0]?.die();
    // While no helper runs, the link drops: nobody hears it...
    world.dropLink();
    // ...until the restarted helper's first report.
    await expect.poll(() => world.runner.spawned.length).toBe(2);
    await expect.poll(() => engine.networkInformation().reachability).toBe('Disconnected');
    await expect
      .poll(() => events.changed.find((c) => c.identifier === 'netsh:profile:Home')?.state)
      .toBe('Discovered');
  });
});
