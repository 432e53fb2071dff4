import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../../netbearer/dist/cli.js', import.meta.url));
const run = promisify(execFile);

/** The built command, as a user runs it: a separate process, this machine's interfaces. */
describe('the netbearer command on this machine', () => {
  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: build first (npm test does, or pnpm build)`);
  });

  it('lists this machine on the detected engine, falling back to generic without NetworkManager', async () => {
    // A bus address where nothing listens: NetworkManager cannot answer, so auto picks generic.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/netbearer-test-bus',
    };
    delete env.NETBEARER_ENGINE;
    const { stdout } = await run(process.execPath, [cli, 'list', '--json'], {
      env,
      timeout: 20_000,
    });
    const list = JSON.parse(stdout);
    expect(list.engine).toEqual(['generic']);
    expect(list.configurations.length).toBeGreaterThan(0);
    expect(list.configurations.map((c: { interface: string }) => c.interface)).not.toContain('lo');
    for (const c of list.configurations) {
      expect(['Defined', 'Discovered', 'Active']).toContain(c.state);
      expect(c.identifier).toMatch(/^generic:/);
    }
  });

  it('prints usage on stderr and exits 2 for an unknown command', async () => {
    const failure = await run(process.execPath, [cli, 'frobnicate'], { timeout: 20_000 }).catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage: netbearer/);
  });
});
