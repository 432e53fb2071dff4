/**
 * A process runner that records: every command's argv and raw output bytes, and every line
 * of the long-lived programs with its time, while passing everything through unchanged.
 */
import type { ExecOptions, LineProcess, ProcessRunner, SpawnOptions } from '@netbearer/core';
import type { RecordedCommand, RecordedStream, StreamEvent } from './bundle-format.js';

export interface RecordingRunner {
  /** Use this in place of the runner it wraps. */
  readonly runner: ProcessRunner;
  /** Everything recorded so far, in the order the calls were made (streams: as spawned). */
  commands(): readonly RecordedCommand[];
  streams(): readonly RecordedStream[];
  /** Ends the programs still running (their recording ends 'kill'). */
  close(): Promise<void>;
}

export function createRecordingRunner(
  inner: ProcessRunner,
  now: () => number = () => performance.now(),
): RecordingRunner {
  const began = now();
  const commands: { order: number; command: RecordedCommand }[] = [];
  const streams: { stream: MutableStream; process: LineProcess }[] = [];
  let calls = 0;

  const runner: ProcessRunner = {
    async exec(file: string, args: readonly string[], options: ExecOptions) {
      const order = calls++;
      const start = now();
      const result = await inner.exec(file, args, options);
      commands.push({
        order,
        command: {
          file,
          args: [...args],
          verbatim: options.verbatim === true,
          result,
          startMs: Math.round(start - began),
          durationMs: Math.round(now() - start),
        },
      });
      return result;
    },
    spawnLines(file: string, args: readonly string[], options?: SpawnOptions): LineProcess {
      const start = now();
      const process = inner.spawnLines(file, args, options);
      const stream: MutableStream = {
        file,
        args: [...args],
        ...(options?.stdin === undefined ? {} : { stdin: options.stdin }),
        ...(options?.keepStdinOpen === true ? { keepStdinOpen: true } : {}),
        events: [],
        endedBy: 'exit',
        startMs: Math.round(start - began),
        durationMs: 0,
        killed: false,
        ended: false,
      };
      streams.push({ stream, process });
      const finish = () => {
        if (stream.ended) return;
        stream.ended = true;
        stream.endedBy = stream.killed ? 'kill' : 'exit';
        stream.durationMs = Math.round(now() - start);
      };
      async function* lines(): AsyncIterable<Buffer> {
        try {
          for await (const line of process.lines) {
            stream.events.push({ t: Math.round(now() - start), fd: 1, bytes: Buffer.from(line) });
            yield line;
          }
        } finally {
          finish();
        }
      }
      return {
        lines: lines(),
        async kill() {
          stream.killed = true;
          await process.kill();
          finish();
        },
      };
    },
  };

  return {
    runner,
    // Commands in call order, whatever order they finished in.
    commands: () => [...commands].sort((a, b) => a.order - b.order).map((c) => c.command),
    streams: () =>
      streams.map(({ stream }) => {
        const { killed, ended, ...recorded } = stream;
        return {
          ...recorded,
          events: [...recorded.events],
          endedBy: ended ? recorded.endedBy : 'kill',
          durationMs: ended ? recorded.durationMs : Math.round(now() - began - recorded.startMs),
        };
      }),
    async close() {
      for (const { stream, process } of streams) {
        if (!stream.ended) {
          stream.killed = true;
          await process.kill();
        }
      }
    },
  };
}

interface MutableStream {
  file: string;
  args: string[];
  stdin?: string;
  keepStdinOpen?: boolean;
  events: StreamEvent[];
  endedBy: 'exit' | 'kill';
  startMs: number;
  durationMs: number;
  killed: boolean;
  ended: boolean;
}
