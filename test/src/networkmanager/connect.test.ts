import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { EngineError, type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile, addIpv6OnlyProfile } from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import type { RecordingSink } from '../support/recording-sink.js';

describe('NetworkManager engine: connect and disconnect on a real NetworkManager', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let wired0: string;
  let wired1: string;
  let elsewhere: string;
  let slow: string;
  let failing: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2 }));
    wired0 = id(
      await addEthernetProfile(bus, { name: 'wired-0', interfaceName: sandbox.linkName(0) }),
    );
    wired1 = id(
      await addEthernetProfile(bus, { name: 'wired-1', interfaceName: sandbox.linkName(1) }),
    );
    elsewhere = id(
      await addEthernetProfile(bus, { name: 'elsewhere', interfaceName: 'nosuchnic0' }),
    );
    // IPv6-only: activating waits for router advertisements the router never sends, then fails.
    const link1 = { interfaceName: sandbox.linkName(1) };
    slow = id(await addIpv6OnlyProfile(bus, { name: 'slow', ...link1 }, 60));
    failing = id(await addIpv6OnlyProfile(bus, { name: 'failing', ...link1 }, 1));
    ({ engine, sink } = await nm.startEngine());
  }, 60_000);

  /** An aborted connect on link 1: it rejects, and the device and the profile are back down. */
  async function expectRolledBack(attempt: Promise<unknown>, identifier: string): Promise<void> {
    await expect(attempt).rejects.toMatchObject({ kind: 'ConnectError' });
    await expect.poll(() => sandbox.deviceState(1), { timeout: 5_000 }).toMatch(/^30 /);
    expect(sink.current.get(identifier)?.state).toBe('Discovered');
  }

  it('activates a profile: Active with its interface, after the sink heard it, and default', async () => {
    const from = sink.mark();
    await engine.connect(wired0, { signal: noAbort() });
    const active = sink.events
      .slice(from)
      .find(
        (e) =>
          e.type === 'changed' &&
          e.configuration.identifier === wired0 &&
          e.configuration.state === 'Active',
      );
    expect(active, sink.describe(from)).toBeDefined();
    expect(sink.current.get(wired0)).toMatchObject({
      state: 'Active',
      interfaceName: sandbox.linkName(0),
    });
    expect(engine.defaultConfiguration()).toBe(wired0);
    expect(engine.activeSince(wired0)).toBeGreaterThan(Date.now() - 10_000);
    expect(await sandbox.nmcli('-g', 'IP4.ADDRESS', 'device', 'show', sandbox.linkName(0))).toMatch(
      /^10\.231\.1\./,
    );
  }, 20_000);

  it('connect on an already active configuration resolves at once', async () => {
    const from = sink.mark();
    await engine.connect(wired0, { signal: noAbort() });
    expect(sink.events.slice(from)).toEqual([]);
  });

  it('deactivates it: back to Discovered, no interface, no default', async () => {
    const from = sink.mark();
    await engine.disconnect(wired0, { signal: noAbort(), mode: 'release' });
    expect(sink.current.get(wired0)).toMatchObject({ state: 'Discovered', interfaceName: null });
    expect(engine.defaultConfiguration()).toBeNull();
    expect(sink.describe(from)).toContain('wired-0=Discovered');
    await engine.disconnect(wired0, { signal: noAbort(), mode: 'stop' });
  }, 20_000);

  it('rejects with ConnectError when NetworkManager cannot activate the profile', async () => {
    const failure = await engine.connect(elsewhere, { signal: noAbort() }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({ kind: 'ConnectError', error: 'UnknownSessionError' });
    expect((failure as Error).message).toContain('elsewhere');
  });

  it('rejects unknown identifiers without asking NetworkManager', async () => {
    await expect(
      engine.connect('networkmanager:no-such-uuid', { signal: noAbort() }),
    ).rejects.toMatchObject({
      kind: 'ConnectError',
    });
    await expect(
      engine.connect('networkmanager:wifi:4142', { signal: noAbort() }),
    ).rejects.toMatchObject({
      kind: 'OperationNotSupported',
    });
  });

  it('rejects with the reason NetworkManager gives when an activation fails on the way', async () => {
    const failure = await engine.connect(failing, { signal: noAbort() }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: 'ConnectError' });
    expect((failure as Error).message).toMatch(/"failing".*IP configuration/);
    expect(sink.current.get(failing)?.state).toBe('Discovered');
  }, 20_000);

  it('aborting a connect that is under way deactivates it', async () => {
    const controller = new AbortController();
    const attempt = engine.connect(slow, { signal: controller.signal });
    await expect.poll(() => sandbox.deviceState(1), { timeout: 5_000 }).toMatch(/^70 /);
    controller.abort(new Error('user gave up'));
    await expectRolledBack(attempt, slow);
  }, 20_000);

  it('an aborted connect rejects and rolls the activation back', async () => {
    const controller = new AbortController();
    const attempt = engine.connect(wired1, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expectRolledBack(attempt, wired1);
  }, 20_000);

  it('reports link loss while active as Defined, and the link coming back', async () => {
    await engine.connect(wired1, { signal: noAbort() });
    const from = sink.mark();
    await sandbox.linkDown(1);
    await sink.waitForState(wired1, 'Defined', { from });
    await sandbox.linkUp(1);
    await sink.waitForState(wired1, 'Discovered', { from });
  }, 20_000);
});

describe('NetworkManager engine under core: a session opens and closes a real link', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let manager: NetworkConfigurationManager;
  let identifier: string;

  beforeAll(async () => {
    let bus: MessageBus;
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    identifier = id(
      await addEthernetProfile(bus, { name: 'session-link', interfaceName: sandbox.linkName(0) }),
    );
    bus.disconnect();
    manager = await nm.createManager();
  }, 60_000);

  it('open() brings the link up, close() brings it down', async () => {
    const configuration = manager.configurationFromIdentifier(identifier);
    expect(configuration.state()).toBe('Discovered');
    const session = new NetworkSession(configuration);
    const states: string[] = [];
    session.on('stateChanged', (state) => states.push(state));
    session.open();
    expect(await session.waitForOpened(15_000)).toBe(true);
    expect(session.state()).toBe('Connected');
    expect(configuration.state()).toBe('Active');
    expect(session.interface()?.name).toBe(sandbox.linkName(0));
    expect(manager.isOnline()).toBe(true);

    const closed = new Promise<void>((resolve) => session.once('closed', () => resolve()));
    session.close();
    await closed;
    await expect.poll(() => configuration.state(), { timeout: 10_000 }).toBe('Discovered');
    expect(await sandbox.deviceState(0)).toMatch(/^30 /);
    expect(states).toContain('Connecting');
    expect(states).toContain('Connected');
    session.dispose();
  }, 30_000);
});
