/** The engine under core's manager and sessions: the contract as core uses it. */
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetshEngine } from './engine.js';
import { result } from './testing/fake-runner.js';
import { homeWorld, interfacesOutput, netsh, refusal } from './testing/world.js';

let manager: NetworkConfigurationManager | undefined;
afterEach(async () => {
  await manager?.dispose();
  manager = undefined;
});

const options = { platform: 'win32' as const, env: {}, connectTimeoutMs: 200, connectPollMs: 5 };

/** The home world in which netsh accepts connecting Office and disconnecting Wi-Fi. */
function officeConnects() {
  return homeWorld()
    .on(
      netsh,
      ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
      result('Connection request was completed successfully.\r\n'),
    )
    .on(netsh, ['wlan', 'disconnect', 'interface="Wi-Fi"'], result('ok\r\n'));
}

describe('under NetworkConfigurationManager', () => {
  it('lists, is online, and a session opens and stops a profile', async () => {
    const runner = officeConnects();
    manager = await NetworkConfigurationManager.create({
      engines: [createNetshEngine({ ...options, runner, helper: false })],
    });
    expect(manager.isOnline()).toBe(true);
    const office = manager.configurationFromIdentifier('netsh:profile:Office');
    expect(office.state()).toBe('Discovered');
    expect(office.capabilities()).toContain('CanStartAndStopInterfaces');
    expect(manager.capabilities()).not.toContain('SystemSessionSupport');

    // From now on Windows shows Office connected.
    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput('Office', 'SSID-2')));
    const session = new NetworkSession(office);
    session.open();
    expect(await session.waitForOpened(2_000)).toBe(true);
    expect(office.state()).toBe('Active');
    expect(session.interface()?.name).toBe('Wi-Fi');
    expect(session.bytesReceived()).toBe(123456789);

    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput(null)));
    const closed = new Promise<void>((resolve) => session.once('closed', () => resolve()));
    session.stop();
    await closed;
    expect(runner.callsTo('wlan', 'disconnect')).toHaveLength(1);
    expect(office.state()).toBe('Discovered');
  });

  it('a session on a profile that never connects ends with an error, not a hang', async () => {
    const runner = officeConnects();
    manager = await NetworkConfigurationManager.create({
      engines: [createNetshEngine({ ...options, runner, helper: false })],
    });
    const session = new NetworkSession(manager.configurationFromIdentifier('netsh:profile:Office'));
    session.open();
    expect(await session.waitForOpened(2_000)).toBe(false);
    expect(session.error()).toBe('UnknownSessionError');
    expect(session.errorString()).toMatch(/did not connect within 200 ms/);
  });

  it('behind the 24H2 gate: online, Wi-Fi Active with the reason, profiles not disconnected but Defined', async () => {
    const runner = homeWorld().on(netsh, ['wlan', 'show', 'interfaces'], result(refusal, 1));
    manager = await NetworkConfigurationManager.create({
      engines: [createNetshEngine({ ...options, runner, helper: false })],
    });
    expect(manager.isOnline()).toBe(true);
    const wifi = manager.configurationFromIdentifier('netsh:if:Wi-Fi');
    expect(wifi.state()).toBe('Active');
    expect(wifi.unknownReason()).toBe('location-permission');
    const home = manager.configurationFromIdentifier('netsh:profile:Home');
    expect(home.state()).toBe('Defined');
    expect(home.unknownReason()).toBe('location-permission');
  });
});
