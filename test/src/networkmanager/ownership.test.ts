/**
 * On a real NetworkManager: a session never takes away a profile it did not bring up. A
 * profile the user activated (nmcli) before netbearer touched it is joined and stays up after
 * open/close, after a roam away from it, and after a roam to it is rejected; a profile the
 * sessions brought up goes down with their last close.
 */
import { type NetworkConfiguration, NetworkSession } from '@netbearer/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { waitUntil, within } from '../support/wait.js';

/** Whether NetworkManager itself lists the profile among its active connections. */
async function isActive(sandbox: NmSandbox, name: string): Promise<boolean> {
  const out = await sandbox.nmcli('-t', '-f', 'NAME', 'connection', 'show', '--active');
  return out.split('\n').includes(name);
}

async function open(configuration: NetworkConfiguration): Promise<NetworkSession> {
  const session = new NetworkSession(configuration);
  session.open();
  expect(await session.waitForOpened(20_000)).toBe(true);
  return session;
}

async function closed(session: NetworkSession): Promise<void> {
  const done = new Promise<void>((resolve) => session.once('closed', () => resolve()));
  session.close();
  await within(done, 10_000, 'closed');
}

describe('NetworkManager: joined profiles stay up, owned ones go down', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let byName: (name: string) => NetworkConfiguration;

  beforeAll(async () => {
    ({ sandbox } = await nm.start({ links: 2 }));
    await sandbox.addDhcpProfile('userwired', 0);
    await sandbox.addDhcpProfile('appwired', 1);
    await sandbox.nmcli('connection', 'up', 'userwired'); // the user's own, before any app
    const manager = await nm.createManager();
    byName = (name) => {
      const found = manager.allConfigurations().find((c) => c.name() === name);
      if (!found) throw new Error(`no configuration named ${name}`);
      return found;
    };
    await waitUntil(() => byName('userwired').state() === 'Active', 'userwired to read Active', {
      timeoutMs: 10_000,
    });
  }, 60_000);

  it('open and close on the user profile leave it up; the session ends Connected', async () => {
    const userwired = byName('userwired');
    const session = await open(userwired);
    await closed(session);
    // Give a wrong deactivation every chance to show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await isActive(sandbox, 'userwired')).toBe(true);
    expect([session.state(), userwired.state()]).toEqual(['Connected', 'Active']);
    session.dispose();
  }, 60_000);

  it('a profile the sessions brought up goes down with the last close', async () => {
    const appwired = byName('appwired');
    expect(appwired.state()).toBe('Discovered');
    const first = await open(appwired);
    const second = await open(appwired);
    await closed(first);
    expect(await isActive(sandbox, 'appwired')).toBe(true);
    await closed(second);
    await expect.poll(() => isActive(sandbox, 'appwired'), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => second.state(), { timeout: 10_000 }).toBe('Disconnected');
    first.dispose();
    second.dispose();
  }, 60_000);

  it('stop() takes even the user profile down', async () => {
    const userwired = byName('userwired');
    const session = await open(userwired);
    session.stop();
    await expect.poll(() => isActive(sandbox, 'userwired'), { timeout: 10_000 }).toBe(false);
    session.dispose();
    await sandbox.nmcli('connection', 'up', 'userwired');
    await expect.poll(() => userwired.state(), { timeout: 10_000 }).toBe('Active');
  }, 60_000);
});

describe('NetworkManager: roaming away from and back to the user profile', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let low: NetworkConfiguration;
  let high: NetworkConfiguration;

  beforeAll(async () => {
    ({ sandbox, low, high } = await nm.startPreferredPair({ low: 'userlow', high: 'apphigh' }));
  }, 60_000);

  /** A session on `from`, offered a roam by `plugIn`, migrated after `meanwhile`. */
  async function roamed(
    from: NetworkConfiguration,
    plugIn: () => Promise<void>,
    meanwhile: () => Promise<void> = async () => {},
  ) {
    const session = await open(from);
    const offered = new Promise<void>((resolve) =>
      session.once('preferredConfigurationChanged', () => resolve()),
    );
    const activated = new Promise<void>((resolve) =>
      session.once('newConfigurationActivated', () => resolve()),
    );
    await plugIn();
    await within(offered, 20_000, 'preferredConfigurationChanged');
    await meanwhile();
    session.migrate();
    await within(activated, 20_000, 'newConfigurationActivated');
    return session;
  }

  it('accept() away from the user profile leaves it up; the profile the roam brought up goes down on close', async () => {
    await sandbox.nmcli('connection', 'up', 'userlow');
    await expect.poll(() => low.state(), { timeout: 10_000 }).toBe('Active');
    const session = await roamed(low, () => sandbox.linkUp(1));
    session.accept();
    await expect.poll(() => session.state(), { timeout: 10_000 }).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe(high.identifier());
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await isActive(sandbox, 'userlow')).toBe(true);
    await closed(session);
    await expect.poll(() => isActive(sandbox, 'apphigh'), { timeout: 10_000 }).toBe(false);
    expect(await isActive(sandbox, 'userlow')).toBe(true);
    session.dispose();
  }, 90_000);

  it('reject() of a roam to a profile the user brought up leaves it up', async () => {
    await sandbox.linkDown(1);
    await expect.poll(() => high.state(), { timeout: 10_000 }).toBe('Defined');
    const session = await roamed(
      low,
      () => sandbox.linkUp(1),
      // While the offer waits, the user brings the better one up: migrate joins it.
      () => sandbox.nmcli('connection', 'up', 'apphigh').then(() => {}),
    );
    session.reject();
    await expect.poll(() => session.state(), { timeout: 10_000 }).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe(low.identifier());
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await isActive(sandbox, 'apphigh')).toBe(true);
    await closed(session);
    session.dispose();
  }, 90_000);
});
