import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';

const cli = fileURLToPath(new URL('../../../netbearer/dist/cli.js', import.meta.url));
const run = promisify(execFile);
const hostile = 'Café "$(touch /tmp/pwned)" `id`\u001b[31m';

/** The built `netbearer` command as a user runs it, on a real (sandboxed) NetworkManager. */
describe('the netbearer command on NetworkManager', () => {
  const rig = useNmSandbox();
  let sandbox: NmSandbox;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm test does)`);
    ({ sandbox } = await rig.start({ links: 2 }));
    await sandbox.addDhcpProfile('uplink', 0);
    await sandbox.addDhcpProfile(hostile, 1);
    await sandbox.nmcli('connection', 'up', 'uplink');
    env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: sandbox.busAddress };
    delete env.NETBEARER_ENGINE;
  });

  it('list --json: detects NetworkManager and lists its profiles, states and default', async () => {
    const { stdout } = await run(process.execPath, [cli, 'list', '--json'], {
      env,
      timeout: 20_000,
    });
    const list = JSON.parse(stdout);
    expect(list.engine).toEqual(['networkmanager']);
    const byName = new Map(list.configurations.map((c: { name: string }) => [c.name, c]));
    expect(byName.get('uplink')).toMatchObject({
      type: 'InternetAccessPoint',
      state: 'Active',
      bearerType: 'Ethernet',
      interface: sandbox.linkName(0),
    });
    expect(byName.get(hostile)).toMatchObject({ state: 'Discovered' });
    const uplink = byName.get('uplink') as { identifier: string };
    expect(list.defaultConfiguration).toBe(uplink.identifier);
    expect(list.online).toBe(true);
    expect(list.reachability).not.toBeNull();
    expect(list.capabilities).toContain('CanStartAndStopInterfaces');
  });

  it('list: the table escapes what a hostile profile name would do to the terminal', async () => {
    const { stdout } = await run(process.execPath, [cli, 'list'], { env, timeout: 20_000 });
    expect(stdout).toContain('Café "$(touch /tmp/pwned)" `id`\\x1b[31m');
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toMatch(/engine: +networkmanager/);
  });

  it('open: activates the profile, holds it, deactivates it on close, exits 0', async () => {
    const { stdout } = await run(process.execPath, [cli, 'open', hostile, '--hold', '300'], {
      env,
      timeout: 30_000,
    });
    expect(stdout).toMatch(/state: Connecting\n[\s\S]*state: Connected\n[\s\S]*opened on /);
    expect(stdout.trim().endsWith('closed')).toBe(true);
    expect(await sandbox.deviceState(1)).toMatch(/^30 /); // disconnected again
    // The name went through listing, opening and closing: nothing ever ran it.
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it("open on the user's own connection leaves it up when the command exits", async () => {
    const { stdout } = await run(process.execPath, [cli, 'open', 'uplink', '--hold', '500'], {
      env,
      timeout: 30_000,
    });
    expect(stdout.trim().endsWith('closed')).toBe(true);
    const active = await sandbox.nmcli('-t', '-f', 'NAME', 'connection', 'show', '--active');
    expect(active.split('\n')).toContain('uplink');
    expect(await sandbox.deviceState(0)).toMatch(/^100 /); // still connected
  });

  it('open: a session error exits 1 with its name', async () => {
    const failure = await run(process.execPath, [cli, 'open', 'no-such-profile'], {
      env,
      timeout: 20_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^netbearer: InvalidConfigurationError: /,
    );
  });
});
