import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessRunner, SpawnOptions } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createManager } from '../create-manager.js';
import {
  createFakeRunnerEngine,
  fakeHelper,
  fakeNetsh,
  helperArgs,
  key,
  listArgs,
  scriptedRunner,
} from '../testing/fake-runner-engine.js';
import { tempDirs } from '../testing/temp-dirs.js';
import type { RecordedCommand, Recording } from './bundle-format.js';
import { readBundle } from './bundle-reader.js';
import { writeBundle } from './bundle-writer.js';
import { ReplayMismatchError } from './errors.js';
import { createRecordingRunner } from './recording-runner.js';
import { createRedactor, redactRecording } from './redaction.js';
import { createReplayRunner } from './replay-runner.js';

/** Waits until `done()` (polling), at most 5 s: timing-free under a loaded machine. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 5_000; waited += 5) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

const dirs = tempDirs('netbearer-capture-');
const tempDir = dirs.make;
afterEach(dirs.removeAll);

const networks = Buffer.concat([
  Buffer.from('\r\nSSID 1 : Home\r\n    BSSID 1                 : 00:1A:2B:3C:4D:5E\r\n'),
  Buffer.from('    BSSID 2                 : 00:1a:2b:3c:4d:5f\r\nSSID 2 : Caf'),
  Buffer.from([0x82]), // é in CP850: a byte that is not UTF-8 must come back as it was
  Buffer.from('\r\n    BSSID 1                 : a4-b1-c2-d3-e4-f5\r\n'),
]);

function script() {
  return scriptedRunner({
    exec: {
      [key(fakeNetsh, listArgs)]: { stdout: networks, stderr: Buffer.from([0xff, 0xfe, 0x00]) },
    },
    streams: {
      [key(fakeHelper, helperArgs)]: [
        [5, 'Active Home'],
        [20, 'Discovered Home'],
      ],
    },
  });
}

/** A command that printed `stdout` and exited 0, recorded at 0 ms for 1 ms. */
function recordedCommand(
  file: string,
  args: string[],
  stdout: Buffer,
  verbatim: boolean,
): RecordedCommand {
  return {
    file,
    args,
    verbatim,
    result: { stdout, stderr: Buffer.alloc(0), code: 0, signal: null, timedOut: false },
    startMs: 0,
    durationMs: 1,
  };
}

function manifestOf(redaction: Recording['manifest']['redaction'] = 'none') {
  return {
    tool: 'netbearer test',
    node: process.version,
    platform: 'win32',
    osRelease: '10.0.26100',
    osVersion: 'Windows 11 Pro',
    arch: 'x64',
    engine: 'fake',
    redaction,
    startedAt: new Date(0).toISOString(),
    seconds: 0,
  };
}

/** Records the fake engine listing, updating and hearing its helper, on a scripted runner. */
async function record() {
  const recorder = createRecordingRunner(script());
  const manager = await createManager({
    platform: 'win32',
    runner: recorder.runner,
    runnerEngines: { netsh: createFakeRunnerEngine },
  });
  await manager.updateConfigurations();
  const changes: string[] = [];
  manager.on('configurationChanged', (c) => changes.push(`${c.name()} ${c.state()}`));
  await until(() => changes.length >= 2);
  const listed = manager.allConfigurations().map((c) => [c.identifier(), c.name(), c.state()]);
  await manager.dispose();
  await recorder.close();
  return {
    recording: {
      manifest: manifestOf(),
      commands: recorder.commands(),
      streams: recorder.streams(),
    } satisfies Recording,
    changes,
    listed,
  };
}

