import type { EngineConfiguration, EngineSink, NetworkInformation } from '@netbearer/core';
import { EngineError, InvalidArgumentError } from '@netbearer/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNetshEngine, type NetshEngine, type NetshEngineOptions } from './engine.js';
import { helperScript } from './helper.js';
import { FakeRunner, result } from './testing/fake-runner.js';
import {
  chcp,
  homeWorld,
  interfacesOutput,
  netsh,
  powershell,
  profileOutput,
  profilesOutput,
  refusal,
} from './testing/world.js';

type Event =
  | ['added' | 'changed', string, string, string | undefined]
  | ['removed', string]
  | ['information', NetworkInformation];

function recordingSink(): EngineSink & { events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    configurationAdded: (c) => events.push(['added', c.identifier, c.state, c.unknownReason]),
    configurationChanged: (c) => events.push(['changed', c.identifier, c.state, c.unknownReason]),
    configurationRemoved: (id) => events.push(['removed', id]),
    preferredConfiguration: () => {},
    networkInformationChanged: (info) => events.push(['information', info]),
    unavailable: () => {},
    available: () => {},
  };
}

const byId = (list: readonly EngineConfiguration[]) =>
  Object.fromEntries(list.map((c) => [c.identifier, c]));
const ssidId = (ssid: string) => `netsh:ssid:${Buffer.from(ssid).toString('hex')}`;
const signal = () => new AbortController().signal;
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await tick(2);
  }
}

let engine: NetshEngine | undefined;
function engineOver(runner: FakeRunner, options: NetshEngineOptions = {}): NetshEngine {
  engine = createNetshEngine({
    runner,
    platform: 'win32',
    env: {},
    connectTimeoutMs: 150,
    connectPollMs: 5,
    helperRestart: { initialMs: 5, maxMs: 20 },
    poll: { initialMs: 5, maxMs: 20 },
    ...options,
  });
  return engine;
}

afterEach(async () => {
  vi.useRealTimers();
  await engine?.dispose();
  engine = undefined;
});

