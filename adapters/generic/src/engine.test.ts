import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineConfiguration, EngineSink } from '@netbearer/core';
import { EngineError, InvalidArgumentError } from '@netbearer/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGenericEngine, type GenericEngine, type GenericEngineOptions } from './index.js';
import { alive, fakeIp } from './testing/fake-ip.js';
import { FakeSysfs, ipv4DefaultRoutes, upEthernet } from './testing/fake-sysfs.js';
import { interfaceTable } from './testing/interface-table.js';

type Event = [kind: 'added' | 'changed' | 'removed', id: string, state?: string];

function recordingSink(): EngineSink & { events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    configurationAdded: (c) => events.push(['added', c.identifier, c.state]),
    configurationChanged: (c) => events.push(['changed', c.identifier, c.state]),
    configurationRemoved: (id) => events.push(['removed', id]),
    preferredConfiguration: () => {
      throw new Error('the generic engine never offers roams');
    },
    networkInformationChanged: () => {
      throw new Error('the generic engine knows no network information');
    },
    unavailable: () => {
      throw new Error('the kernel does not go away');
    },
    available: () => {
      throw new Error('the kernel does not go away');
    },
  };
}

const byId = (list: readonly EngineConfiguration[]) =>
  Object.fromEntries(list.map((c) => [c.identifier, c]));

let sys: FakeSysfs;
let addresses: Record<string, string[]>;
let engine: GenericEngine | undefined;

function engineOver(options: GenericEngineOptions = {}): GenericEngine {
  engine = createGenericEngine({
    watch: false,
    platform: 'linux',
    sysfsRoot: sys.root,
    procNetRoot: sys.procNet,
    interfaces: () => interfaceTable(addresses),
    ...options,
  });
  return engine;
}

beforeEach(async () => {
  sys = await FakeSysfs.create();
  addresses = {};
});
afterEach(async () => {
  await engine?.dispose();
  engine = undefined;
  await sys.cleanup();
});

describe('enumeration from sysfs', () => {
  beforeEach(async () => {
    await sys.set('lo', { ...upEthernet, type: '772', flags: '0x9', virtual: true });
    await sys.set('eth0', upEthernet);
    await sys.set('eth1', {
      ...upEthernet,
      operstate: 'down',
      carrier: undefined,
      flags: '0x1002',
    });
    await sys.set('wlan0', { ...upEthernet, wireless: true });
    await sys.set('docker0', { ...upEthernet, virtual: true, uevent: 'DEVTYPE=bridge\n' });
    await sys.set('ppp0', { ...upEthernet, type: '512', operstate: 'unknown', virtual: true });
    addresses = {
      lo: ['127.0.0.1', '::1'],
      eth0: ['192.168.1.10', 'fe80::1'],
      'eth0:backup': ['192.168.1.11'],
      wlan0: ['fe80::2'],
      docker0: ['172.17.0.1'],
      ppp0: ['100.64.3.3'],
    };
    await sys.routes(ipv4DefaultRoutes('ppp0', 'eth0'));
  });

  it('lists every interface but loopback, with state, bearer and virtual flag', async () => {
    const list = await engineOver().start(recordingSink());
    expect(list.map((c) => c.identifier)).toEqual([
      'generic:docker0',
      'generic:eth0',
      'generic:eth1',
      'generic:ppp0',
      'generic:wlan0',
    ]);
    const c = byId(list);
    expect(c['generic:eth0']).toMatchObject({
      state: 'Active',
      bearerType: 'Ethernet',
      virtual: false,
    });
    expect(c['generic:eth1']).toMatchObject({ state: 'Defined', bearerType: 'Ethernet' });
    expect(c['generic:wlan0']).toMatchObject({ state: 'Discovered', bearerType: 'WLAN' });
    expect(c['generic:docker0']).toMatchObject({ state: 'Active', virtual: true });
    // A PPP link is a software device, but it carries the default route: the way out.
    expect(c['generic:ppp0']).toMatchObject({
      state: 'Active',
      bearerType: 'Unknown',
      virtual: false,
    });
    for (const configuration of list) {
      expect(configuration).toMatchObject({
        type: 'InternetAccessPoint',
        purpose: 'UnknownPurpose',
      });
      expect(configuration.interfaceName).toBe(configuration.name);
    }
  });

  it('names the default route’s interface as default, and knows byte counters', async () => {
    await sys.set('eth0', { ...upEthernet, rxBytes: '5000', txBytes: '700' });
    const e = engineOver();
    await e.start(recordingSink());
    expect(e.defaultConfiguration?.()).toBe('generic:ppp0');
    expect(e.capabilities()).toEqual(['DataStatistics']);
    expect(e.statistics?.('generic:eth0')).toEqual({ bytesReceived: 5000, bytesWritten: 700 });
    expect(e.statistics?.('generic:nothing')).toBeUndefined();
    expect(e.statistics?.('generic:../../../etc')).toBeUndefined();
    expect(e.supportedFeatures?.()).toEqual([]);
  });

  it('counts an alias label’s addresses to its device', async () => {
    addresses = { 'eth1:0': ['10.9.9.9'] };
    await sys.set('eth1', upEthernet);
    const list = await engineOver().start(recordingSink());
    expect(byId(list)['generic:eth1']?.state).toBe('Active');
  });

  it('still lists interfaces when the address table cannot be read', async () => {
    const list = await engineOver({
      interfaces: () => {
        throw new Error('uv_interface_addresses failed');
      },
    }).start(recordingSink());
    expect(byId(list)['generic:eth0']?.state).toBe('Discovered');
  });
});

