/**
 * A recorded runner: a table of (file, argv) → result, or a function of the call count; a
 * stateful world can answer the rest (`otherwise`); an unknown call throws naming its argv.
 * Line processes are scripted by the test (or by the world, through `onSpawn`).
 */
import type { ExecOptions, ExecResult, LineProcess, ProcessRunner } from '@netbearer/core';

export interface Call {
  readonly file: string;
  readonly args: readonly string[];
  readonly verbatim: boolean;
}

type Answer = ExecResult | ((callIndex: number) => ExecResult);

export function result(stdout: string | Buffer, code = 0, stderr = ''): ExecResult {
  return {
    stdout: typeof stdout === 'string' ? Buffer.from(stdout, 'utf8') : stdout,
    stderr: Buffer.from(stderr, 'utf8'),
    code,
    signal: null,
    timedOut: false,
  };
}

const key = (file: string, args: readonly string[]) => JSON.stringify([file, ...args]);

export class FakeLineProcess implements LineProcess {
  readonly #queue: Buffer[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  killed = false;

  /** Whether the program has exited (killed or died). */
  get ended(): boolean {
    return this.#ended;
  }

  readonly lines: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Buffer>> => {
        for (;;) {
          const line = this.#queue.shift();
          if (line) return { value: line, done: false };
          if (this.#ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      },
    }),
  };

  constructor(
    readonly file: string,
    readonly args: readonly string[],
  ) {}

  /** The program prints a line. */
  print(line: string): void {
    this.#queue.push(Buffer.from(line, 'utf8'));
    this.#wake?.();
  }

  /** The program dies by itself. */
  die(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async kill(): Promise<void> {
    this.killed = true;
    this.die();
  }
}

export class FakeRunner implements ProcessRunner {
  readonly calls: Call[] = [];
  readonly spawned: FakeLineProcess[] = [];
  readonly #answers = new Map<string, Answer>();
  readonly #counts = new Map<string, number>();
  /** Thrown by the next spawnLines, if set (e.g. powershell.exe missing). */
  spawnFailure: Error | undefined;
  /** Answers calls the table does not have; undefined: the call is unexpected. */
  otherwise: ((file: string, args: readonly string[]) => ExecResult | undefined) | undefined;
  /** Told of every line process started (a world prints its first lines here). */
  onSpawn: ((process: FakeLineProcess) => void) | undefined;

  on(file: string, args: readonly string[], answer: Answer): this {
    this.#answers.set(key(file, args), answer);
    return this;
  }

  async exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.calls.push({ file, args: [...args], verbatim: options.verbatim === true });
    const k = key(file, args);
    const answer = this.#answers.get(k);
    const count = this.#counts.get(k) ?? 0;
    this.#counts.set(k, count + 1);
    const outcome = answer
      ? typeof answer === 'function'
        ? answer(count)
        : answer
      : this.otherwise?.(file, args);
    if (!outcome) throw new Error(`FakeRunner: unexpected call ${file} ${JSON.stringify(args)}`);
    await Promise.resolve();
    return outcome;
  }

  spawnLines(file: string, args: readonly string[]): LineProcess {
    if (this.spawnFailure) throw this.spawnFailure;
    const process = new FakeLineProcess(file, args);
    this.spawned.push(process);
    this.onSpawn?.(process);
    return process;
  }

  /** The line processes still running. */
  running(): FakeLineProcess[] {
    return this.spawned.filter((p) => !p.ended);
  }

  /** The calls whose argv starts with the given words. */
  callsTo(...words: string[]): Call[] {
    return this.calls.filter((c) => words.every((w, i) => c.args[i] === w));
  }
}