describe('enumeration', () => {
  it('runs exactly these commands, by absolute path, verbatim, and reads the code page once', async () => {
    const runner = homeWorld();
    const list = await engineOver(runner).start(recordingSink());
    expect(runner.calls).toEqual([
      { file: chcp, args: [], verbatim: false },
      { file: netsh, args: ['wlan', 'show', 'interfaces'], verbatim: true },
      { file: netsh, args: ['interface', 'show', 'interface'], verbatim: true },
      { file: netsh, args: ['wlan', 'show', 'profiles'], verbatim: true },
      { file: netsh, args: ['wlan', 'show', 'profile', 'name="Home"'], verbatim: true },
      { file: netsh, args: ['wlan', 'show', 'profile', 'name="Office"'], verbatim: true },
      { file: netsh, args: ['wlan', 'show', 'profile', 'name="Old"'], verbatim: true },
      { file: netsh, args: ['wlan', 'show', 'networks', 'mode=bssid'], verbatim: true },
      { file: netsh, args: ['interface', 'ipv4', 'show', 'subinterfaces'], verbatim: true },
    ]);
    expect(engine?.codePage()).toBe(850);
    expect(list.length).toBeGreaterThan(0);
  });

  it('takes %SystemRoot% from the environment it is given', async () => {
    const runner = new FakeRunner();
    const root = 'D:\\Win';
    runner
      .on(
        `${root}\\System32\\netsh.exe`,
        ['wlan', 'show', 'interfaces'],
        result(interfacesOutput(null)),
      )
      .on(
        `${root}\\System32\\netsh.exe`,
        ['interface', 'show', 'interface'],
        result('x\r\n---\r\n'),
      )
      .on(`${root}\\System32\\netsh.exe`, ['wlan', 'show', 'profiles'], result(profilesOutput([])))
      .on(
        `${root}\\System32\\netsh.exe`,
        ['wlan', 'show', 'networks', 'mode=bssid'],
        result('Interface name : Wi-Fi\r\nThere are 0 networks currently visible.\r\n'),
      )
      .on(
        `${root}\\System32\\netsh.exe`,
        ['interface', 'ipv4', 'show', 'subinterfaces'],
        result('---\r\n'),
      );
    await engineOver(runner, { env: { SystemRoot: root }, codePage: 437 }).start(recordingSink());
    expect(runner.calls.every((c) => c.file === `${root}\\System32\\netsh.exe`)).toBe(true);
    expect(engine?.codePage()).toBe(437);
  });

  it('profiles, visible networks and interfaces, with the states they are in', async () => {
    const list = byId(await engineOver(homeWorld()).start(recordingSink()));
    expect(list['netsh:profile:Home']).toEqual({
      identifier: 'netsh:profile:Home',
      name: 'Home',
      type: 'InternetAccessPoint',
      state: 'Active',
      bearerType: 'WLAN',
      purpose: 'UnknownPurpose',
      interfaceName: 'Wi-Fi',
      capabilities: ['CanStartAndStopInterfaces', 'ForcedRoaming', 'DataStatistics'],
    });
    expect(list['netsh:profile:Office']?.state).toBe('Discovered');
    expect(list['netsh:profile:Old']?.state).toBe('Defined');
    // SSID-1 and SSID-2 have profiles; SSID-3 is in reach without one.
    expect(list[ssidId('SSID-1')]).toBeUndefined();
    expect(list[ssidId('SSID-3')]).toMatchObject({
      name: 'SSID-3',
      state: 'Discovered',
      capabilities: [],
    });
    expect(list['netsh:if:Wi-Fi']).toMatchObject({
      state: 'Active',
      bearerType: 'WLAN',
      virtual: false,
    });
    expect(list['netsh:if:Ethernet']).toMatchObject({
      state: 'Defined',
      bearerType: 'Ethernet',
      interfaceName: null,
    });
    expect(list['netsh:if:VMware Network Adapter VMnet1']).toMatchObject({
      state: 'Active',
      virtual: true,
    });
    expect(list['netsh:if:Npcap Loopback Adapter']?.virtual).toBe(true);
    expect(engine?.capabilities()).not.toContain('SystemSessionSupport');
  });

  it('data statistics from subinterfaces', async () => {
    await engineOver(homeWorld()).start(recordingSink());
    expect(engine?.statistics?.('netsh:profile:Home')).toEqual({
      bytesReceived: 123456789,
      bytesWritten: 98765432,
    });
    expect(engine?.statistics?.('netsh:profile:Old')).toBeUndefined();
  });

  it('a profile name netsh cannot take is listed but never passed', async () => {
    const runner = homeWorld().on(
      netsh,
      ['wlan', 'show', 'profiles'],
      result(profilesOutput(['Home', 'Bad "name"'])),
    );
    const list = byId(await engineOver(runner).start(recordingSink()));
    expect(list['netsh:profile:Bad "name"']?.state).toBe('Defined');
    expect(runner.calls.some((c) => c.args.join(' ').includes('Bad'))).toBe(false);
    await expect(
      engine?.connect('netsh:profile:Bad "name"', { signal: signal() }),
    ).rejects.toMatchObject({
      kind: 'ConnectError',
      cause: expect.any(InvalidArgumentError),
    });
    expect(runner.callsTo('wlan', 'connect')).toEqual([]);
  });
});

