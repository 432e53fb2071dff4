import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, addIpv6OnlyProfile, openBus } from '../support/nm-dbus.js';
import { useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { RecordingSink } from '../support/recording-sink.js';
import { waitUntil } from '../support/wait.js';

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NetworkManager engine: idle costs nothing, dispose lets go', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;

  beforeAll(async () => {
    let bus: MessageBus;
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    await addEthernetProfile(bus, { name: 'idle', interfaceName: sandbox.linkName(0) });
    bus.disconnect();
  }, 60_000);

  it('holds one socket and no timer while idle, and nothing after dispose', async () => {
    await idle(100);
    const timers = count('Timeout');
    const pipes = count('PipeWrap');
    const engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    await engine.start(new RecordingSink());
    await idle(300);
    expect(count('Timeout')).toBe(timers);
    expect(count('PipeWrap')).toBe(pipes + 1);
    await engine.dispose();
    await waitUntil(() => count('PipeWrap') === pipes, 'the D-Bus socket to close', {
      timeoutMs: 5_000,
    });
    expect(count('Timeout')).toBe(timers);
  }, 20_000);

  it('requestUpdate re-reads without changing anything, and core reports updateCompleted', async () => {
    const engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    const manager = await NetworkConfigurationManager.create({ engines: [engine] });
    try {
      const before = manager.allConfigurations().map((c) => `${c.identifier()} ${c.state()}`);
      const events: string[] = [];
      manager.on('configurationChanged', (c) => events.push(`changed ${c.name()}`));
      manager.on('configurationAdded', (c) => events.push(`added ${c.name()}`));
      manager.on('configurationRemoved', (c) => events.push(`removed ${c.name()}`));
      const completed = new Promise<void>((resolve) =>
        manager.once('updateCompleted', () => resolve()),
      );
      await manager.updateConfigurations();
      await completed;
      expect(events).toEqual([]);
      expect(manager.allConfigurations().map((c) => `${c.identifier()} ${c.state()}`)).toEqual(
        before,
      );
    } finally {
      await manager.dispose();
    }
  }, 20_000);

  it('dispose rejects a pending connect instead of leaving it hanging', async () => {
    const bus = openBus(sandbox.busAddress);
    const uuid = await addIpv6OnlyProfile(
      bus,
      { name: 'never', interfaceName: sandbox.linkName(0) },
      60,
    );
    bus.disconnect();
    const engine = createNetworkManagerEngine({ busAddress: sandbox.busAddress });
    await engine.start(new RecordingSink());
    const pending = engine.connect(`networkmanager:${uuid}`, {
      signal: new AbortController().signal,
    });
    await idle(200);
    await engine.dispose();
    await expect(pending).rejects.toMatchObject({ kind: 'EngineUnavailable' });
    await sandbox.nmcli('connection', 'down', 'never').catch(() => '');
  }, 20_000);
});
