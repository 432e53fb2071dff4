/**
 * The shared macOS fixtures through the real airport engine: capture on a runner that answers
 * with the fixture files (anything else fails as a missing tool would), then `list --replay`.
 */
import { readFile } from 'node:fs/promises';
import type { ExecResult, ProcessRunner } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../command-line.js';
import { createManager } from '../create-manager.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { recordingTerminal as terminal } from '../testing/terminal.js';
import { programName } from './bundle-format.js';
import { readBundle } from './bundle-reader.js';

const fixtures = new URL('../../../../shared/fixtures/macos/', import.meta.url);

const dirs = tempDirs('netbearer-airport-');
afterEach(dirs.removeAll);

async function macMachine(): Promise<ProcessRunner> {
  const read = (name: string) => readFile(new URL(name, fixtures));
  const answers = new Map<string, Buffer>([
    [
      'networksetup -listallhardwareports',
      await read('networksetup-listallhardwareports-macos27-applesilicon-plaitway.txt'),
    ],
    [
      'system_profiler SPAirPortDataType -json',
      await read('system-profiler-SPAirPortDataType-json-macos15.5-wpa2-en-heatmapper.txt'),
    ],
    ['airport -I', await read('airport-getinfo-I-node-wifi.txt')],
    ['airport -s', await read('airport-scan-node-wifi-01.txt')],
    ['sw_vers', Buffer.from('ProductName:\tmacOS\nProductVersion:\t15.5\n')],
  ]);
  const result = (stdout: Buffer, code: number): ExecResult => ({
    stdout,
    stderr: Buffer.alloc(0),
    code,
    signal: null,
    timedOut: false,
  });
  return {
    async exec(file, args) {
      const answer = answers.get([programName(file), ...args].join(' '));
      return answer ? result(answer, 0) : result(Buffer.from('not available\n'), 1);
    },
    spawnLines() {
      const killed = new AbortController();
      return {
        lines: (async function* () {
          await new Promise((resolve) => killed.signal.addEventListener('abort', resolve));
        })(),
        async kill() {
          killed.abort();
        },
      };
    },
  };
}

describe('airport: capture the fixtures, replay the bundle', () => {
  it('list --replay shows what the live engine showed', async () => {
    const machine = await macMachine();
    const live = terminal();
    const onMachine = (o: Parameters<typeof createManager>[0]) =>
      createManager({ ...o, runner: machine, platform: 'darwin' });
    expect(await run(['list', '--json'], live.t, onMachine)).toBe(0);
    const liveList = JSON.parse(live.out[0]!);
    expect(liveList.engine).toEqual(['airport']);
    expect(liveList.configurations.length).toBeGreaterThan(0);

    const cwd = await dirs.make();
    const capture = terminal();
    const code = await run(
      ['capture', '--out', 'bundle', '--seconds', '0', '--redact', 'none'],
      capture.t,
      createManager,
      { platform: 'darwin', runner: machine, cwd },
    );
    expect(capture.err.at(-1)).toMatch(/^recorded \d+ commands/);
    expect(code).toBe(0);
    const bundle = await readBundle(capture.out[0]!);
    expect(bundle.manifest).toMatchObject({ platform: 'darwin', engine: 'airport' });
    expect(bundle.commands.map((c) => programName(c.file))).toContain('sw_vers');

    const replayed = terminal();
    expect(await run(['list', '--json', '--replay', capture.out[0]!], replayed.t)).toBe(0);
    expect(replayed.err).toEqual([]);
    expect(JSON.parse(replayed.out[0]!)).toEqual(liveList);
  });
});
