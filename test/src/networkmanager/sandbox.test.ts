import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deviceNames, managedObjects, nmName, nmPath, openBus } from '../support/nm-dbus.js';
import { type NmSandbox, startNmSandbox } from '../support/nm-sandbox.js';

/** What the host would show if the sandbox leaked: interfaces, routes, resolver, hostname. */
function hostFacts(): Record<string, string> {
  return {
    links: execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }),
    routes: execFileSync('ip', ['route'], { encoding: 'utf8' }),
    resolv: readFileSync('/etc/resolv.conf', 'utf8'),
    hostname: hostname(),
  };
}

describe('the NetworkManager sandbox', () => {
  let sandbox: NmSandbox | undefined;
  let bus: MessageBus | undefined;
  let before: Record<string, string>;

  beforeAll(async () => {
    before = hostFacts();
    sandbox = await startNmSandbox({ links: 2 });
    bus = openBus(sandbox.busAddress);
  }, 60_000);

  afterAll(async () => {
    bus?.disconnect();
    await sandbox?.stop();
  }, 30_000);

  it('runs a real NetworkManager that answers on the private bus', async () => {
    const [version] = await call(bus!, nmPath, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [
      nmName,
      'Version',
    ]);
    expect(String((version as { value: unknown }).value)).toMatch(/^\d+\.\d+/);
  });

  it('manages the sandbox veth links and nothing of the host', async () => {
    const names = deviceNames(await managedObjects(bus!));
    expect(names).toEqual(expect.arrayContaining([sandbox!.linkName(0), sandbox!.linkName(1)]));
    for (const host of before.links!.matchAll(/^\d+: ([^:@]+)/gm)) {
      if (host[1] !== 'lo') expect(names).not.toContain(host[1]);
    }
  });

  it('gets a DHCP lease on a link and loses the carrier when unplugged', async () => {
    const s = sandbox!;
    await s.addDhcpProfile('smoke', 0);
    await s.nmcli('--wait', '10', 'connection', 'up', 'smoke');
    const ip = await s.nmcli('-g', 'IP4.ADDRESS', 'device', 'show', s.linkName(0));
    expect(ip).toMatch(/^10\.231\.1\.1\d\d\/24/);
    await s.linkDown(0);
    await expect.poll(() => s.deviceState(0), { timeout: 5_000 }).toMatch(/^20 /);
    await s.linkUp(0);
  }, 30_000);

  it('leaves the host untouched after stop', async () => {
    bus?.disconnect();
    bus = undefined;
    await sandbox?.stop();
    expect(hostFacts()).toEqual(before);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(
      sandbox!.prefix,
    );
  }, 30_000);
});
