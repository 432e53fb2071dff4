import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile } from '../support/nm-dbus.js';
import { nmId as id, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';

const support = (file: string) => fileURLToPath(new URL(`../support/${file}`, import.meta.url));

/** The engine in a child process running as `nobody`: D-Bus takes the uid from the socket. */
function runAsNobody(args: readonly string[]): Promise<Record<string, unknown>> {
  const argv = [
    '-u',
    'nobody',
    '--',
    process.execPath,
    '--import',
    support('ts-register.mjs'),
    support('nm-engine-child.ts'),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'runuser',
      argv,
      { timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`child failed: ${error?.message ?? ''}\n${stderr}\n${stdout}`));
        }
      },
    );
  });
}

describe('NetworkManager engine: a user NetworkManager does not authorize', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let idle: string;
  let active: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 2, auth: 'root-only' }));
    idle = id(await addEthernetProfile(bus, { name: 'idle', interfaceName: sandbox.linkName(0) }));
    active = id(
      await addEthernetProfile(bus, { name: 'active', interfaceName: sandbox.linkName(1) }),
    );
    await sandbox.nmcli('--wait', '10', 'connection', 'up', 'active');
  }, 60_000);

  it('sees the configurations but gets PermissionDenied for connect and disconnect', async () => {
    const result = await runAsNobody([sandbox.busAddress, idle, active]);
    expect(result.uid).toBe(65534);
    expect(result.started).toEqual({ ok: true });
    expect(result.connect).toMatchObject({
      ok: false,
      name: 'EngineError',
      kind: 'PermissionDenied',
      error: 'OperationNotSupportedError',
    });
    expect(String((result.connect as { message: string }).message)).toMatch(/not authorized/i);
    expect(result.disconnect).toMatchObject({ ok: false, kind: 'PermissionDenied' });
    expect(result.session).toMatchObject({ ok: false, error: 'OperationNotSupportedError' });
    expect(String((result.session as { message: string }).message)).toMatch(/not authorized/i);
    // Nothing changed for real: the idle link stayed down, the active one up.
    expect(await sandbox.deviceState(0)).toMatch(/^30 /);
    expect(await sandbox.deviceState(1)).toMatch(/^100 /);
  }, 40_000);
});
