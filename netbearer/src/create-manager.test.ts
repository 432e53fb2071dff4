import { InvalidArgumentError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { createManager, engineChoice, engineChoices, resolveEngine } from './create-manager.js';
import {
  createFakeRunnerEngine,
  fakeNetsh,
  key,
  listArgs,
  scriptedRunner,
} from './testing/fake-runner-engine.js';

const both = { netsh: createFakeRunnerEngine, airport: createFakeRunnerEngine };
const nowhere = 'unix:path=/nonexistent/netbearer-test-bus';

describe('createManager picks the engine by platform', () => {
  it.each([
    ['win32', both, 'netsh'],
    ['darwin', both, 'airport'],
    ['linux', both, 'networkmanager-or-generic'],
    ['freebsd', both, 'generic'],
    ['win32', {}, 'generic'],
    ['darwin', {}, 'generic'],
  ] as const)('auto on %s with %j is %s', (platform, engines, expected) => {
    expect(resolveEngine('auto', platform, engines)).toBe(expected);
  });

  it('an explicit choice wins over the platform', () => {
    expect(resolveEngine('generic', 'win32', both)).toBe('generic');
    expect(resolveEngine('airport', 'linux', both)).toBe('airport');
  });

  it('builds the runner-based engine on the runner it is given', async () => {
    const runner = scriptedRunner({
      exec: {
        [key(fakeNetsh, listArgs)]: {
          stdout: Buffer.from('SSID 1 : a\r\n BSSID 1 : 02:00:00:00:00:01\r\n'),
        },
      },
    });
    const manager = await createManager({ platform: 'win32', runner, runnerEngines: both });
    expect(manager.engineNames()).toEqual(['fake']);
    expect(manager.allConfigurations().map((c) => c.name())).toEqual(['a']);
    await manager.dispose();
  });

  it('falls back to generic on Linux when NetworkManager does not answer, or on other systems', async () => {
    for (const platform of ['linux', 'sunos']) {
      const manager = await createManager({
        platform,
        busAddress: nowhere,
        env: {},
        runnerEngines: both,
      });
      expect(manager.engineNames()).toEqual(['generic']);
      await manager.dispose();
    }
  });

  it('NETBEARER_ENGINE and the option override the platform', async () => {
    const env = { NETBEARER_ENGINE: 'simulated' };
    const manager = await createManager({ platform: 'win32', env, runnerEngines: both });
    expect(manager.engineNames()).toEqual(['simulated']);
    await manager.dispose();
  });

  it('never replays on an engine that does not run commands', async () => {
    const runner = scriptedRunner({ exec: {} });
    await expect(createManager({ platform: 'linux', runner, env: {} })).rejects.toThrow(
      /NetworkManager.*cannot be captured or replayed/,
    );
    await expect(createManager({ engine: 'generic', runner, env: {} })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      createManager({ platform: 'win32', runner, env: {}, runnerEngines: {} }),
    ).rejects.toThrow(/cannot be captured or replayed/);
    await expect(
      createManager({ engine: 'netsh', platform: 'win32', runner, env: {}, runnerEngines: {} }),
    ).rejects.toThrow('This build of netbearer has no netsh engine.');
  });

  it('takes the engine names this build has', () => {
    expect(engineChoices).toEqual(
      expect.arrayContaining(['auto', 'networkmanager', 'generic', 'simulated']),
    );
    expect(engineChoice('netsh', both)).toBe('netsh');
    expect(() => engineChoice('netsh', {})).toThrow(InvalidArgumentError);
    expect(() => engineChoice('bogus', both)).toThrow(
      /use one of auto, networkmanager, generic, simulated, netsh, airport/,
    );
  });
});
