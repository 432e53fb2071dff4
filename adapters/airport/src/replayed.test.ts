/**
 * The airport engine on a replayed Mac (testing/replayed-mac.ts): the fixtures' captured
 * outputs, edited as the world changes, for each macOS redaction regime. The Qt-level suites
 * over the same world are in test/src/replayed.
 */
import type { EngineConfiguration, EngineSink } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type AirportEngine, airportPaths, createAirportEngine } from './engine.js';
import { type MacRedaction, ReplayedMac, type ReplayedMacOptions } from './testing/replayed-mac.js';

const worlds: ReplayedMac[] = [];
const engines: AirportEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
  for (const world of worlds.splice(0)) world.dispose();
});

function replayed(options: ReplayedMacOptions = {}) {
  const world = new ReplayedMac({ associateMs: 5, ...options });
  worlds.push(world);
  const engine = createAirportEngine({
    runner: world.runner,
    debounceMs: 5,
    confirmIntervalMs: 5,
    connectTimeoutMs: 100,
    restartDelayMs: 10,
  });
  engines.push(engine);
  return { world, engine };
}

function sink(): EngineSink & { changed: EngineConfiguration[] } {
  const changed: EngineConfiguration[] = [];
  return {
    changed,
    configurationAdded: (c) => changed.push(c),
    configurationChanged: (c) => changed.push(c),
    configurationRemoved: () => {},
    preferredConfiguration: () => {},
    networkInformationChanged: () => {},
    unavailable: () => {},
    available: () => {},
  };
}

const byId = (list: readonly EngineConfiguration[]) =>
  Object.fromEntries(list.map((c) => [c.identifier, c]));
const signal = () => new AbortController().signal;

describe.each(['none', 'ipconfig'] as const)(
  'a replayed Mac that shows the name somewhere (redaction %s)',
  (redaction: MacRedaction) => {
    it('lists saved networks, networks in range and ports in the states the world is in', async () => {
      const { world, engine } = replayed({ redaction });
      const list = byId(await engine.start(sink()));
      expect(list['airport:known:SSID-2']).toMatchObject({ state: 'Active', interfaceName: 'en0' });
      expect(list['airport:known:SSID-3']?.state).toBe('Discovered');
      expect(list['airport:known:Office']?.state).toBe('Defined');
      expect(list['airport:seen:SSID-5']?.state).toBe('Discovered');
      expect(list['airport:if:en4']).toMatchObject({ state: 'Defined', bearerType: 'Ethernet' });
      expect(engine.networkInformation().reachability).toBe('Online');
      expect(world.runner.unexpected).toEqual([]);
    });

    it('a join without a password, confirmed from the interface', async () => {
      const { world, engine } = replayed({ redaction });
      const events = sink();
      await engine.start(events);
      await expect(engine.connect('airport:known:SSID-3', { signal: signal() })).resolves.toBe(
        'started',
      );
      expect(world.runner.argvs()).toContain(
        `${airportPaths.networksetup} -setairportnetwork en0 SSID-3`,
      );
      expect(events.changed.map((c) => [c.identifier, c.state])).toContainEqual([
        'airport:known:SSID-3',
        'Active',
      ]);
      expect(world.runner.unexpected).toEqual([]);
    });
  },
);

describe('a replayed Mac: what goes wrong, and what macOS hides', () => {
  it('macOS 26 hides every name: the link that is up is Active, named unknown, never disconnected', async () => {
    const { engine } = replayed({ redaction: 'all' });
    const list = byId(await engine.start(sink()));
    expect(list['airport:wlan:en0:current']).toMatchObject({
      state: 'Active',
      unknownReason: 'redacted',
    });
    expect(list['airport:known:SSID-2']?.state).toBe('Defined');
    expect(engine.networkInformation().reachability).toBe('Online');
  });

  it('a refused join is a ConnectError with networksetup’s words', async () => {
    const { world, engine } = replayed();
    world.outcomes.set('SSID-3', 'refused');
    await engine.start(sink());
    await expect(
      engine.connect('airport:known:SSID-3', { signal: signal() }),
    ).rejects.toMatchObject({ kind: 'ConnectError', message: 'Could not find network SSID-3.' });
  });

  it('a join reported done that never happens times out', async () => {
    const { world, engine } = replayed({ connected: null });
    world.outcomes.set('SSID-3', 'never');
    await engine.start(sink());
    await expect(
      engine.connect('airport:known:SSID-3', { signal: signal() }),
    ).rejects.toMatchObject({
      kind: 'ConnectError',
      message: expect.stringMatching(/did not join/),
    });
  });

  it('the scutil child hears the world change; a lost link becomes Discovered', async () => {
    const { world, engine } = replayed();
    const events = sink();
    await engine.start(events);
    await expect.poll(() => engine.watching).toBe(true);
    world.dropLink();
    await expect
      .poll(() => events.changed.find((c) => c.identifier === 'airport:known:SSID-2')?.state)
      .toBe('Discovered');
    expect(engine.networkInformation().reachability).toBe('Disconnected');
  });

  it('a change while nobody listened is seen once someone listens again', async () => {
    const { world, engine } = replayed();
    const events = sink();
    await engine.start(events);
    engine.watch(false);
    await expect.poll(() => engine.watching).toBe(false);
    world.dropLink();
    engine.watch(true);
    await expect
      .poll(() => events.changed.find((c) => c.identifier === 'airport:known:SSID-2')?.state)
      .toBe('Discovered');
  });

  it('a scutil child that dies is restarted, and what changed meanwhile is read', async () => {
    const { world, engine } = replayed();
    const events = sink();
    await engine.start(events);
    await expect.poll(() => world.runner.running().length).toBe(1);
    world.runner.running()[0]?.die();
    world.dropLink();
    await expect.poll(() => world.runner.children.length).toBe(2);
    await expect
      .poll(() => events.changed.find((c) => c.identifier === 'airport:known:SSID-2')?.state)
      .toBe('Discovered');
  });
});
