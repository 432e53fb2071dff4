import { readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/temp-dirs.js';
import { bundleLimits, type Recording } from './bundle-format.js';
import { readBundle } from './bundle-reader.js';
import { writeBundle } from './bundle-writer.js';
import { BundleError, type BundleErrorKind } from './errors.js';
import { createRedactor, redactRecording } from './redaction.js';
import { createReplayRunner } from './replay-runner.js';

const dirs = tempDirs('netbearer-bundle-');
const tempDir = dirs.make;
afterEach(dirs.removeAll);

const manifest = {
  tool: 'netbearer test',
  node: process.version,
  platform: 'win32',
  osRelease: '10.0.22631',
  osVersion: 'Windows 11',
  arch: 'x64',
  engine: 'netsh',
  redaction: 'none',
  startedAt: new Date(0).toISOString(),
  seconds: 0,
} as const;

function command(args: string[], stdout: Buffer) {
  return {
    file: 'C:\\Windows\\System32\\netsh.exe',
    args,
    verbatim: true,
    result: { stdout, stderr: Buffer.alloc(0), code: 0, signal: null, timedOut: false },
    startMs: 0,
    durationMs: 1,
  };
}

/** A good bundle with one command and one stream. */
async function goodBundle(): Promise<string> {
  const dir = await tempDir();
  await writeBundle(dir, {
    manifest,
    commands: [command(['wlan', 'show', 'interfaces'], Buffer.from('ok\r\n'))],
    streams: [
      {
        file: 'powershell.exe',
        args: ['-NoProfile'],
        events: [{ t: 1, fd: 1, bytes: Buffer.from('{}') }],
        endedBy: 'kill',
        startMs: 0,
        durationMs: 5,
      },
    ],
  });
  return dir;
}

async function editJson(path: string, edit: (value: Record<string, unknown>) => unknown) {
  await writeFile(path, JSON.stringify(edit(JSON.parse(await readFile(path, 'utf8')))));
}

async function expectBundleError(dir: string, kind: BundleErrorKind, path?: string) {
  const error = await readBundle(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  expect((error as BundleError).kind).toBe(kind);
  if (path !== undefined) expect((error as BundleError).path).toBe(path);
}

describe('a hostile bundle gives typed errors', () => {
  it('reads a good one', async () => {
    const bundle = await readBundle(await goodBundle());
    expect(bundle.commands[0]!.result.stdout.toString()).toBe('ok\r\n');
    expect(bundle.streams[0]!.events[0]!.bytes.toString()).toBe('{}');
  });

  it('not a bundle: no directory, no manifest', async () => {
    await expectBundleError(join(await tempDir(), 'nothing'), 'NotABundle');
    await expectBundleError(await tempDir(), 'NotABundle', 'manifest.json');
  });

  it.each([
    ['../../etc'],
    ['..'],
    ['a/b'],
    ['/etc/passwd'],
    ['C:\\x'],
    ['.hidden'],
    ['x'.repeat(65)],
  ])('an id that would leave the bundle: %j', async (id) => {
    const dir = await goodBundle();
    await editJson(join(dir, 'manifest.json'), (m) => ({
      ...m,
      commands: [{ id, file: 'netsh.exe', args: [] }],
    }));
    await expectBundleError(dir, 'UnsafePath', 'manifest.json');
  });

  it('a planted symlink, as a file or as a directory, is not followed', async () => {
    const dir = await goodBundle();
    const stdout = join(dir, 'commands/0001-netsh/stdout.bin');
    await rm(stdout);
    await symlink('/etc/passwd', stdout);
    await expectBundleError(dir, 'NotAFile', 'commands/0001-netsh/stdout.bin');

    const other = await goodBundle();
    const outside = await tempDir();
    await writeFile(join(outside, 'events.ndjson'), '');
    await rm(join(other, 'streams/0001-powershell'), { recursive: true });
    await symlink(outside, join(other, 'streams/0001-powershell'));
    await expectBundleError(other, 'NotAFile', 'streams/0001-powershell');

    const third = await goodBundle();
    await rm(join(third, 'manifest.json'));
    await symlink(join(dir, 'manifest.json'), join(third, 'manifest.json'));
    await expectBundleError(third, 'NotAFile', 'manifest.json');
  });

  it('an oversized file', async () => {
    const dir = await goodBundle();
    const stdout = join(dir, 'commands/0001-netsh/stdout.bin');
    await truncate(stdout, bundleLimits.outputBytes + 1); // sparse: cheap
    await expectBundleError(dir, 'TooLarge', 'commands/0001-netsh/stdout.bin');
    const other = await goodBundle();
    await truncate(join(other, 'manifest.json'), bundleLimits.manifestBytes + 1);
    await expectBundleError(other, 'TooLarge', 'manifest.json');
  });

  it.each<[string, string | Buffer, BundleErrorKind]>([
    ['manifest.json', 'not json {', 'Malformed'],
    ['manifest.json', Buffer.from([0x7b, 0xff, 0x7d]), 'Malformed'],
    ['manifest.json', '[]', 'Malformed'],
    ['manifest.json', JSON.stringify({ ...manifest, format: 2 }), 'UnsupportedFormat'],
    ['manifest.json', JSON.stringify({ ...manifest, format: 1, redaction: 'some' }), 'Malformed'],
    ['commands/0001-netsh/argv.json', '{"file": "netsh.exe", "args": [1]}', 'Malformed'],
    ['commands/0001-netsh/argv.json', '{"args": []}', 'Malformed'],
    [
      'commands/0001-netsh/result.json',
      '{"code": "0", "signal": null, "timedOut": false}',
      'Malformed',
    ],
    ['streams/0001-powershell/events.ndjson', '{"t": 1, "fd": 1, "b64": "!!"}\n', 'Malformed'],
    [
      'streams/0001-powershell/events.ndjson',
      '{"t": 5, "fd": 1, "b64": ""}\n{"t": 1, "fd": 1, "b64": ""}\n',
      'Malformed',
    ],
    ['streams/0001-powershell/events.ndjson', 'garbage\n', 'Malformed'],
    [
      'streams/0001-powershell/result.json',
      '{"endedBy": "crash", "durationMs": 1, "startMs": 0}',
      'Malformed',
    ],
  ])('garbage in %s', async (file, content, kind) => {
    const dir = await goodBundle();
    await writeFile(join(dir, file), content);
    await expectBundleError(dir, kind);
  });

  it('a file the manifest names is missing', async () => {
    const dir = await goodBundle();
    await rm(join(dir, 'commands/0001-netsh/stderr.bin'));
    await expectBundleError(dir, 'Missing', 'commands/0001-netsh/stderr.bin');
  });

  it('the command line reports it and exits 1', async () => {
    const { run } = await import('../command-line.js');
    const dir = await goodBundle();
    await writeFile(join(dir, 'manifest.json'), '{');
    const err: string[] = [];
    const code = await run(['list', '--replay', dir], {
      out: () => {},
      err: (l) => err.push(l),
      env: {},
      interrupted: new AbortController().signal,
    });
    expect(code).toBe(1);
    expect(err).toEqual(['netbearer: BundleError: manifest.json: not valid JSON']);
  });
});

const fixtures = new URL('../../../../shared/fixtures/windows/', import.meta.url);

describe('the shared Windows fixtures replay through a bundle', () => {
  /** The netsh argv each fixture is the output of. */
  const argvOf = (name: string): string[] | undefined => {
    if (name.startsWith('netsh-wlan-show-networks-bssid'))
      return ['wlan', 'show', 'networks', 'mode=bssid'];
    if (name.startsWith('netsh-wlan-show-interfaces')) return ['wlan', 'show', 'interfaces'];
    if (name.startsWith('netsh-wlan-show-profiles')) return ['wlan', 'show', 'profiles'];
    if (name.startsWith('netsh-wlan-show-profile-name'))
      return ['wlan', 'show', 'profile', 'name="x"'];
    if (name.startsWith('netsh-interface-show-interface'))
      return ['interface', 'show', 'interface'];
    return undefined;
  };

  it('every fixture comes back byte for byte, and redacted without one original MAC', async () => {
    const names = (await readdir(fixtures)).filter((n) => n.endsWith('.txt')).sort();
    expect(names.length).toBeGreaterThan(20);
    let redactedMacs = 0;
    for (const name of names) {
      const args = argvOf(name);
      expect(args, name).toBeDefined();
      const bytes = await readFile(new URL(name, fixtures));
      const recording: Recording = {
        manifest: { ...manifest, redaction: 'none' },
        commands: [command(args!, bytes)],
        streams: [],
      };
      const dir = await tempDir();
      await writeBundle(dir, recording);
      const replay = createReplayRunner(await readBundle(dir));
      const out = await replay.exec('C:\\WINDOWS\\system32\\netsh.exe', args!, { timeoutMs: 1 });
      expect(out.stdout.equals(bytes), name).toBe(true);

      const redactedDir = await tempDir();
      await writeBundle(redactedDir, redactRecording(recording, createRedactor('macs')));
      const redacted = (await readBundle(redactedDir)).commands[0]!.result.stdout;
      const macs = (text: string) =>
        [...text.matchAll(/(?<![0-9a-f:])[0-9a-f]{2}(:[0-9a-f]{2}){5}(?![0-9a-f:])/gi)].map((m) =>
          m[0].toLowerCase(),
        );
      const before = macs(bytes.toString('latin1')).filter(
        (m) => !/^(00:){5}00$|^(ff:){5}ff$/.test(m),
      );
      const after = new Set(macs(redacted.toString('latin1')));
      for (const mac of before) expect(after.has(mac), `${name}: ${mac}`).toBe(false);
      redactedMacs += before.length;
      // The structure is untouched: the same number of lines, the same non-MAC bytes.
      expect(redacted.toString('latin1').split('\n').length).toBe(
        bytes.toString('latin1').split('\n').length,
      );
    }
    expect(redactedMacs).toBeGreaterThan(100);
  });
});
