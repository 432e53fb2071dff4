import type { Terminal } from '../command-line.js';

/** A terminal that keeps what the command prints: `out` and `err`, a line an entry. */
export function recordingTerminal(
  interrupted: AbortSignal = new AbortController().signal,
  env: NodeJS.ProcessEnv = {},
): { t: Terminal; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const t: Terminal = { out: (l) => out.push(l), err: (l) => err.push(l), env, interrupted };
  return { t, out, err };
}