describe('record, write, read, replay', () => {
  it('gives the same bytes and the same configurations', async () => {
    const { recording, listed } = await record();
    expect(recording.commands).toHaveLength(2); // start, then the update
    expect(recording.streams).toHaveLength(1);
    expect(recording.streams[0]!.endedBy).toBe('kill');
    expect(recording.streams[0]!.stdin).toBe('script');
    const dir = await tempDir();
    const manifest = await writeBundle(dir, recording);
    expect(manifest.commands.map((c) => c.id)).toEqual(['0001-fake-netsh', '0002-fake-netsh']);
    expect(await readFile(join(dir, 'commands/0001-fake-netsh/stdout.bin'))).toEqual(networks);
    expect(
      JSON.parse(await readFile(join(dir, 'commands/0001-fake-netsh/argv.json'), 'utf8')),
    ).toEqual({
      file: fakeNetsh,
      args: [...listArgs],
      verbatim: true,
    });

    const bundle = await readBundle(dir);
    expect(bundle.manifest).toMatchObject({ format: 1, platform: 'win32', redaction: 'none' });
    const replay = createReplayRunner(bundle, { sleep: async () => {} });
    const again = await replay.exec(fakeNetsh, listArgs, { timeoutMs: 1 });
    expect(again.stdout).toEqual(networks);
    expect(again.stderr).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    expect(again.code).toBe(0);

    const manager = await createManager({
      platform: bundle.manifest.platform,
      runner: createReplayRunner(bundle),
      runnerEngines: { netsh: createFakeRunnerEngine },
    });
    expect(manager.allConfigurations().map((c) => [c.identifier(), c.name(), c.state()])).toEqual(
      listed.map(([id, name]) => [id, name, 'Discovered']),
    );
    expect(manager.allConfigurations().map((c) => c.name())).toContain('Caf\u0082');
    await manager.dispose();
  });

  it('replays the helper stream on the recorded timing, through the engine', async () => {
    const { recording, changes } = await record();
    expect(changes).toEqual(['Home Active', 'Home Discovered']);
    const dir = await tempDir();
    await writeBundle(dir, recording);
    const bundle = await readBundle(dir);
    const waits: number[] = [];
    const replay = createReplayRunner(bundle, {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const manager = await createManager({
      platform: 'win32',
      runner: replay,
      runnerEngines: { netsh: createFakeRunnerEngine },
    });
    const heard: string[] = [];
    manager.on('configurationChanged', (c) => heard.push(`${c.name()} ${c.state()}`));
    await until(() => heard.length >= 2);
    expect(heard).toEqual(['Home Active', 'Home Discovered']);
    const events = bundle.streams[0]!.events;
    expect(waits).toEqual([events[0]!.t, events[1]!.t - events[0]!.t].filter((t) => t > 0));
    expect(events[1]!.t - events[0]!.t).toBeGreaterThanOrEqual(15);
    await manager.dispose();
    expect(replay.unmatched()).toEqual([]);
  });

  it('ends a stream that ended by itself, and keeps one the capture ended open until killed', async () => {
    const dir = await tempDir();
    const stream = (endedBy: 'exit' | 'kill', args: string[]) => ({
      file: '/usr/sbin/scutil',
      args,
      events: [
        { t: 0, fd: 1, bytes: Buffer.from('a\nb') },
        { t: 10, fd: 2, bytes: Buffer.from('to stderr') },
        { t: 30, fd: 1, bytes: Buffer.from('c') },
      ],
      endedBy,
      startMs: 0,
      durationMs: 40,
    });
    await writeBundle(dir, {
      manifest: manifestOf(),
      commands: [],
      streams: [stream('exit', ['-W']), stream('kill', ['-r'])],
    });
    const replay = createReplayRunner(await readBundle(dir), { sleep: async () => {} });
    const read = async (args: string[], killAfter?: number) => {
      const process = replay.spawnLines('scutil', args);
      const lines: string[] = [];
      if (killAfter === 0) setTimeout(() => void process.kill(), 10);
      for await (const line of process.lines) {
        lines.push(line.toString());
        if (lines.length === killAfter) setTimeout(() => void process.kill(), 10);
      }
      return lines;
    };
    expect(await read(['-W'])).toEqual(['a', 'b', 'c']);
    expect(await read(['-r'], 3)).toEqual(['a', 'b', 'c']);
    // Past the recorded streams: silent until killed.
    expect(await read(['-W'], 0)).toEqual([]);
  });

  it('passes keepStdinOpen through, records it, and a replay keeps such a stream open until killed', async () => {
    const seen: (SpawnOptions | undefined)[] = [];
    const inner: ProcessRunner = {
      exec: () => Promise.reject(new Error('no commands here')),
      spawnLines(_file, _args, options) {
        seen.push(options);
        const killed = new AbortController();
        return {
          lines: (async function* () {
            yield Buffer.from('notification callback (store address = 0x1).');
            if (killed.signal.aborted) return;
            await new Promise((resolve) => killed.signal.addEventListener('abort', resolve));
          })(),
          async kill() {
            killed.abort();
          },
        };
      },
    };
    const recorder = createRecordingRunner(inner);
    const options = { stdin: 'n.watch\n', keepStdinOpen: true };
    const live = recorder.runner.spawnLines('/usr/sbin/scutil', [], options);
    // As the engine does: read, kill, then see the lines end.
    const liveLines = live.lines[Symbol.asyncIterator]();
    await liveLines.next();
    await live.kill();
    expect((await liveLines.next()).done).toBe(true);
    expect(seen).toEqual([options]);
    const streams = recorder.streams();
    expect(streams[0]).toMatchObject({ ...options, endedBy: 'kill' });
    const dir = await tempDir();
    const manifest = await writeBundle(dir, { manifest: manifestOf(), commands: [], streams });
    const argvPath = join(dir, 'streams', manifest.streams[0]!.id, 'argv.json');
    expect(JSON.parse(await readFile(argvPath, 'utf8'))).toEqual({
      file: '/usr/sbin/scutil',
      args: [],
      ...options,
    });
    const bundle = await readBundle(dir);
    expect(bundle.streams[0]).toMatchObject(options);
    const replay = createReplayRunner(bundle, { sleep: async () => {} });
    const process = replay.spawnLines('/usr/sbin/scutil', [], options);
    const lines: string[] = [];
    let ended = false;
    const reading = (async () => {
      for await (const line of process.lines) lines.push(line.toString());
      ended = true;
    })();
    await until(() => lines.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toEqual(['notification callback (store address = 0x1).']);
    expect(ended).toBe(false);
    await process.kill();
    await reading;
    expect(ended).toBe(true);
    await writeFile(argvPath, JSON.stringify({ file: 'scutil', args: [], keepStdinOpen: 'yes' }));
    await expect(readBundle(dir)).rejects.toThrow(/keepStdinOpen/);
  });
});

describe('replay matching', () => {
  async function bundleOf(outputs: [string, string[], string][]) {
    const dir = await tempDir();
    await writeBundle(dir, {
      manifest: manifestOf(),
      commands: outputs.map(([file, args, out]) =>
        recordedCommand(file, args, Buffer.from(out), false),
      ),
      streams: [],
    });
    return readBundle(dir);
  }

  it('matches by program name and argv, in order, then repeats the last', async () => {
    const replay = createReplayRunner(
      await bundleOf([
        ['C:\\Windows\\System32\\netsh.exe', ['wlan', 'show', 'interfaces'], 'first'],
        ['C:\\Windows\\System32\\netsh.exe', ['wlan', 'show', 'profiles'], 'profiles'],
        ['C:\\Windows\\System32\\netsh.exe', ['wlan', 'show', 'interfaces'], 'second'],
      ]),
    );
    const run = async (file: string, args: string[]) =>
      (await replay.exec(file, args, { timeoutMs: 1 })).stdout.toString();
    expect(await run('D:\\WINDOWS\\system32\\NETSH.EXE', ['wlan', 'show', 'interfaces'])).toBe(
      'first',
    );
    expect(await run('netsh.exe', ['wlan', 'show', 'interfaces'])).toBe('second');
    expect(await run('netsh.exe', ['wlan', 'show', 'interfaces'])).toBe('second');
    expect(await run('/x/netsh.exe', ['wlan', 'show', 'profiles'])).toBe('profiles');
  });

  it('rejects an unmatched call with a typed error naming the argv', async () => {
    const replay = createReplayRunner(
      await bundleOf([['netsh.exe', ['wlan', 'show', 'interfaces'], 'x']]),
    );
    const call = replay.exec('netsh.exe', ['wlan', 'show', 'interfaces', 'extra'], {
      timeoutMs: 1,
    });
    await expect(call).rejects.toBeInstanceOf(ReplayMismatchError);
    await expect(call).rejects.toThrow(
      'the bundle has no recorded command ["netsh.exe","wlan","show","interfaces","extra"]',
    );
    const stream = replay.spawnLines('powershell.exe', ['-Command', '-']);
    await expect(stream.lines[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      ReplayMismatchError,
    );
    expect(replay.unmatched().map((e) => [e.kind, e.file, ...e.args])).toEqual([
      ['exec', 'netsh.exe', 'wlan', 'show', 'interfaces', 'extra'],
      ['stream', 'powershell.exe', '-Command', '-'],
    ]);
  });
});

describe('redaction', () => {
  const key = Buffer.alloc(32, 7);

  it('maps the same MAC to the same locally administered pseudonym, different ones apart', async () => {
    const { recording } = await record();
    const redacted = redactRecording(recording, createRedactor('macs', key));
    const out = redacted.commands[0]!.result.stdout.toString('latin1');
    const macs = [...out.matchAll(/BSSID \d+\s+: (\S+)/g)].map((m) => m[1]!);
    expect(macs).toHaveLength(3);
    expect(new Set(macs.map((m) => m.toLowerCase().replace(/-/g, ':'))).size).toBe(3);
    // The case and separator of the original are kept; the first octet says "local".
    expect(macs[0]).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
    expect(macs[1]).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(macs[2]).toMatch(/^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/);
    for (const mac of macs) expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    // Same MAC, same pseudonym: in the update's output, and written in another case.
    expect(redacted.commands[1]!.result.stdout).toEqual(redacted.commands[0]!.result.stdout);
    const again = createRedactor('macs', key);
    expect(again.text('00:1a:2b:3c:4d:5e')).toBe(macs[0]!.toLowerCase());
    expect(again.text('0:1a:2b:3c:4d:5e')).toBe(
      macs[0]!.toLowerCase().replace(/(^|:)0(?=.)/g, '$1'),
    );
    // Every other byte as it was: the CP850 é, the CRLFs, the non-UTF-8 stderr.
    expect(redacted.commands[0]!.result.stdout.length).toBe(networks.length);
    expect(redacted.commands[0]!.result.stdout.includes(Buffer.from([0x82]))).toBe(true);
    expect(redacted.commands[0]!.result.stderr).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    // Zero, broadcast, IPv6 and times are not MACs.
    const keep =
      'ff:ff:ff:ff:ff:ff 00-00-00-00-00-00 fe80::1:2:3:4:5:6 2001:db8:aa:bb:cc:dd:ee:ff 12:30:45';
    expect(again.text(keep)).toBe(keep);
  });

  it('never writes the original MACs into the bundle', async () => {
    const { recording } = await record();
    const dir = await tempDir();
    await writeBundle(dir, {
      ...redactRecording(
        {
          ...recording,
          commands: recording.commands.map((c, i) =>
            i === 0 ? { ...c, args: [...c.args, 'bssid=00:1a:2b:3c:4d:5e'] } : c,
          ),
        },
        createRedactor('macs'),
      ),
      manifest: manifestOf('macs'),
    });
    const all = await everyFile(dir);
    for (const original of ['00:1a:2b:3c:4d:5e', '00:1a:2b:3c:4d:5f', 'a4-b1-c2-d3-e4-f5']) {
      for (const form of [original, original.toUpperCase()]) expect(all).not.toContain(form);
    }
    expect(all).toContain('Home');
  });

  it("with 'all', turns SSIDs into SSID-<n> in outputs, lines and argv alike", () => {
    const redactor = createRedactor('all', key);
    const profile = Buffer.from(
      'Profile Home on interface Wi-Fi:\r\n    Name                   : Home\r\n    SSID name              : "Home"\r\n    Nombre de SSID        : "Home"\r\n',
    );
    const recording: Recording = {
      manifest: manifestOf('all'),
      commands: [
        recordedCommand('netsh.exe', ['wlan', 'show', 'networks'], networks, true),
        recordedCommand('netsh.exe', ['wlan', 'show', 'profile', 'name="Home"'], profile, true),
      ],
      streams: [],
    };
    const redacted = redactRecording(recording, redactor);
    const first = redacted.commands[0]!.result.stdout.toString('latin1');
    expect(first).toContain('SSID 1 : SSID-1\r\n');
    expect(first).toContain('SSID 2 : SSID-2\r\n');
    expect(first).not.toContain('Home');
    expect(redacted.commands[1]!.args).toEqual(['wlan', 'show', 'profile', 'name="SSID-1"']);
    const second = redacted.commands[1]!.result.stdout.toString('latin1');
    expect(second).toContain('Name                   : SSID-1\r\n');
    expect(second).toContain('SSID name              : "SSID-1"\r\n');
    expect(second).toContain('Nombre de SSID        : "SSID-1"\r\n');
    // Free text is not touched (documented): only whole values.
    expect(second).toContain('Profile Home on interface');
  });

  it("with 'none', changes nothing", async () => {
    const { recording } = await record();
    const same = redactRecording(recording, createRedactor('none'));
    expect(same.commands[0]!.result.stdout).toEqual(networks);
  });
});

async function everyFile(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    texts.push(bytes.toString('latin1'));
    if (entry.name.endsWith('.ndjson')) {
      for (const line of bytes.toString('utf8').split('\n').filter(Boolean)) {
        texts.push(Buffer.from(JSON.parse(line).b64, 'base64').toString('latin1'));
      }
    }
  }
  return texts.join('\n');
}
