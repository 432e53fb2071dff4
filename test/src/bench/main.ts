// `pnpm bench` runs every benchmark; `pnpm bench --json` prints one JSON object per line;
// `pnpm bench --check` exits 1 when a goal is missed, and says which; `pnpm bench 'parse time'
// access` runs only the groups named.

import { accessBenchmarks } from './access.js';
import { judge } from './goals.js';
import { inspectorOverhead } from './inspector-overhead.js';
import { linkChurn } from './link-churn.js';
import type { BenchLine } from './measure.js';
import { networkManagerBenchmarks } from './networkmanager.js';
import { parseTime } from './parse-time.js';
import { peerFidelity } from './peer-fidelity.js';
import { sessionScale } from './session-scale.js';

const json = process.argv.includes('--json');
const check = process.argv.includes('--check');
// The NetworkManager benchmarks start a sandboxed NetworkManager: they need root.
const benchmarks: Array<[string, () => Promise<BenchLine[]>]> = [
  ['sessions', () => sessionScale()],
  ['inspector', () => inspectorOverhead()],
  ['link churn', () => linkChurn()],
  ['parse fidelity', peerFidelity],
  ['parse time', parseTime],
  ['networkmanager', networkManagerBenchmarks],
  // Starts the rig's nginx on loopback (its start is not timed).
  ['access', accessBenchmarks],
];

const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const unknown = named.filter((name) => !benchmarks.some(([group]) => group === name));
if (unknown.length > 0) {
  console.error(
    `no benchmark group ${unknown.map((n) => `"${n}"`).join(', ')}; the groups: ${benchmarks
      .map(([group]) => `"${group}"`)
      .join(', ')}`,
  );
  process.exit(2);
}

const missed: string[] = [];
const failed: string[] = [];
for (const [group, run] of benchmarks) {
  if (named.length > 0 && !named.includes(group)) continue;
  let lines: BenchLine[];
  try {
    lines = await run();
  } catch (error) {
    // A benchmark that cannot run has no result: never a pass.
    failed.push(group);
    console.error(`${group}: benchmark failed: ${error instanceof Error ? error.stack : error}`);
    continue;
  }
  for (const l of lines) {
    const verdict = judge(l);
    if (verdict && !verdict.met) missed.push(`${l.name}: ${verdict.text}`);
    if (json) {
      console.log(JSON.stringify({ ...l, ...(verdict ? { goal: verdict.text } : {}) }));
      continue;
    }
    console.log(
      `${l.name}\n  ${l.value} ${l.unit} (baseline ${l.baseline} ${l.unit}, ratio ${l.ratio}) ${verdict?.text ?? ''}`,
    );
  }
}

if (failed.length > 0) {
  console.error(`\nbenchmarks that could not run: ${failed.join(', ')}`);
  process.exitCode = 1;
}
if (check && missed.length > 0) {
  console.error(`\n${missed.length} goal(s) missed:\n${missed.map((m) => `- ${m}`).join('\n')}`);
  process.exitCode = 1;
} else if (check && failed.length === 0) {
  console.error('\nevery goal met');
}
