/**
 * A child process driven over JSON lines (the protocol of nm-holder-child.ts and
 * nm-access-child.ts): `{ id, op, ...args }` in, `{ id, ok, value | error }` out, `{ ready }`
 * first. `argv` may put the child in a network namespace (['ip', 'netns', 'exec', ns, node, …]).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly value?: unknown;
  readonly error?: { name?: string; kind?: string; message: string };
  readonly ready?: boolean;
}

export class JsonLineChild {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  #nextId = 1;

  constructor(
    readonly name: string,
    argv: readonly [string, ...string[]],
    cwd: string,
  ) {
    const [file, ...args] = argv;
    this.#child = spawn(file, args, { cwd });
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    let readyNow: () => void = () => {};
    this.ready = new Promise((resolve) => {
      readyNow = resolve;
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        this.#stderr += `(unparsable) ${line}\n`;
        return;
      }
      if (reply.ready) readyNow();
      else if (typeof reply.id === 'number') this.#pending.get(reply.id)?.(reply);
    });
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** What the child's stderr said so far, for failure messages. */
  stderr(): string {
    return this.#stderr;
  }

  /** The op's value; rejects with the child's error, or when no answer came within `ms`. */
  async request<T = unknown>(op: string, args: Record<string, unknown> = {}, ms = 20_000) {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    const gone = this.exited.then(({ code, signal }) => {
      throw new Error(
        `${this.name} exited (${code ?? signal}) before answering ${op}; ${this.#stderr}`,
      );
    });
    this.#child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name}: no reply to ${op} in ${ms} ms; ${this.#stderr}`)),
        ms,
      );
    });
    gone.catch(() => {});
    try {
      const answer = await Promise.race([reply, late, gone]);
      if (!answer.ok) {
        const { kind, name, message } = answer.error ?? {};
        throw new Error(`${this.name} ${op}: ${kind ?? name ?? ''} ${message}`);
      }
      return answer.value as T;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /** As a crash: no dispose, no close, nothing. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** Asks the child to dispose, then ends its stdin; SIGKILL if it has not exited in 5 s. */
  async end(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    await this.request('dispose', {}, 10_000).catch(() => {});
    this.#child.stdin.end();
    const exited = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    if (!exited) {
      this.#child.kill('SIGKILL');
      throw new Error(`${this.name} did not exit after dispose(); ${this.#stderr}`);
    }
  }
}