describe('requestUpdate', () => {
  it('reports additions, changes and removals, on a later tick, and nothing when idle', async () => {
    await sys.set('eth0', {
      ...upEthernet,
      operstate: 'down',
      carrier: undefined,
      flags: '0x1002',
    });
    await sys.set('eth1', upEthernet);
    const sink = recordingSink();
    const e = engineOver();
    await e.start(sink);
    await e.requestUpdate();
    expect(sink.events).toEqual([]);

    await sys.set('eth0', upEthernet);
    await sys.remove('eth1');
    await sys.set('eth2', upEthernet);
    const update = e.requestUpdate();
    expect(sink.events).toEqual([]);
    await update;
    expect(sink.events).toEqual([
      ['removed', 'generic:eth1'],
      ['changed', 'generic:eth0', 'Discovered'],
      ['added', 'generic:eth2', 'Discovered'],
    ]);

    addresses = { eth0: ['10.0.0.2'] };
    await e.requestUpdate();
    expect(sink.events.at(-1)).toEqual(['changed', 'generic:eth0', 'Active']);
  });

  it('gives concurrent callers a reading that started after their call, once', async () => {
    await sys.set('eth0', upEthernet);
    const sink = recordingSink();
    const interfaces = vi.fn(() => interfaceTable(addresses));
    const e = engineOver({ interfaces });
    await e.start(sink);
    const first = e.requestUpdate();
    addresses = { eth0: ['10.0.0.2'] };
    await Promise.all([first, e.requestUpdate(), e.requestUpdate()]);
    expect(sink.events).toEqual([['changed', 'generic:eth0', 'Active']]);
    expect(interfaces).toHaveBeenCalledTimes(3); // start, first, one shared follow-up
  });

  it('rejects with InterfaceLookupError when sysfs goes away, and recovers', async () => {
    await sys.set('eth0', upEthernet);
    const e = engineOver();
    await e.start(recordingSink());
    await rm(sys.root, { recursive: true });
    const failure = await e.requestUpdate().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({ kind: 'InterfaceLookupError' });
    expect((failure as Error).message).toContain(sys.root);
  });
});