describe('a desktop without Wi-Fi', () => {
  it('lists its adapters; the WLAN commands failing is no error', async () => {
    const none = result('There is no wireless interface on the system.\r\n', 1);
    const runner = homeWorld()
      .on(netsh, ['wlan', 'show', 'interfaces'], none)
      .on(netsh, ['wlan', 'show', 'profiles'], none)
      .on(netsh, ['wlan', 'show', 'networks', 'mode=bssid'], none);
    const list = await engineOver(runner).start(recordingSink());
    expect(list.every((c) => c.identifier.startsWith('netsh:if:'))).toBe(true);
    expect(list.every((c) => c.unknownReason === undefined)).toBe(true);
    expect(byId(list)['netsh:if:Ethernet']?.state).toBe('Defined');
  });

  it('the WLAN AutoConfig service stopped: Wi-Fi adapters say so', async () => {
    const stopped = result('The Wireless AutoConfig Service (wlansvc) is not running.\r\n', 1);
    const runner = homeWorld()
      .on(netsh, ['wlan', 'show', 'interfaces'], stopped)
      .on(netsh, ['wlan', 'show', 'profiles'], stopped);
    const list = byId(await engineOver(runner).start(recordingSink()));
    expect(list['netsh:if:Wi-Fi']?.unknownReason).toBe('service-unavailable');
    expect(list['netsh:if:Ethernet']?.unknownReason).toBeUndefined();
    expect(Object.keys(list).some((id) => id.startsWith('netsh:profile:'))).toBe(false);
    expect(runner.callsTo('wlan', 'show', 'networks')).toEqual([]);
  });
});

describe('the 24H2 location refusal', () => {
  function gatedWorld(): FakeRunner {
    return homeWorld().on(netsh, ['wlan', 'show', 'interfaces'], result(refusal, 1));
  }

  it('keeps what is not gated: the connected Wi-Fi interface stays Active, with the reason', async () => {
    const runner = gatedWorld();
    const list = byId(await engineOver(runner).start(recordingSink()));
    expect(list['netsh:if:Wi-Fi']).toMatchObject({
      state: 'Active',
      unknownReason: 'location-permission',
    });
    expect(list['netsh:profile:Home']).toMatchObject({
      state: 'Defined',
      unknownReason: 'location-permission',
    });
    expect(list['netsh:if:Ethernet']?.unknownReason).toBeUndefined();
    // Gated commands are not run again: each logs a location access.
    expect(runner.callsTo('wlan', 'show', 'networks')).toEqual([]);
    expect(runner.callsTo('wlan', 'show', 'interfaces')).toHaveLength(1);
  });

  it('light refreshes while watching do not retry the gated command; requestUpdate does', async () => {
    const runner = gatedWorld();
    await engineOver(runner, { helper: false }).start(recordingSink());
    engine?.watch(true);
    await until(() => runner.callsTo('interface', 'show', 'interface').length >= 3);
    expect(runner.callsTo('wlan', 'show', 'interfaces')).toHaveLength(1);
    engine?.watch(false);
    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput('Home', 'SSID-1')));
    const sink = recordingSink();
    await engine?.dispose();
    const again = engineOver(runner, { helper: false });
    await again.start(sink);
    await again.requestUpdate();
    expect(sink.events).toEqual([]);
  });

  it('the permission granted later: requestUpdate reads it and the reason goes', async () => {
    const runner = gatedWorld();
    const sink = recordingSink();
    await engineOver(runner).start(sink);
    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput('Home', 'SSID-1')));
    await engine?.requestUpdate();
    expect(sink.events).toContainEqual(['changed', 'netsh:profile:Home', 'Active', undefined]);
    expect(sink.events).toContainEqual(['changed', 'netsh:if:Wi-Fi', 'Active', undefined]);
  });

  it('a connect behind the gate is refused with PermissionDenied', async () => {
    const runner = gatedWorld().on(
      netsh,
      ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
      result(refusal, 1),
    );
    await engineOver(runner).start(recordingSink());
    await expect(
      engine?.connect('netsh:profile:Office', { signal: signal() }),
    ).rejects.toMatchObject({
      name: 'EngineError',
      kind: 'PermissionDenied',
    });
  });
});

