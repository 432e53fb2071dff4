/**
 * The shared Windows fixtures through the real netsh engine: a capture on a runner that answers
 * with the fixture files (as netsh prints them: CRLF), then `list --replay` of that bundle.
 */
import { readFile } from 'node:fs/promises';
import { helperArgs, uiCultureScript } from '@netbearer/adapter-netsh';
import type { ExecResult, ProcessRunner } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../command-line.js';
import { createManager } from '../create-manager.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { recordingTerminal as terminal } from '../testing/terminal.js';
import { programName } from './bundle-format.js';
import { readBundle } from './bundle-reader.js';

const fixtures = new URL('../../../../shared/fixtures/windows/', import.meta.url);

const dirs = tempDirs('netbearer-netsh-');
afterEach(dirs.removeAll);

const report =
  '{"nlm":64,"level":"Internet","cost":"Unrestricted","wlan":true,"wwan":false,"iana":71}';

/** The fixtures' SSIDs are anonymised already (`SSID-1`): `real` gives them names again. */
let real = false;

async function fixture(name: string): Promise<Buffer> {
  const text = await readFile(new URL(name, fixtures), 'utf8');
  const named = real ? text.replace(/SSID-(\d+)/g, 'Home Net $1') : text;
  return Buffer.from(named.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** What reg.exe and Windows PowerShell print for the capture's probes (CRLF, OEM bytes). */
const versionKey = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
const probeAnswers: Array<[string, Buffer]> = [
  [
    'reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage',
    Buffer.from(
      '\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage\r\n    ACP    REG_SZ    1252\r\n    OEMCP    REG_SZ    850\r\n    MACCP    REG_SZ    10000\r\n\r\n',
    ),
  ],
  [
    `reg.exe query ${versionKey} /v CurrentBuild`,
    Buffer.from(`\r\n${versionKey}\r\n    CurrentBuild    REG_SZ    26100\r\n\r\n`),
  ],
  [
    `reg.exe query ${versionKey} /v UBR`,
    Buffer.from(`\r\n${versionKey}\r\n    UBR    REG_DWORD    0x1000\r\n\r\n`),
  ],
  [
    `reg.exe query ${versionKey} /v DisplayVersion`,
    Buffer.from(`\r\n${versionKey}\r\n    DisplayVersion    REG_SZ    24H2\r\n\r\n`),
  ],
  [`powershell.exe ${helperArgs(uiCultureScript).join(' ')}`, Buffer.from('de-DE\r\n')],
];

/** A Windows machine that answers netsh with the English fixtures, matched by program + argv. */
async function fixtureMachine(): Promise<ProcessRunner & { calls: string[] }> {
  const profile = await fixture('netsh-wlan-show-profile-name-en-heatmapper.txt');
  const answers = new Map<string, Buffer>([
    ['chcp.com wlan', Buffer.from('Active code page: 850\r\n')],
    [
      'netsh.exe wlan show interfaces',
      await fixture('netsh-wlan-show-interfaces-en-heatmapper.txt'),
    ],
    [
      'netsh.exe interface show interface',
      await fixture('netsh-interface-show-interface-en-npcap.txt'),
    ],
    ['netsh.exe wlan show profiles', await fixture('netsh-wlan-show-profiles-en-heatmapper.txt')],
    [
      'netsh.exe wlan show networks mode=bssid',
      await fixture('netsh-wlan-show-networks-bssid-en-heatmapper.txt'),
    ],
    ['netsh.exe interface ipv4 show subinterfaces', Buffer.alloc(0)],
    ...probeAnswers,
  ]);
  const calls: string[] = [];
  const ok = (stdout: Buffer): ExecResult => ({
    stdout,
    stderr: Buffer.alloc(0),
    code: 0,
    signal: null,
    timedOut: false,
  });
  return {
    calls,
    async exec(file, args) {
      const program = programName(file).toLowerCase();
      const line = `${program} ${args.join(' ')}`;
      calls.push(line);
      if (program === 'chcp.com') return ok(answers.get('chcp.com wlan')!);
      if (line.startsWith('netsh.exe wlan show profile name=')) return ok(profile);
      const answer = answers.get(line);
      return answer ? ok(answer) : { ...ok(Buffer.alloc(0)), code: 1 };
    },
    spawnLines() {
      // The change helper: one report (online over Wi-Fi), then quiet until killed.
      const killed = new AbortController();
      return {
        lines: (async function* () {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (!killed.signal.aborted) yield Buffer.from(report);
          await new Promise((resolve) => killed.signal.addEventListener('abort', resolve));
        })(),
        async kill() {
          killed.abort();
        },
      };
    },
  };
}

describe('netsh: capture the fixtures, replay the bundle', () => {
  it.each(['none', 'macs'] as const)(
    'list --replay shows what the live engine showed (redact %s)',
    async (redaction) => {
      const machine = await fixtureMachine();
      const live = terminal();
      const onMachine = (o: Parameters<typeof createManager>[0]) =>
        createManager({ ...o, runner: machine, platform: 'win32' });
      expect(await run(['list', '--json'], live.t, onMachine)).toBe(0);
      const liveList = JSON.parse(live.out[0]!);
      expect(liveList.engine).toEqual(['netsh']);
      expect(liveList.configurations.map((c: { name: string }) => c.name)).toContain('Profile1 2');

      const cwd = await dirs.make();
      const capture = terminal();
      const code = await run(
        ['capture', '--out', 'bundle', '--seconds', '0', '--redact', redaction],
        capture.t,
        createManager,
        { platform: 'win32', runner: machine, cwd },
      );
      expect(capture.err.at(-1)).toMatch(/^recorded \d+ commands/);
      expect(code).toBe(0);
      const bundle = await readBundle(capture.out[0]!);
      expect(bundle.manifest).toMatchObject({ platform: 'win32', engine: 'netsh', redaction });
      expect(bundle.commands.map((c) => c.args.join(' '))).toContain(
        'wlan show networks mode=bssid',
      );

      const replayed = terminal();
      expect(await run(['list', '--json', '--replay', capture.out[0]!], replayed.t)).toBe(0);
      expect(replayed.err).toEqual([]);
      const list = JSON.parse(replayed.out[0]!);
      const strip = (l: typeof list) =>
        l.configurations.map((c: Record<string, unknown>) => ({
          ...c,
          identifier: undefined,
          children: undefined,
        }));
      expect(strip(list)).toEqual(strip(liveList));
      if (redaction === 'none') expect(list).toEqual(liveList);
      else expect(JSON.stringify(list)).not.toContain('fe:dc:ba:09:87:02');
    },
  );

  it('records the code pages, the build and the UI language: read-only, by path, no shell', async () => {
    const machine = await fixtureMachine();
    const cwd = await dirs.make();
    const capture = terminal();
    const args = ['capture', '--out', 'bundle', '--seconds', '0', '--redact', 'macs'];
    expect(
      await run(args, capture.t, createManager, { platform: 'win32', runner: machine, cwd }),
    ).toBe(0);
    const bundle = await readBundle(capture.out[0]!);
    const probes = bundle.commands.filter((c) =>
      ['reg.exe', 'powershell.exe'].includes(programName(c.file).toLowerCase()),
    );
    expect(probes.map((c) => c.file)).toEqual([
      ...Array(4).fill('C:\\Windows\\System32\\reg.exe'),
      'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    ]);
    // Exact argv and the bytes as printed, each answered (exit 0) by the recorded machine.
    expect(probes.map((c) => [programName(c.file), ...c.args].join(' '))).toEqual(
      probeAnswers.map(([line]) => line),
    );
    expect(probes.map((c) => c.result.stdout)).toEqual(probeAnswers.map(([, bytes]) => bytes));
    expect(probes.every((c) => c.result.code === 0 && !c.verbatim)).toBe(true);
    // Reads only: `query` of named values, and a script that only prints the UI culture.
    for (const c of probes.filter((p) => programName(p.file) === 'reg.exe')) {
      expect(c.args[0]).toBe('query');
      expect(c.args).not.toContain('/s');
    }
    const script = Buffer.from(probes.at(-1)!.args.at(-1)!, 'base64').toString('utf16le');
    expect(script).toBe(uiCultureScript);
    expect(script).toMatch(/Get-UICulture/);
    expect(bundle.commands.map((c) => programName(c.file).toLowerCase())).not.toContain('cmd.exe');

    // The replay runs the engine on the bundle: the probes are there, unused, and harmless.
    const replayed = terminal();
    expect(await run(['list', '--json', '--replay', capture.out[0]!], replayed.t)).toBe(0);
    expect(replayed.err).toEqual([]);
  });

  it('with --redact all, the replay still finds every command it runs', async () => {
    real = true;
    const machine = await fixtureMachine();
    real = false;
    const cwd = await dirs.make();
    const capture = terminal();
    const args = ['capture', '--out', 'bundle', '--seconds', '0', '--redact', 'all'];
    expect(
      await run(args, capture.t, createManager, { platform: 'win32', runner: machine, cwd }),
    ).toBe(0);
    const replayed = terminal();
    expect(await run(['list', '--json', '--replay', capture.out[0]!], replayed.t)).toBe(0);
    expect(replayed.err).toEqual([]);
    const names = JSON.parse(replayed.out[0]!).configurations.map((c: { name: string }) => c.name);
    expect(names.filter((n: string) => /^SSID-\d+$/.test(n)).length).toBeGreaterThan(0);
    const bundle = await readBundle(capture.out[0]!);
    const networks = bundle.commands.find(
      (c) => c.args.join(' ') === 'wlan show networks mode=bssid',
    );
    for (const line of networks!.result.stdout.toString('latin1').split('\r\n')) {
      if (/^SSID \d+ :/.test(line)) expect(line).toMatch(/^SSID \d+ : (SSID-\d+)?$/);
    }
    for (const c of bundle.commands) {
      expect(c.result.stdout.toString('latin1')).not.toContain('Home Net');
      expect(c.args.join(' ')).not.toContain('Home Net');
    }
  });

  it('watch --replay replays the change helper through the engine', async () => {
    const machine = await fixtureMachine();
    const cwd = await dirs.make();
    const stop = new AbortController();
    const capture = terminal(stop.signal);
    setTimeout(() => stop.abort(), 300);
    const args = ['capture', '--out', 'bundle', '--redact', 'none'];
    expect(
      await run(args, capture.t, createManager, { platform: 'win32', runner: machine, cwd }),
    ).toBe(0);
    const bundle = await readBundle(capture.out[0]!);
    expect(bundle.streams).toHaveLength(1);
    expect(bundle.streams[0]!.events.map((e) => e.bytes.toString())).toEqual([report]);
    expect(programName(bundle.streams[0]!.file)).toBe('powershell.exe');

    const end = new AbortController();
    const watched = terminal(end.signal);
    setTimeout(() => end.abort(), 300);
    expect(await run(['watch', '--json', '--replay', capture.out[0]!], watched.t)).toBe(0);
    expect(watched.err).toEqual([]);
    const events = watched.out.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'watching', engine: 'netsh' });
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'reachabilityChanged', reachability: 'Online' }),
    );
  });
});
