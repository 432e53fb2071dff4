import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { createAirportEngine } from './engine.js';
import { fixture } from './testing/fixtures.js';
import { macWorld, ns } from './testing/mac-world.js';

/** The engine under core: what an application sees of a replayed Mac. */
describe('core over the airport engine', () => {
  it('a redacted Mac is online, its Wi-Fi Active with an unknown name', async () => {
    const { runner } = macWorld({
      profile: fixture(
        'system-profiler-SPAirPortDataType-json-macos15.5-heatmapper.txt',
      ).replaceAll('"SSID-2"', '"<redacted>"'),
    });
    const manager = await NetworkConfigurationManager.create({
      engines: [createAirportEngine({ runner, debounceMs: 5 })],
    });
    try {
      expect(manager.isOnline()).toBe(true);
      const current = manager.configurationFromIdentifier('airport:wlan:en0:current');
      expect(current.state()).toBe('Active');
      expect(current.unknownReason()).toBe('redacted');
      expect(manager.reachability()).toBe('Online');
      expect(
        manager
          .allConfigurations('Discovered')
          .map((c) => c.identifier())
          .sort(),
      ).toEqual([
        'airport:seen:SSID-1',
        'airport:seen:SSID-3',
        'airport:seen:SSID-4',
        'airport:seen:SSID-5',
        'airport:wlan:en0:current',
      ]);
    } finally {
      await manager.dispose();
    }
    expect(runner.running()).toEqual([]);
    expect(runner.unexpected).toEqual([]);
  });

  it('a session joins the Active network; stop is refused with OperationNotSupportedError', async () => {
    const { runner } = macWorld();
    const manager = await NetworkConfigurationManager.create({
      engines: [createAirportEngine({ runner, debounceMs: 5 })],
    });
    try {
      const session = new NetworkSession(
        manager.configurationFromIdentifier('airport:known:SSID-2'),
      );
      const errors: string[] = [];
      session.on('error', (error) => errors.push(error));
      session.open();
      expect(await session.waitForOpened(2000)).toBe(true);
      session.stop();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errors).toEqual(['OperationNotSupportedError']);
      expect(session.isOpen()).toBe(true);
      session.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      // A joined link is left as it was: nothing ran to take it down.
      expect(runner.argvs().some((a) => a.startsWith(`${ns} -setairportpower`))).toBe(false);
    } finally {
      await manager.dispose();
    }
  });
});
