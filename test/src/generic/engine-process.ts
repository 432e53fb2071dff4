/**
 * The generic engine running in a child Node process inside a network namespace, driven over
 * JSON lines (fixtures/engine-child.mjs). Node cannot run TypeScript, so the child imports the
 * built package: the tests fail with a clear message when that build is missing or stale.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/engine-child.mjs', import.meta.url));
export const engineDist = repo('adapters/generic/dist/index.js');
export const coreDist = repo('core/dist/index.js');

/** Throws unless adapters/generic/dist is at least as new as every source file it comes from. */
export function requireBuild(): void {
  const hint = 'run `pnpm -w build` (tsc -b) before the kernel tests';
  for (const dist of [engineDist, coreDist]) {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: ${hint}.`);
  }
  const src = repo('adapters/generic/src');
  for (const file of readdirSync(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const built = repo(`adapters/generic/dist/${file.replace(/\.ts$/, '.js')}`);
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(`${src}/${file}`).mtimeMs) {
      throw new Error(`${built} is older than its source: ${hint}.`);
    }
  }
}

/** A line from the child: a reply carries the request's id, an event does not. */
export interface ChildMessage {
  readonly event?: string;
  readonly [key: string]: unknown;
}

interface ChildReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { name?: string; kind?: string; message: string };
}

export class EngineProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (reply: ChildReply) => void>();
  readonly #events: ChildMessage[] = [];
  #consumed = 0;
  #nextId = 1;
  #stderr = '';
  #wake: (() => void) | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(namespace: string) {
    // A process group of its own: cleanup after a failure kills the engine's `ip` child too.
    this.#child = spawn(
      'ip',
      ['netns', 'exec', namespace, process.execPath, fixture, engineDist, coreDist],
      { detached: true },
    );
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#received(line));
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Every event so far, consumed or not. */
  get events(): readonly ChildMessage[] {
    return this.#events;
  }

  async request<T = unknown>(
    op: string,
    args: Record<string, unknown> = {},
    ms = 5000,
  ): Promise<T> {
    const id = this.#nextId++;
    const reply = new Promise<ChildReply>((resolve) => this.#pending.set(id, resolve));
    this.#child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    const message = await this.#within(reply, ms, `reply to ${op}`);
    if (!message.ok) {
      const error = new Error(message.error?.message ?? 'child failed') as Error & {
        kind?: string;
      };
      error.name = message.error?.name ?? 'Error';
      if (message.error?.kind) error.kind = message.error.kind;
      throw error;
    }
    return message.value as T;
  }

  /** Waits for the next unconsumed event that matches, consuming every event up to it. */
  async waitFor(
    what: string,
    matches: (event: ChildMessage) => boolean,
    ms = 5000,
  ): Promise<ChildMessage> {
    const search = async (): Promise<ChildMessage> => {
      for (;;) {
        while (this.#consumed < this.#events.length) {
          const event = this.#events[this.#consumed++]!;
          if (matches(event)) return event;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    };
    return this.#within(search(), ms, what);
  }

  /** Events not consumed by waitFor yet. */
  unconsumed(): readonly ChildMessage[] {
    return this.#events.slice(this.#consumed);
  }

  /** Ends stdin: the child exits once nothing of the engine keeps it alive. */
  endInput(): void {
    this.#child.stdin.end();
  }

  /** Kills the child and whatever it started (its process group), after a failed test. */
  kill(): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null)
      return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  #received(line: string): void {
    let message: ChildMessage;
    try {
      message = JSON.parse(line) as ChildMessage;
    } catch {
      this.#stderr += `(unparsable stdout) ${line}\n`;
      return;
    }
    if (typeof message.id === 'number')
      this.#pending.get(message.id)?.(message as unknown as ChildReply);
    else {
      this.#events.push(message);
      this.#wake?.();
    }
  }

  async #within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const recent = JSON.stringify(this.#events.slice(-5));
        reject(
          new Error(
            `No ${what} within ${ms} ms. Recent events: ${recent}. stderr: ${this.#stderr}`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
