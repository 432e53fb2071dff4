/**
 * A child process for hold-registry.test.ts: another netbearer process on the same registry.
 * The test transpiles this file and the registry into a temporary directory and runs
 * `node hold-registry.fixture.js <dir> <command> …`:
 * - `count <file> <n>`: n times, under the lock, reads a number from <file> and writes it + 1;
 * - `hold <key> [up]`: holds <key> (marked as brought up with `up`), prints "held", waits;
 * - `churn <key> <n>`: n times hold then release <key>; prints the verdicts as JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { HoldRegistry } from './hold-registry.js';

const [directory = '', command = '', ...args] = process.argv.slice(2);
const registry = HoldRegistry.open({ directory, lockTimeoutMs: 10_000 });

function count(file: string, times: number): void {
  for (let i = 0; i < times; i += 1) {
    registry.exclusive(() => {
      const now = Number(readFileSync(file, 'utf8') || '0');
      writeFileSync(file, String(now + 1));
    });
  }
  process.stdout.write('done\n');
}

function churn(key: string, times: number): void {
  const verdicts: Record<string, number> = {};
  for (let i = 0; i < times; i += 1) {
    registry.hold(key);
    const verdict = registry.release(key);
    verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  }
  process.stdout.write(`${JSON.stringify(verdicts)}\n`);
}

if (command === 'count') count(args[0] ?? '', Number(args[1]));
else if (command === 'churn') churn(args[0] ?? '', Number(args[1]));
else if (command === 'hold') {
  registry.hold(args[0] ?? '', args[1] === 'up');
  process.stdout.write(`held ${registry.holder}\n`);
  setInterval(() => {}, 60_000);
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exitCode = 2;
}
