import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBundle } from './capture/bundle-reader.js';
import { type Host, type ManagerFactory, run } from './command-line.js';
import { createManager } from './create-manager.js';
import {
  createFakeRunnerEngine,
  fakeHelper,
  fakeNetsh,
  helperArgs,
  key,
  listArgs,
  scriptedRunner,
} from './testing/fake-runner-engine.js';
import { tempDirs } from './testing/temp-dirs.js';
import { recordingTerminal } from './testing/terminal.js';

const dirs = tempDirs('netbearer-cli-');
const tempDir = dirs.make;
afterEach(dirs.removeAll);

const terminal = (interrupted?: AbortSignal) =>
  recordingTerminal(interrupted, { SystemRoot: 'C:\\Windows' });

const create: ManagerFactory = (options) =>
  createManager({ ...options, runnerEngines: { netsh: createFakeRunnerEngine } });

const networks = Buffer.from(
  'SSID 1 : Home\r\n    BSSID 1                 : 00:1a:2b:3c:4d:5e\r\nSSID 2 : Office\r\n    BSSID 1                 : 00:1a:2b:3c:4d:99\r\n',
);

function windows(cwd: string): Host {
  return {
    platform: 'win32',
    cwd,
    runner: scriptedRunner({
      exec: {
        [key(fakeNetsh, listArgs)]: { stdout: networks },
        [key('C:\\Windows\\System32\\chcp.com', [])]: {
          stdout: Buffer.from('Active code page: 850\r\n'),
        },
      },
      streams: { [key(fakeHelper, helperArgs)]: [[5, 'Active Office']] },
    }),
  };
}

/** `netbearer capture` on the fake Windows, stopped by Ctrl-C after `ms`. */
async function capture(args: string[], ms = 250) {
  const cwd = await tempDir();
  const interrupt = new AbortController();
  const { t, out, err } = terminal(interrupt.signal);
  setTimeout(() => interrupt.abort(), ms);
  const code = await run(['capture', ...args], t, create, windows(cwd));
  return { code, out, err, cwd };
}

