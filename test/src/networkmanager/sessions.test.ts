import type { NetworkConfiguration } from '@netbearer/core';
import { NetworkSession } from '@netbearer/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { within } from '../support/wait.js';

/** Records a session's public events as 'closed', 'error SessionAbortedError', … */
function record(session: NetworkSession): string[] {
  const seen: string[] = [];
  session.on('opened', () => seen.push('opened'));
  session.on('closed', () => seen.push('closed'));
  session.on('error', (e) => seen.push(`error ${e}`));
  return seen;
}

async function opened(configuration: NetworkConfiguration): Promise<NetworkSession> {
  const session = new NetworkSession(configuration);
  session.open();
  expect(await session.waitForOpened(15_000)).toBe(true);
  return session;
}

const event = (session: NetworkSession, name: 'closed' | 'newConfigurationActivated') =>
  new Promise<void>((resolve) => session.once(name, () => resolve()));

/** Sessions of one process on a real NetworkManager: counting, stop, loss, roaming back. */
describe('NetworkManager under core: several sessions, stop, link loss, roaming rejected', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let shared: NetworkConfiguration;
  let better: NetworkConfiguration;

  beforeAll(async () => {
    ({
      sandbox,
      low: shared,
      high: better,
    } = await nm.startPreferredPair({ low: 'shared', high: 'better' }));
  }, 60_000);

  it('the link stays up while any session holds it; the last close brings it down', async () => {
    const first = await opened(shared);
    const second = await opened(shared);
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(shared.state()).toBe('Active');
    expect(await sandbox.deviceState(0)).toMatch(/^100 /);
    expect(second.isOpen()).toBe(true);
    const closed = event(second, 'closed');
    second.close();
    await within(closed, 10_000, 'closed');
    await expect.poll(() => shared.state(), { timeout: 10_000 }).toBe('Discovered');
    expect(await sandbox.deviceState(0)).toMatch(/^30 /);
    first.dispose();
    second.dispose();
  }, 60_000);

  it('stop() takes the link down for every session on it, each told SessionAbortedError', async () => {
    const first = await opened(shared);
    const second = await opened(shared);
    const [a, b] = [record(first), record(second)];
    const bothClosed = Promise.all([event(first, 'closed'), event(second, 'closed')]);
    second.stop();
    await within(bothClosed, 10_000, 'closed on both sessions');
    await expect.poll(() => a.concat(b).filter((e) => e.startsWith('error')).length).toBe(2);
    expect(a).toEqual(['closed', 'error SessionAbortedError']);
    expect(b).toEqual(['closed', 'error SessionAbortedError']);
    await expect.poll(() => shared.state(), { timeout: 10_000 }).toBe('Discovered');
    first.dispose();
    second.dispose();
  }, 60_000);

  it('a cable pulled under an open session ends it; plugged back, it opens again', async () => {
    const session = await opened(shared);
    const seen = record(session);
    const closed = event(session, 'closed');
    await sandbox.linkDown(0);
    await within(closed, 15_000, 'closed after the link went down');
    await expect.poll(() => seen.length).toBe(2);
    expect(seen).toEqual(['closed', 'error SessionAbortedError']);
    // No carrier: the profile cannot be activated anywhere, so the session is NotAvailable.
    await expect.poll(() => session.state(), { timeout: 10_000 }).toBe('NotAvailable');
    await sandbox.linkUp(0);
    await expect.poll(() => shared.state(), { timeout: 15_000 }).toBe('Discovered');
    expect(session.state()).toBe('Disconnected');
    session.open();
    expect(await session.waitForOpened(15_000)).toBe(true);
    session.close();
    await expect.poll(() => shared.state(), { timeout: 10_000 }).toBe('Discovered');
    session.dispose();
  }, 60_000);

  it('a better link offered, migrated to, then rejected: back on the old one, the new released', async () => {
    const session = await opened(shared);
    const offered = new Promise<NetworkConfiguration>((resolve) =>
      session.once('preferredConfigurationChanged', (configuration) => resolve(configuration)),
    );
    await sandbox.linkUp(1);
    expect((await within(offered, 15_000, 'preferredConfigurationChanged')).identifier()).toBe(
      better.identifier(),
    );
    const activated = event(session, 'newConfigurationActivated');
    session.migrate();
    await within(activated, 15_000, 'newConfigurationActivated');
    expect(better.state()).toBe('Active');
    session.reject();
    expect(session.state()).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe(shared.identifier());
    await expect.poll(() => better.state(), { timeout: 10_000 }).toBe('Discovered');
    expect(shared.state()).toBe('Active');
    expect(session.interface()?.name).toBe(sandbox.linkName(0));
    session.close();
    await expect.poll(() => shared.state(), { timeout: 10_000 }).toBe('Discovered');
    session.dispose();
  }, 60_000);
});
