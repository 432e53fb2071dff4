/**
 * The child's side of json-line-child.ts, for nm-holder-child.ts and nm-access-child.ts: runs
 * `commands[op](args)` for each `{ id, op, ...args }` line on stdin and answers
 * `{ id, ok, value | error }` on stdout, after a first `{ ready, pid }`.
 */
import { createInterface } from 'node:readline';

export type Commands = Record<string, (args: Record<string, unknown>) => unknown>;

const out = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);

export function serveJsonLines(commands: Commands): void {
  createInterface({ input: process.stdin }).on('line', async (line) => {
    let id: unknown = null;
    try {
      const { id: requestId, op, ...args } = JSON.parse(line) as Record<string, unknown>;
      id = requestId;
      const command = commands[String(op)];
      if (!command) throw new Error(`unknown op ${String(op)}`);
      out({ id, ok: true, value: (await command(args)) ?? null });
    } catch (error) {
      const { name, kind, message } = (error ?? {}) as Record<string, unknown>;
      out({ id, ok: false, error: { name, kind, message: String(message ?? error) } });
    }
  });
  out({ ready: true, pid: process.pid });
}