describe('netbearer capture', () => {
  it('records the engine into a redacted bundle and prints its path', async () => {
    const { code, out, err, cwd } = await capture(['--out', 'bundle']);
    expect(err.at(-1)).toBe('recorded 7 commands and 1 streams (redaction: macs)');
    expect(code).toBe(0);
    expect(out).toEqual([join(cwd, 'bundle')]);
    const bundle = await readBundle(out[0]!);
    expect(bundle.manifest).toMatchObject({
      format: 1,
      platform: 'win32',
      engine: 'fake',
      redaction: 'macs',
      seconds: 10,
      node: process.version,
    });
    expect(bundle.manifest.tool).toMatch(/^netbearer \d+\.\d+\.\d+/);
    // The listing, the Windows probes (code pages, build, UI language: missing on this fake
    // machine, and recorded so), then the update.
    expect(bundle.manifest.commands.map((c) => c.id)).toEqual([
      '0001-fake-netsh',
      '0002-reg',
      '0003-reg',
      '0004-reg',
      '0005-reg',
      '0006-powershell',
      '0007-fake-netsh',
    ]);
    expect(bundle.commands[1]!.result.spawnError).toBe('ENOENT');
    expect(bundle.streams[0]!.events.map((e) => e.bytes.toString())).toEqual(['Active Office']);
    const stdout = bundle.commands[0]!.result.stdout.toString('latin1');
    expect(stdout).toContain('SSID 1 : Home');
    expect(stdout).not.toContain('00:1a:2b:3c:4d:5e');
    const files = await readdir(out[0]!, { recursive: true });
    expect(files).toContain(join('commands', '0001-fake-netsh', 'stdout.bin'));
  });

  it('names a new directory by the time when --out is not given', async () => {
    const { code, out, cwd } = await capture(['--redact', 'none', '--seconds', '0'], 5_000);
    expect(code).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^${cwd}/netbearer-capture-\\d{4}-\\d\\d-\\d\\dT`));
    const bundle = await readBundle(out[0]!);
    expect(bundle.commands[0]!.result.stdout).toEqual(networks);
  });

  it('refuses a directory that is not empty', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'x'), 'mine');
    const { t, err } = terminal();
    expect(await run(['capture', '--out', cwd, '--seconds', '0'], t, create, windows(cwd))).toBe(1);
    expect(err[0]).toMatch(/^netbearer: InvalidArgumentError: .* is not empty/);
    expect(await readFile(join(cwd, 'x'), 'utf8')).toBe('mine');
  });

  it('says clearly that the Linux engines cannot be captured', async () => {
    const cwd = await tempDir();
    const { t, err } = terminal();
    const host = { ...windows(cwd), platform: 'linux' };
    expect(await run(['capture', '--seconds', '0'], t, create, host)).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^netbearer: InvalidArgumentError: On linux the engine is NetworkManager \(else generic\).*cannot be captured or replayed/,
      ),
    ]);
    expect(await readdir(cwd)).toEqual([]);
  });

  it.each([[['--redact', 'some']], [['--seconds', '-1']], [['--seconds', '1.5']], [['extra']]])(
    'netbearer capture %j exits 2 with usage',
    async (args) => {
      const { t, err } = terminal();
      expect(await run(['capture', ...args], t, create, windows(await tempDir()))).toBe(2);
      expect(err.join('\n')).toMatch(/usage: netbearer capture/);
    },
  );
});

describe('netbearer list and watch --replay', () => {
  it('lists what the captured machine listed', async () => {
    const { out: captured } = await capture(['--out', 'b']);
    const { t, out, err } = terminal();
    // The replay takes the platform from the bundle, not from this machine.
    expect(
      await run(['list', '--json', '--replay', captured[0]!], t, create, { platform: 'linux' }),
    ).toBe(0);
    expect(err).toEqual([]);
    const list = JSON.parse(out[0]!);
    expect(list.engine).toEqual(['fake']);
    expect(list.configurations.map((c: { name: string }) => c.name)).toEqual(['Home', 'Office']);
    expect(list.configurations.map((c: { state: string }) => c.state)).toEqual([
      'Discovered',
      'Discovered',
    ]);
    // The identifiers carry the redacted BSSIDs.
    expect(list.configurations[0].identifier).toMatch(/^fake:[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(list.configurations[0].identifier).not.toBe('fake:00:1a:2b:3c:4d:5e');
  });

  it('watches the recorded events on the recorded timing', async () => {
    const { out: captured } = await capture(['--out', 'b', '--redact', 'none']);
    const interrupt = new AbortController();
    const { t, out } = terminal(interrupt.signal);
    setTimeout(() => interrupt.abort(), 300);
    expect(await run(['watch', '--json', '--replay', captured[0]!], t, create)).toBe(0);
    const events = out.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'watching', engine: 'fake' });
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'configurationChanged', name: 'Office', state: 'Active' }),
    );
  });

  it('exits 1 naming the argv when the bundle lacks a command the engine runs', async () => {
    const { out: captured } = await capture(['--out', 'b']);
    const manifestPath = join(captured[0]!, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.commands = [];
    await writeFile(manifestPath, JSON.stringify(manifest));
    const { t, err } = terminal();
    expect(await run(['list', '--replay', captured[0]!], t, create)).toBe(1);
    expect(err).toEqual([
      `netbearer: ReplayMismatchError: the bundle has no recorded command ${JSON.stringify([fakeNetsh, ...listArgs])}`,
    ]);
  });

  it('refuses a bundle of an engine that does not run commands', async () => {
    const { out: captured } = await capture(['--out', 'b']);
    const manifestPath = join(captured[0]!, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, platform: 'linux' }));
    const { t, err } = terminal();
    expect(await run(['list', '--replay', captured[0]!], t, create)).toBe(1);
    expect(err[0]).toMatch(/cannot be captured or replayed/);
  });
});

describe('netbearer capture when the engine fails', () => {
  it('still writes what ran, says why, and exits 1', async () => {
    const cwd = await tempDir();
    const { t, out, err } = terminal();
    // No answers at all: the fake netsh cannot start, so the engine lists nothing.
    const failing: ManagerFactory = (options) =>
      createManager({
        ...options,
        runnerEngines: {
          netsh: (runner) => {
            const engine = createFakeRunnerEngine(runner);
            return {
              ...engine,
              async start(sink) {
                const result = await runner.exec(fakeNetsh, listArgs, { timeoutMs: 1 });
                if (result.spawnError) throw new Error(`cannot run netsh: ${result.spawnError}`);
                return engine.start(sink);
              },
            };
          },
        },
      });
    const host = { ...windows(cwd), runner: scriptedRunner({ exec: {} }) };
    expect(await run(['capture', '--out', 'b', '--seconds', '0'], t, failing, host)).toBe(1);
    expect(err.at(-1)).toBe('netbearer: the engine failed: Error: cannot run netsh: ENOENT');
    const bundle = await readBundle(out[0]!);
    expect(bundle.manifest.engine).toBe('netsh');
    expect(bundle.commands[0]!.result.spawnError).toBe('ENOENT');
    expect(await readFile(join(out[0]!, 'notes.txt'), 'utf8')).toMatch(/cannot run netsh/);
  });
});

describe('netbearer list --replay picks the engine', () => {
  it('that made the bundle, before the platform', async () => {
    const { out: captured } = await capture(['--out', 'b']);
    const manifestPath = join(captured[0]!, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    // e.g. `capture --engine netsh` run on Linux
    await writeFile(
      manifestPath,
      JSON.stringify({ ...manifest, platform: 'linux', engine: 'netsh' }),
    );
    const { t, out } = terminal();
    expect(await run(['list', '--json', '--replay', captured[0]!], t, create)).toBe(0);
    expect(JSON.parse(out[0]!).engine).toEqual(['fake']);
  });
});

describe('netbearer capture, odd cases', () => {
  it('a place that cannot be written is a BundleError, exit 1', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'file'), '');
    const { t, err } = terminal();
    const args = ['capture', '--out', join(cwd, 'file', 'below'), '--seconds', '0'];
    expect(await run(args, t, create, windows(cwd))).toBe(1);
    expect(err.at(-1)).toMatch(/^netbearer: BundleError: \.: cannot write the bundle at /);
  });

  it('Ctrl-C before the update ends is not a failure: what ran is written', async () => {
    const { code, out } = await capture(['--out', 'b'], 0);
    expect(code).toBe(0);
    expect((await readBundle(out[0]!)).commands.length).toBeGreaterThan(0);
  });
});
