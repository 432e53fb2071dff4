import { execFile } from 'node:child_process';
import type { MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile } from '../support/nm-dbus.js';
import { nmId as id, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { type StagedChild, stageChild } from '../support/stage-child.js';

/**
 * The engine in a child process running as `nobody`: D-Bus takes the uid from the socket.
 * `nobody` may not be able to read the checkout (a clone under a 0700 directory), so the child
 * runs from a staged copy it can read.
 */
function runAsNobody(
  child: StagedChild,
  args: readonly string[],
): Promise<Record<string, unknown>> {
  const argv = ['-u', 'nobody', '--', process.execPath, child.entry, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'runuser',
      argv,
      {
        timeout: 30_000,
        cwd: child.dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
      },
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
  let child: StagedChild;

  beforeAll(async () => {
    child = await stageChild('test/src/support/nm-engine-child.ts');
    ({ sandbox, bus } = await nm.start({ links: 2, auth: 'root-only' }));
    idle = id(await addEthernetProfile(bus, { name: 'idle', interfaceName: sandbox.linkName(0) }));
    active = id(
      await addEthernetProfile(bus, { name: 'active', interfaceName: sandbox.linkName(1) }),
    );
    await sandbox.nmcli('--wait', '10', 'connection', 'up', 'active');
  }, 60_000);
  afterAll(() => child?.cleanup());

  it('sees the configurations but gets PermissionDenied for connect and disconnect', async () => {
    const result = await runAsNobody(child, [sandbox.busAddress, idle, active]);
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
