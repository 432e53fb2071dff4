import { execFile, spawn } from 'node:child_process';
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

  it('open --stop on the generic engine, which cannot stop a link, exits 1 at once with the error', async () => {
    const { stdout } = await run(process.execPath, [cli, 'list', '--json', '--engine', 'generic'], {
      timeout: 20_000,
    });
    const up = (JSON.parse(stdout).configurations as Array<{ identifier: string; state: string }>)
      .filter((c) => c.state === 'Active')
      .map((c) => c.identifier);
    // Fails, not skips, on a machine with no interface up: the case cannot be shown there.
    expect(up, 'an Active interface on this machine').not.toEqual([]);
    const started = performance.now();
    const failure = await run(
      process.execPath,
      [cli, 'open', up[0]!, '--engine', 'generic', '--hold', '100', '--stop'],
      { timeout: 25_000 },
    ).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^netbearer: OperationNotSupportedError: .+\n$/);
    expect(failure.stdout).toMatch(/state: Closing\nstate: Connected\n$/);
    expect(failure.stdout).not.toMatch(/stopped/);
  });

  it('prints usage on stderr and exits 2 for an unknown command', async () => {
    const failure = await run(process.execPath, [cli, 'frobnicate'], { timeout: 20_000 }).catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage: netbearer/);
  });

  /** Runs the command until a line matches, then sends a signal; resolves with the end. */
  function runUntil(args: string[], line: RegExp, signal: NodeJS.Signals) {
    return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no ${line} in time: ${out}`));
      }, 20_000);
      child.stdout.on('data', (chunk) => {
        const before = out;
        out += chunk;
        if (!line.test(before) && line.test(out)) child.kill(signal);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  it('holds an opened session until SIGTERM, then closes it and exits 0', async () => {
    const { code, out } = await runUntil(
      ['open', 'Mobile', '--engine', 'simulated'],
      /opened on/,
      'SIGTERM',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/opened on sim:mobile via wwan0\n[\s\S]*closed\n$/);
  });

  it('watches until Ctrl-C and exits 0', async () => {
    const { code, out } = await runUntil(
      ['watch', '--json', '--engine', 'simulated'],
      /watching/,
      'SIGINT',
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.trim().split('\n')[0]!)).toMatchObject({
      event: 'watching',
      engine: 'simulated',
    });
  });

  it('ends quietly, exit 0, when its reader has gone away (netbearer list | head)', async () => {
    const child = spawn(process.execPath, [cli, 'list', '--engine', 'simulated'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).not.toMatch(/EPIPE|Unhandled|Error/);
    expect(code).toBe(0);
  });
});
