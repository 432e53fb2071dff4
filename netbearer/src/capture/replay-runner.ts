/**
 * A process runner built from a bundle: engines run on what a user's machine printed.
 *
 * - Calls match by the program's name (the last path element, any case: `C:\Windows\…\netsh.exe`
 *   matches a bundle made on another Windows directory) and the exact argv, in order: the
 *   first call of an argv gets its first recording, the next its second; once they are used up,
 *   the last repeats (an engine may refresh more often on replay than it did on capture).
 * - A call with an argv the bundle never recorded rejects with `ReplayMismatchError` naming
 *   it, and is kept in `unmatched()` so the command can report it even if the engine hid it.
 * - Streams replay their lines on the recorded timing (`sleep` is the clock: tests pass one
 *   that does not wait). A stream that the capture ended (`endedBy: 'kill'`) stays open after
 *   its last line until killed, as the real program would have; one that ended by itself ends.
 *   A spawn past the recorded streams of its argv stays silent until killed. SpawnOptions
 *   (stdin, keepStdinOpen) are accepted and not compared: a stream matches by its argv.
 */
import type {
  ExecOptions,
  ExecResult,
  LineProcess,
  ProcessRunner,
  SpawnOptions,
} from '@netbearer/core';
import { abortableDelay, splitLines } from '@netbearer/core';
import { type Bundle, programName, type RecordedStream } from './bundle-format.js';
import { ReplayMismatchError } from './errors.js';

export interface ReplayOptions {
  /** Waits `ms` of replayed time; resolves early when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ReplayRunner extends ProcessRunner {
  /** Calls the bundle had no recording of, in the order they were made. */
  unmatched(): readonly ReplayMismatchError[];
}

export function createReplayRunner(bundle: Bundle, options: ReplayOptions = {}): ReplayRunner {
  const sleep = options.sleep ?? abortableDelay;
  const commands = groupBy(bundle.commands);
  const streams = groupBy(bundle.streams);
  const used = new Map<string, number>();
  const unmatched: ReplayMismatchError[] = [];

  const take = <T>(groups: Map<string, T[]>, file: string, args: readonly string[]) => {
    const k = key(file, args);
    const list = groups.get(k);
    if (list === undefined) return { found: undefined, fresh: false };
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    return { found: list[Math.min(n, list.length - 1)], fresh: n < list.length };
  };

  return {
    unmatched: () => [...unmatched],
    async exec(file: string, args: readonly string[], _options: ExecOptions): Promise<ExecResult> {
      const { found } = take(commands, file, args);
      if (found === undefined) {
        const error = new ReplayMismatchError(file, args, 'exec');
        unmatched.push(error);
        throw error;
      }
      // Copies: an engine may not change what the next replay of this argv returns.
      return {
        ...found.result,
        stdout: Buffer.from(found.result.stdout),
        stderr: Buffer.from(found.result.stderr),
      };
    },
    spawnLines(file: string, args: readonly string[], _options?: SpawnOptions): LineProcess {
      const { found, fresh } = take(streams, file, args);
      const killed = new AbortController();
      let error: ReplayMismatchError | undefined;
      if (found === undefined) {
        error = new ReplayMismatchError(file, args, 'stream');
        unmatched.push(error);
      }
      return {
        lines: error
          ? failing(error)
          : replayLines(fresh ? found! : silentStream(found!), sleep, killed.signal),
        async kill() {
          killed.abort();
        },
      };
    },
  };
}

async function* replayLines(
  stream: RecordedStream,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
  killed: AbortSignal,
): AsyncIterable<Buffer> {
  let at = 0;
  for (const event of stream.events) {
    if (event.t > at) await sleep(event.t - at, killed);
    at = event.t;
    if (killed.aborted) return;
    if (event.fd !== 1) continue;
    // A hand-made bundle may hold several lines in one event.
    yield* splitLines(once(event.bytes));
    if (killed.aborted) return;
  }
  if (stream.endedBy === 'kill' && !killed.aborted) {
    await new Promise<void>((resolve) =>
      killed.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
}

async function* once(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}

// biome-ignore lint/correctness/useYield: it fails on the first read, like a program that cannot start
async function* failing(error: Error): AsyncIterable<Buffer> {
  throw error;
}

function silentStream(stream: RecordedStream): RecordedStream {
  return { ...stream, events: [], endedBy: 'kill' };
}

function key(file: string, args: readonly string[]): string {
  return JSON.stringify([programName(file).toLowerCase(), ...args]);
}

function groupBy<T extends { file: string; args: readonly string[] }>(
  items: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item.file, item.args);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
