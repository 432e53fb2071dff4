/**
 * A session never takes away a network it did not bring up (issue 6, DESIGN "Reference
 * counting"): a link that was up before the process's first session opened it is joined, and
 * only stop() takes it down; a link the process brought up goes down on the last close where
 * the engine counts holders across processes (SystemSessionSupport).
 */
import { fullCapabilities, SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, drain } from '../support/drain.js';
import { EventRecorder } from '../support/event-recorder.js';

let managers: NetworkConfigurationManager[] = [];

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  for (const manager of managers) await manager.dispose();
  managers = [];
  vi.useRealTimers();
});

/** Two Wi-Fi networks: `user` is up before anything here runs, `spare` is only in reach. */
function world(options: ConstructorParameters<typeof SimulatedWorld>[0] = {}) {
  const w = new SimulatedWorld({ connectDelay: 100, disconnectDelay: 100, ...options });
  const user = w.addAccessPoint({ name: 'user', identifier: 'sim:user', active: true });
  const spare = w.addAccessPoint({ name: 'spare', identifier: 'sim:spare' });
  return { w, user, spare };
}

async function process(w: SimulatedWorld): Promise<NetworkConfigurationManager> {
  const manager = await NetworkConfigurationManager.create({ engines: [w.engine()] });
  managers.push(manager);
  return manager;
}

async function opened(manager: NetworkConfigurationManager, id: string) {
  const session = new NetworkSession(manager.configurationFromIdentifier(id));
  session.open();
  await advance(1_000);
  expect(session.isOpen()).toBe(true);
  return session;
}

/** Opens a session with a roaming listener and brings it to newConfigurationActivated. */
async function roamed(
  manager: NetworkConfigurationManager,
  w: SimulatedWorld,
  from: string,
  to: string,
) {
  const session = new NetworkSession(manager.configurationFromIdentifier(from));
  const rec = new EventRecorder().watch('s', session);
  session.on('preferredConfigurationChanged', () => session.migrate());
  session.open();
  await advance(1_000);
  expect(session.isOpen()).toBe(true);
  w.offerBetter(from, to);
  await advance(1_000);
  expect(rec.of('s')).toContain('newConfigurationActivated');
  return session;
}

describe('joined links stay up', () => {
  it('open and close on a link the user brought up leave it up, Connected', async () => {
    const { w, user } = world();
    const manager = await process(w);
    const session = await opened(manager, user);
    session.close();
    await advance(1_000);
    expect([session.isOpen(), session.state()]).toEqual([false, 'Connected']);
    expect(w.state(user)).toBe('Active');
    expect(w.holderCount(user)).toBe(0);
  });

  it('accept() moving away from a joined link leaves it up', async () => {
    const { w, user, spare } = world();
    const session = await roamed(await process(w), w, user, spare);
    session.accept();
    await advance(1_000);
    expect(session.sessionProperty('ActiveConfiguration')).toBe(spare);
    expect(w.state(user)).toBe('Active');
    session.close();
    await advance(1_000);
    // The roam brought spare up: it goes down with the last close.
    expect([w.state(spare), w.state(user)]).toEqual(['Discovered', 'Active']);
  });

  it('reject() of a roam to a joined link leaves it up; accept() away from an owned one takes that down', async () => {
    const { w, user, spare } = world();
    const manager = await process(w);
    const rejecting = await roamed(manager, w, spare, user);
    rejecting.reject();
    await advance(1_000);
    expect(rejecting.sessionProperty('ActiveConfiguration')).toBe(spare);
    expect([w.state(spare), w.state(user)]).toEqual(['Active', 'Active']);
    rejecting.close();
    await advance(1_000);
    expect([w.state(spare), w.state(user)]).toEqual(['Discovered', 'Active']);

    const accepting = await roamed(manager, w, spare, user);
    accepting.accept();
    await advance(1_000);
    expect([w.state(spare), w.state(user)]).toEqual(['Discovered', 'Active']);
  });

  it('stop() is the one way to take a joined link down', async () => {
    const { w, user } = world();
    const manager = await process(w);
    const session = await opened(manager, user);
    session.stop();
    await advance(1_000);
    expect(w.state(user)).toBe('Discovered');
    expect(session.isOpen()).toBe(false);
  });

  it('a link that comes up while nobody here holds it is joined, even if the process brought it up before', async () => {
    const { w, spare } = world();
    const manager = await process(w);
    const mine = await opened(manager, spare);
    mine.close();
    await advance(1_000);
    expect(w.state(spare)).toBe('Discovered');
    w.activate(spare); // the user now brings it up
    await drain();
    const again = await opened(manager, spare);
    again.close();
    await advance(1_000);
    expect(w.state(spare)).toBe('Active');
  });
});

describe('owned links go down on the last close, where holders are counted everywhere', () => {
  it('the last close takes down a link the process brought up', async () => {
    const { w, spare } = world();
    const manager = await process(w);
    const first = await opened(manager, spare);
    const second = await opened(manager, spare);
    first.close();
    await advance(1_000);
    expect(w.state(spare)).toBe('Active');
    second.close();
    await advance(1_000);
    expect([w.state(spare), second.state()]).toEqual(['Discovered', 'Disconnected']);
  });

  it('across processes: A brings it up, B joins, A closes (stays up), B closes (goes down)', async () => {
    const { w, spare } = world();
    const a = await opened(await process(w), spare);
    const b = await opened(await process(w), spare);
    expect(w.holderCount(spare)).toBe(2);
    a.close();
    await advance(1_000);
    expect([w.state(spare), b.isOpen(), b.state()]).toEqual(['Active', true, 'Connected']);
    b.close();
    await advance(1_000);
    expect(w.state(spare)).toBe('Discovered');
    expect(w.holderCount(spare)).toBe(0);
  });

  it('across processes on a joined link: nobody takes it down', async () => {
    const { w, user } = world();
    const a = await opened(await process(w), user);
    const b = await opened(await process(w), user);
    a.close();
    b.close();
    await advance(1_000);
    expect(w.state(user)).toBe('Active');
  });

  it('without SystemSessionSupport a close never stops a link (Qt: stop() has to be used)', async () => {
    const capabilities = fullCapabilities.filter((c) => c !== 'SystemSessionSupport');
    const { w, spare } = world({ capabilities });
    const manager = await process(w);
    const session = await opened(manager, spare);
    session.close();
    await advance(1_000);
    expect([session.isOpen(), session.state(), w.state(spare)]).toEqual([
      false,
      'Connected',
      'Active',
    ]);
    const stopper = await opened(manager, spare);
    stopper.stop();
    await advance(1_000);
    expect(w.state(spare)).toBe('Discovered');
  });
});