describe('what the engine cannot do', () => {
  it('refuses connect and disconnect as OperationNotSupported', async () => {
    await sys.set('eth0', upEthernet);
    const e = engineOver();
    await e.start(recordingSink());
    const signal = new AbortController().signal;
    for (const attempt of [
      e.connect('generic:eth0', { signal }),
      e.disconnect('generic:eth0', { signal, mode: 'stop' }),
      e.disconnect('generic:eth0', { signal, mode: 'release' }),
    ]) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EngineError);
      expect(error).toMatchObject({
        kind: 'OperationNotSupported',
        error: 'OperationNotSupportedError',
      });
    }
  });

  it('refuses a second start and updates outside its lifetime', async () => {
    const e = engineOver();
    await expect(e.requestUpdate()).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    await e.start(recordingSink());
    await expect(e.start(recordingSink())).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    await e.dispose();
    await expect(e.requestUpdate()).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    await e.dispose();
  });

  it('rejects options it cannot run with', () => {
    const bad: unknown[] = [
      { watch: 'sometimes' },
      { debounceMs: -1 },
      { pollIntervalMs: { min: 10, max: 5 } },
      { sysfsRoot: '' },
      { ipCommand: 'ip\0rm' },
      { interfaces: 'eth0' },
    ];
    for (const options of bad) {
      expect(() => createGenericEngine(options as GenericEngineOptions)).toThrow(
        InvalidArgumentError,
      );
    }
  });
});

describe('without sysfs', () => {
  it('falls back to os.networkInterfaces() on other platforms', async () => {
    addresses = {
      lo0: ['127.0.0.1', '::1'],
      en0: ['fe80::1', '192.168.0.3'],
      awdl0: ['fe80::2'],
      utun3: ['fe80::3'],
    };
    const sink = recordingSink();
    const e = engineOver({ platform: 'darwin', sysfsRoot: '/nonexistent' });
    expect(e.capabilities()).toEqual([]);
    const list = await e.start(sink);
    expect(list.map((c) => [c.name, c.state, c.bearerType, c.virtual])).toEqual([
      ['awdl0', 'Discovered', 'Unknown', true],
      ['en0', 'Active', 'Unknown', false],
      ['utun3', 'Discovered', 'Unknown', true],
    ]);
    expect(e.statistics?.('generic:en0')).toBeUndefined();
    expect(e.defaultConfiguration?.()).toBeNull();

    delete addresses.en0;
    await e.requestUpdate();
    expect(sink.events).toEqual([['removed', 'generic:en0']]);
  });

  it('falls back to os.networkInterfaces() on Linux when /sys/class/net is hidden', async () => {
    addresses = { eth0: ['10.0.0.5'] };
    const e = engineOver({ sysfsRoot: join(sys.base, 'hidden') });
    expect(e.capabilities()).toEqual(['DataStatistics']);
    const list = await e.start(recordingSink());
    expect(list.map((c) => [c.identifier, c.state])).toEqual([['generic:eth0', 'Active']]);
    expect(e.capabilities()).toEqual([]);
  });
});

