/**
 * A recorded runner: a table of (file, argv) → result, or a function of the call count; an
 * unknown call throws naming its argv. Line processes are scripted by the test.
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

  on(file: string, args: readonly string[], answer: Answer): this {
    this.#answers.set(key(file, args), answer);
    return this;
  }

  async exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.calls.push({ file, args: [...args], verbatim: options.verbatim === true });
    const k = key(file, args);
    const answer = this.#answers.get(k);
    if (!answer) throw new Error(`FakeRunner: unexpected call ${file} ${JSON.stringify(args)}`);
    const count = this.#counts.get(k) ?? 0;
    this.#counts.set(k, count + 1);
    await Promise.resolve();
    return typeof answer === 'function' ? answer(count) : answer;
  }

  spawnLines(file: string, args: readonly string[]): LineProcess {
    if (this.spawnFailure) throw this.spawnFailure;
    const process = new FakeLineProcess(file, args);
    this.spawned.push(process);
    return process;
  }

  /** The calls whose argv starts with the given words. */
  callsTo(...words: string[]): Call[] {
    return this.calls.filter((c) => words.every((w, i) => c.args[i] === w));
  }
}
