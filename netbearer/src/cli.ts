#!/usr/bin/env node
// The `netbearer` command: Ctrl-C and SIGTERM end a watch or a held session cleanly.
import { run } from './command-line.js';

const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interrupt.abort());
}
// A reader that went away (`netbearer watch | head`) ends the command quietly, as a stop.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  interrupt.abort();
  process.exitCode ??= 0;
});

process.exitCode = await run(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  interrupted: interrupt.signal,
  stdout: process.stdout,
  ...(process.stderr.isTTY ? { progress: process.stderr } : {}),
});