describe('watching', () => {
  const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

  it('with watch: false leaves no timer and no process behind', async () => {
    await sys.set('eth0', upEthernet);
    const before = [count('Timeout'), count('ProcessWrap')];
    const e = engineOver({ watch: false });
    await e.start(recordingSink());
    expect(e.watching).toBe('none');
    expect([count('Timeout'), count('ProcessWrap')]).toEqual(before);
  });

  it('polls when there is no ip command, and reports what changed by itself', async () => {
    await sys.set('eth0', upEthernet);
    const sink = recordingSink();
    const e = engineOver({
      watch: true,
      ipCommand: join(sys.base, 'no-ip-here'),
      pollIntervalMs: { min: 20, max: 40 },
    });
    await e.start(sink);
    await vi.waitFor(() => expect(e.watching).toBe('poll')); // on the turn after start
    await sys.set('eth1', upEthernet);
    await vi.waitFor(() => expect(sink.events).toEqual([['added', 'generic:eth1', 'Discovered']]), {
      timeout: 2000,
    });
    await e.dispose();
    expect(e.watching).toBe('none');
  });

  it('polls on other platforms rather than trying an ip command there', async () => {
    const ip = join(sys.base, 'ip');
    await writeFile(ip, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const e = engineOver({ watch: true, platform: 'darwin', ipCommand: ip });
    await e.start(recordingSink());
    await vi.waitFor(() => expect(e.watching).toBe('poll')); // on the turn after start
  });

  /** A stand-in for `ip` that records its pid, then says nothing. */
  async function quietIp(): Promise<{ ip: string; pid: () => number | undefined }> {
    const ip = await fakeIp(sys.base, 'ip', 'exec sleep 30');
    const pid = () =>
      existsSync(`${ip}.pid`) ? Number(readFileSync(`${ip}.pid`, 'utf8')) : undefined;
    return { ip, pid };
  }
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs no ip monitor while nobody listens (core says so once it has started)', async () => {
    await sys.set('eth0', upEthernet);
    const { ip, pid } = await quietIp();
    const before = count('ProcessWrap');
    const e = engineOver({ watch: true, ipCommand: ip });
    await e.start(recordingSink());
    e.watch?.(false); // what core does right after every engine has started
    await pause(300);
    expect(pid()).toBeUndefined();
    expect(e.watching).toBe('none');
    expect(count('ProcessWrap')).toBe(before);

    e.watch?.(true);
    await vi.waitFor(() => expect(e.watching).toBe('monitor'));
    const first = pid();
    expect(alive(first)).toBe(true);
    e.watch?.(false);
    expect(e.watching).toBe('none');
    await vi.waitFor(() => expect(alive(first)).toBe(false));
    await vi.waitFor(() => expect(count('ProcessWrap')).toBe(before));

    e.watch?.(true);
    await vi.waitFor(() => expect(e.watching).toBe('monitor'));
    const second = pid();
    expect(second).not.toBe(first);
    await e.dispose();
    expect(alive(second)).toBe(false);
    expect(e.watching).toBe('none');
  });

  it('watches from the start when nobody says otherwise (no core)', async () => {
    await sys.set('eth0', upEthernet);
    const { ip, pid } = await quietIp();
    const e = engineOver({ watch: true, ipCommand: ip });
    await e.start(recordingSink());
    await vi.waitFor(() => expect(e.watching).toBe('monitor'));
    expect(alive(pid())).toBe(true);
    await e.dispose();
  });

  it('while nobody listens, reads again on requestUpdate, on a stale read, and when someone listens', async () => {
    await sys.set('eth0', upEthernet);
    await sys.set('eth1', upEthernet);
    const { ip } = await quietIp();
    const sink = recordingSink();
    const e = engineOver({ watch: true, ipCommand: ip, debounceMs: 20 });
    await e.start(sink);
    e.watch?.(false);
    expect(e.defaultConfiguration?.()).toBeNull();

    // The route table is read at the call; the rest follows on a reading it starts.
    await sys.routes(ipv4DefaultRoutes('eth1'));
    await sys.write('eth0', 'operstate', 'down\n');
    await pause(50);
    expect(sink.events).toEqual([]);
    expect(e.defaultConfiguration?.()).toBe('generic:eth1');
    await vi.waitFor(() => expect(sink.events).toEqual([['changed', 'generic:eth0', 'Defined']]));

    await sys.remove('eth1');
    await e.requestUpdate();
    expect(sink.events.at(-1)).toEqual(['removed', 'generic:eth1']);

    // A listener gets what changed meanwhile at once, though the monitor says nothing.
    await sys.set('eth2', upEthernet);
    await pause(50);
    e.watch?.(true);
    await vi.waitFor(
      () => expect(sink.events.at(-1)).toEqual(['added', 'generic:eth2', 'Discovered']),
      {
        timeout: 200,
      },
    );
  });

  it('stops a start that is disposed halfway', async () => {
    const e = engineOver({ watch: 'poll' });
    const started = e.start(recordingSink());
    await e.dispose();
    await expect(started).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    expect(e.watching).toBe('none');
  });
});
