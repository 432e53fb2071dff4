import type {
  ExecOptions,
  ExecResult,
  LineProcess,
  ProcessRunner,
  SpawnOptions,
} from '@netbearer/core';

/** A recorded outcome of one command. */
export interface Recorded {
  readonly stdout?: string | Uint8Array;
  readonly stderr?: string | Uint8Array;
  readonly code?: number | null;
  readonly spawnError?: string;
  readonly timedOut?: boolean;
}

/** A fixed outcome, a sequence (the last repeats), or a function of the call count. */
export type Recording = Recorded | readonly Recorded[] | ((call: number) => Recorded);

export interface Call {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: ExecOptions;
}

const keyOf = (file: string, args: readonly string[]) => JSON.stringify([file, ...args]);

const bytes = (v: string | Uint8Array | undefined) =>
  v === undefined
    ? Buffer.alloc(0)
    : typeof v === 'string'
      ? Buffer.from(v, 'utf8')
      : Buffer.from(v);

/**
 * A recorded runner: a table (file, argv) → result. A call that is not in the table rejects
 * with an error naming the argv, and is kept in `unexpected` (the engine turns a rejection into
 * a failed command, so tests assert `unexpected` is empty).
 */
export class FakeRunner implements ProcessRunner {
  readonly calls: Call[] = [];
  readonly unexpected: string[] = [];
  readonly children: FakeLineProcess[] = [];
  readonly spawns: {
    file: string;
    args: readonly string[];
    stdin: string | undefined;
    keepStdinOpen: boolean;
  }[] = [];
  readonly #table = new Map<string, Recording>();
  readonly #counts = new Map<string, number>();
  /** Children exit at once unless spawned with `keepStdinOpen` (scutil's end of input). */
  exitAtEndOfInput = true;
  /** What each spawnLines call gets; by default a fresh FakeLineProcess. */
  onSpawn: (() => FakeLineProcess) | undefined;
  /** Answers calls the table does not have (a stateful world); undefined: unexpected. */
  otherwise: ((file: string, args: readonly string[]) => Recorded | undefined) | undefined;

  set(file: string, args: readonly string[], recording: Recording): this {
    this.#table.set(keyOf(file, args), recording);
    return this;
  }

  /** The argv of every exec call, as `file arg…` joined by spaces (for readable asserts). */
  argvs(): string[] {
    return this.calls.map((c) => [c.file, ...c.args].join(' '));
  }

  exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.calls.push({ file, args: [...args], options });
    const key = keyOf(file, args);
    const recording = this.#table.get(key) ?? this.otherwise?.(file, args);
    if (recording === undefined) {
      this.unexpected.push(key);
      return Promise.reject(new Error(`FakeRunner: no recording for ${key}`));
    }
    const count = this.#counts.get(key) ?? 0;
    this.#counts.set(key, count + 1);
    const recorded =
      typeof recording === 'function'
        ? recording(count)
        : Array.isArray(recording)
          ? (recording[Math.min(count, recording.length - 1)] as Recorded)
          : (recording as Recorded);
    return Promise.resolve({
      stdout: bytes(recorded.stdout),
      stderr: bytes(recorded.stderr),
      code: recorded.spawnError ? null : (recorded.code ?? 0),
      signal: null,
      timedOut: recorded.timedOut ?? false,
      ...(recorded.spawnError ? { spawnError: recorded.spawnError } : {}),
    });
  }

  spawnLines(file: string, args: readonly string[], options?: SpawnOptions): LineProcess {
    const keepStdinOpen = options?.keepStdinOpen === true;
    this.spawns.push({ file, args: [...args], stdin: options?.stdin, keepStdinOpen });
    const child = this.onSpawn ? this.onSpawn() : new FakeLineProcess();
    // Like scutil, a child whose input is closed after the script reaches its end and exits.
    if (!keepStdinOpen && this.exitAtEndOfInput) child.die();
    this.children.push(child);
    return child;
  }

  /** Children that have not ended (not killed, not died). */
  running(): FakeLineProcess[] {
    return this.children.filter((c) => !c.ended);
  }
}

/** A scripted long-lived child: push lines, make it die, see whether it was killed. */
export class FakeLineProcess implements LineProcess {
  killed = false;
  ended = false;
  readonly #queue: Buffer[] = [];
  #wake: (() => void) | undefined;

  readonly lines: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Buffer>> => {
        for (;;) {
          const line = this.#queue.shift();
          if (line) return { value: line, done: false };
          if (this.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      },
    }),
  };

  push(line: string): void {
    this.#queue.push(Buffer.from(line, 'utf8'));
    this.#poke();
  }

  /** The program exits by itself (crash, killed by someone else). */
  die(): void {
    this.ended = true;
    this.#poke();
  }

  kill(): Promise<void> {
    if (!this.ended) this.killed = true;
    this.die();
    return Promise.resolve();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