describe('connect and disconnect', () => {
  it('connect: netsh wlan connect, then polls show interfaces until the profile is connected', async () => {
    const runner = homeWorld()
      .on(
        netsh,
        ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
        result('Connection request was completed successfully.\r\n'),
      )
      .on(netsh, ['wlan', 'show', 'interfaces'], (n) =>
        result(n < 3 ? interfacesOutput('Home', 'SSID-1') : interfacesOutput('Office', 'SSID-2')),
      );
    const sink = recordingSink();
    await engineOver(runner).start(sink);
    await expect(engine?.connect('netsh:profile:Office', { signal: signal() })).resolves.toBe(
      'started',
    );
    expect(runner.callsTo('wlan', 'connect')).toEqual([
      {
        file: netsh,
        args: ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
        verbatim: true,
      },
    ]);
    expect(sink.events).toContainEqual(['changed', 'netsh:profile:Office', 'Active', undefined]);
    expect(sink.events).toContainEqual(['changed', 'netsh:profile:Home', 'Discovered', undefined]);
  });

  it('an already connected profile is joined, without running netsh wlan connect', async () => {
    const runner = homeWorld();
    await engineOver(runner).start(recordingSink());
    await expect(engine?.connect('netsh:profile:Home', { signal: signal() })).resolves.toBe(
      'joined',
    );
    expect(runner.callsTo('wlan', 'connect')).toEqual([]);
  });

  it('netsh "succeeds" but nothing connects (a wrong password): a typed error after the timeout, rolled back', async () => {
    const runner = homeWorld()
      .on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput(null)))
      .on(
        netsh,
        ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
        result('Connection request was completed successfully.\r\n'),
      )
      .on(
        netsh,
        ['wlan', 'disconnect', 'interface="Wi-Fi"'],
        result('Disconnection request was completed successfully for interface "Wi-Fi".\r\n'),
      );
    await engineOver(runner, { connectTimeoutMs: 60 }).start(recordingSink());
    const started = Date.now();
    const error = await engine
      ?.connect('netsh:profile:Office', { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ kind: 'ConnectError', error: 'UnknownSessionError' });
    expect((error as Error).message).toMatch(/did not connect within 60 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(runner.callsTo('wlan', 'disconnect')).toHaveLength(1);
  });

  it('netsh refusing the connect is a ConnectError with its message', async () => {
    const runner = homeWorld().on(
      netsh,
      ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'],
      result('There is no profile "Office" assigned to the specified interface.\r\n', 1),
    );
    await engineOver(runner).start(recordingSink());
    await expect(
      engine?.connect('netsh:profile:Office', { signal: signal() }),
    ).rejects.toMatchObject({
      kind: 'ConnectError',
      message: expect.stringContaining('There is no profile'),
    });
  });

  it('an abort stops the wait and rolls back', async () => {
    const runner = homeWorld()
      .on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput(null)))
      .on(netsh, ['wlan', 'connect', 'name="Office"', 'interface="Wi-Fi"'], result('ok\r\n'))
      .on(netsh, ['wlan', 'disconnect', 'interface="Wi-Fi"'], result('ok\r\n'));
    await engineOver(runner, { connectTimeoutMs: 10_000 }).start(recordingSink());
    const controller = new AbortController();
    const pending = engine?.connect('netsh:profile:Office', { signal: controller.signal });
    await tick(20);
    controller.abort();
    await expect(pending).rejects.toMatchObject({
      kind: 'ConnectError',
      message: expect.stringMatching(/aborted/),
    });
    expect(runner.callsTo('wlan', 'disconnect')).toHaveLength(1);
  });

  it('only profiles can be started and stopped', async () => {
    await engineOver(homeWorld()).start(recordingSink());
    await expect(engine?.connect(ssidId('SSID-3'), { signal: signal() })).rejects.toMatchObject({
      kind: 'OperationNotSupported',
    });
    await expect(
      engine?.disconnect('netsh:if:Ethernet', { signal: signal(), mode: 'stop' }),
    ).rejects.toMatchObject({
      kind: 'OperationNotSupported',
    });
  });

  it('stop: netsh wlan disconnect interface="…", resolved once it is really down; release keeps it', async () => {
    const runner = homeWorld().on(
      netsh,
      ['wlan', 'disconnect', 'interface="Wi-Fi"'],
      result('Disconnection request was completed successfully for interface "Wi-Fi".\r\n'),
    );
    const sink = recordingSink();
    await engineOver(runner).start(sink);
    await expect(
      engine?.disconnect('netsh:profile:Home', { signal: signal(), mode: 'release' }),
    ).resolves.toBe('kept');
    expect(runner.callsTo('wlan', 'disconnect')).toEqual([]);
    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput(null)));
    await expect(
      engine?.disconnect('netsh:profile:Home', { signal: signal(), mode: 'stop' }),
    ).resolves.toBe('down');
    expect(runner.callsTo('wlan', 'disconnect')).toEqual([
      { file: netsh, args: ['wlan', 'disconnect', 'interface="Wi-Fi"'], verbatim: true },
    ]);
    expect(sink.events).toContainEqual(['changed', 'netsh:profile:Home', 'Discovered', undefined]);
  });

  it('a hostile profile name reaches netsh as one literal token', async () => {
    const name = 'a & b | $(calc) `x` %PATH% ^ < >';
    const runner = homeWorld()
      .on(netsh, ['wlan', 'show', 'profiles'], result(profilesOutput(['Home', name])))
      .on(
        netsh,
        ['wlan', 'show', 'profile', `name="${name}"`],
        result(profileOutput(name, 'SSID-3')),
      )
      .on(netsh, ['wlan', 'connect', `name="${name}"`, 'interface="Wi-Fi"'], result('ok\r\n'))
      .on(netsh, ['wlan', 'show', 'interfaces'], (n) =>
        result(n < 2 ? interfacesOutput('Home', 'SSID-1') : interfacesOutput(name, 'SSID-3')),
      );
    await engineOver(runner).start(recordingSink());
    await expect(engine?.connect(`netsh:profile:${name}`, { signal: signal() })).resolves.toBe(
      'started',
    );
    expect(runner.callsTo('wlan', 'connect')[0]?.args).toEqual([
      'wlan',
      'connect',
      `name="${name}"`,
      'interface="Wi-Fi"',
    ]);
  });
});

