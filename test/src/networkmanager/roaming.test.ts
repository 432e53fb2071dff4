import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { type NetworkConfiguration, NetworkSession } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile } from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import type { RecordingSink, SinkEvent } from '../support/recording-sink.js';
import { waitUntil, within } from '../support/wait.js';

const isPreferred = (e: SinkEvent): e is Extract<SinkEvent, { type: 'preferred' }> =>
  e.type === 'preferred';

describe('NetworkManager engine: application-level roaming by autoconnect-priority', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  let low: string;
  let high: string;
  let lower: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 3 }));
    low = id(
      await addEthernetProfile(bus, {
        name: 'low',
        interfaceName: sandbox.linkName(0),
        priority: 0,
      }),
    );
    high = id(
      await addEthernetProfile(bus, {
        name: 'high',
        interfaceName: sandbox.linkName(1),
        priority: 10,
      }),
    );
    lower = id(
      await addEthernetProfile(bus, {
        name: 'lower',
        interfaceName: sandbox.linkName(2),
        priority: -5,
      }),
    );
    await sandbox.linkDown(1);
    await sandbox.linkDown(2);
    ({ engine, sink } = await nm.startEngine());
    await waitUntil(
      () => sink.current.get(high)?.state === 'Defined',
      'the unplugged link to be Defined',
    );
    await engine.connect(low, { signal: noAbort() });
  }, 60_000);

  it('offers the better link when its cable is plugged in (not seamless: it is not up)', async () => {
    const from = sink.mark();
    await sandbox.linkUp(1);
    const offer = await sink.waitFor(isPreferred, 'a roaming offer', { from });
    expect(offer).toEqual({ type: 'preferred', from: low, to: high, seamless: false });
    expect(sink.current.get(high)?.state).toBe('Discovered');
  }, 15_000);

  it('offers it seamlessly once the better one is active as well', async () => {
    const from = sink.mark();
    await engine.connect(high, { signal: noAbort() });
    const offer = await sink.waitFor(isPreferred, 'a seamless roaming offer', { from });
    expect(offer).toEqual({ type: 'preferred', from: low, to: high, seamless: true });
  }, 15_000);

  it('offers nothing for a worse link coming up', async () => {
    await engine.disconnect(high, { signal: noAbort(), mode: 'release' });
    const from = sink.mark();
    await sandbox.linkUp(2);
    await sink.waitForState(lower, 'Discovered', { from });
    expect(sink.events.slice(from).filter(isPreferred)).toEqual([]);
  }, 15_000);
});

describe('NetworkManager engine under core: a session is offered the better link', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let low: NetworkConfiguration;
  let high: NetworkConfiguration;

  beforeAll(async () => {
    ({ sandbox, low: low, high: high } = await nm.startPreferredPair({ low: 'low', high: 'high' }));
  }, 60_000);

  it('preferredConfigurationChanged, migrate, newConfigurationActivated, accept', async () => {
    await expect.poll(() => high.state(), { timeout: 5_000 }).toBe('Defined');
    const session = new NetworkSession(low);
    session.open();
    expect(await session.waitForOpened(15_000)).toBe(true);

    const offered = new Promise<[NetworkConfiguration, boolean]>((resolve) =>
      session.once('preferredConfigurationChanged', (configuration, seamless) =>
        resolve([configuration, seamless]),
      ),
    );
    await sandbox.linkUp(1);
    const [configuration, seamless] = await within(
      offered,
      10_000,
      'preferredConfigurationChanged',
    );
    expect(configuration.identifier()).toBe(high.identifier());
    expect(seamless).toBe(false);
    expect(session.state()).toBe('Roaming');

    const activated = new Promise<void>((resolve) =>
      session.once('newConfigurationActivated', () => resolve()),
    );
    session.migrate();
    await within(activated, 15_000, 'newConfigurationActivated');
    expect(high.state()).toBe('Active');
    session.accept();
    await expect.poll(() => session.state(), { timeout: 5_000 }).toBe('Connected');
    await expect.poll(() => low.state(), { timeout: 10_000 }).toBe('Discovered');
    expect(session.sessionProperty('ActiveConfiguration')).toMatchObject({});
    expect(session.interface()?.name).toBe(sandbox.linkName(1));
    session.close();
    await expect.poll(() => high.state(), { timeout: 10_000 }).toBe('Discovered');
    session.dispose();
  }, 60_000);
});