describe('watching', () => {
  it('idle with nobody listening: no child and no timer', async () => {
    vi.useFakeTimers();
    const runner = homeWorld();
    await engineOver(runner).start(recordingSink());
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runner.spawned).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    engine?.watch(false);
    expect(runner.spawned).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('watch(true) starts one Windows PowerShell helper; its lines become network information and refreshes', async () => {
    const runner = homeWorld();
    const sink = recordingSink();
    await engineOver(runner).start(sink);
    engine?.watch(true);
    engine?.watch(true);
    expect(runner.spawned).toHaveLength(1);
    const helper = runner.spawned[0];
    expect(helper?.file).toBe(powershell);
    expect(helper?.args.slice(0, 5)).toEqual([
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-EncodedCommand',
    ]);
    expect(Buffer.from(helper?.args[5] ?? '', 'base64').toString('utf16le')).toBe(helperScript);
    const before = runner.callsTo('wlan', 'show', 'interfaces').length;
    runner.on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput(null)));
    helper?.print(
      '{"nlm":64,"level":"InternetAccess","cost":"Variable","wlan":true,"wwan":false,"iana":71}',
    );
    await until(() => sink.events.some((e) => e[0] === 'changed'));
    expect(sink.events[0]).toEqual([
      'information',
      {
        reachability: 'Online',
        behindCaptivePortal: false,
        transportMedium: 'WiFi',
        metered: true,
      },
    ]);
    expect(engine?.networkInformation?.().reachability).toBe('Online');
    expect(runner.callsTo('wlan', 'show', 'interfaces').length).toBe(before + 1);
    expect(sink.events).toContainEqual(['changed', 'netsh:profile:Home', 'Discovered', undefined]);
    engine?.watch(false);
    expect(helper?.killed).toBe(true);
  });

  it('a helper that dies is restarted with back-off; after repeated deaths, polling takes over', async () => {
    const runner = homeWorld();
    await engineOver(runner, { maxHelperFailures: 3 }).start(recordingSink());
    engine?.watch(true);
    runner.spawned[0]?.print('{"nlm":64}');
    runner.spawned[0]?.die();
    await until(() => runner.spawned.length === 2);
    runner.spawned[1]?.die();
    await until(() => runner.spawned.length === 3);
    // Three deaths since the last report: poll instead.
    const polls = runner.callsTo('interface', 'show', 'interface').length;
    runner.spawned[2]?.die();
    await until(() => runner.callsTo('interface', 'show', 'interface').length >= polls + 2);
    expect(runner.spawned).toHaveLength(3);
    expect(runner.spawned.every((helper) => helper.file === powershell)).toBe(true);
    engine?.watch(false);
    const after = runner.calls.length;
    await tick(60);
    expect(runner.calls.length).toBe(after);
  });

  it('with the helper off, back-off polling only while watching', async () => {
    vi.useFakeTimers();
    const runner = homeWorld();
    await engineOver(runner, { helper: false, poll: { initialMs: 1_000, maxMs: 4_000 } }).start(
      recordingSink(),
    );
    expect(engine?.supportedFeatures?.()).toEqual([]);
    engine?.watch(true);
    expect(runner.spawned).toEqual([]);
    const count = () => runner.callsTo('interface', 'show', 'interface').length;
    const base = count();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(count()).toBe(base + 1);
    await vi.advanceTimersByTimeAsync(2_000); // nothing changed: the interval doubled
    expect(count()).toBe(base + 2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(count()).toBe(base + 3);
    await vi.advanceTimersByTimeAsync(4_000); // capped
    expect(count()).toBe(base + 4);
    engine?.watch(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(count()).toBe(base + 4);
  });

  it('dispose lets go of everything: the helper is killed, no timer is left, watch is ignored', async () => {
    vi.useFakeTimers();
    const runner = homeWorld();
    const created = engineOver(runner);
    await created.start(recordingSink());
    created.watch(true);
    const helper = runner.spawned[0];
    await created.dispose();
    engine = undefined;
    expect(helper?.killed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    created.watch(true);
    expect(runner.spawned).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a helper that cannot start falls back to polling', async () => {
    const runner = homeWorld();
    runner.spawnFailure = new Error('spawn ENOENT');
    await engineOver(runner, { maxHelperFailures: 1 }).start(recordingSink());
    engine?.watch(true);
    const base = runner.callsTo('interface', 'show', 'interface').length;
    await until(() => runner.callsTo('interface', 'show', 'interface').length >= base + 1);
  });
});

describe('the runner seam', () => {
  it('an unknown call throws naming its argv', async () => {
    const runner = new FakeRunner();
    await expect(runner.exec(netsh, ['wlan', 'show', 'x'], { timeoutMs: 1 })).rejects.toThrow(
      /unexpected call .*netsh\.exe \["wlan","show","x"\]/,
    );
  });
  it('netsh missing: start rejects with EngineUnavailable', async () => {
    const runner = new FakeRunner().on(netsh, ['wlan', 'show', 'interfaces'], {
      ...result(''),
      code: null,
      spawnError: 'spawn C:\\Windows\\System32\\netsh.exe ENOENT',
    });
    await expect(
      engineOver(runner, { codePage: 850 }).start(recordingSink()),
    ).rejects.toMatchObject({
      kind: 'EngineUnavailable',
    });
  });
});
