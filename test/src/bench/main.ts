// `pnpm bench` runs every benchmark; `pnpm bench --json` prints one JSON object per line.
import type { BenchLine } from './measure.js';
import { sessionScale } from './session-scale.js';

const goals: Record<string, (l: BenchLine) => string> = {
  sessions: (l) => (l.ratio <= 2 ? 'goal ratio ≤ 2.0: met' : 'goal ratio ≤ 2.0: MISSED'),
  heap: (l) => (l.value <= 8192 ? 'goal ≤ 8 KB: met' : 'goal ≤ 8 KB: MISSED'),
};

const json = process.argv.includes('--json');
const benchmarks: Array<() => Promise<BenchLine[]>> = [() => sessionScale()];

for (const run of benchmarks) {
  for (const l of await run()) {
    if (json) {
      console.log(JSON.stringify(l));
      continue;
    }
    const goal = Object.entries(goals).find(([prefix]) => l.name.startsWith(prefix))?.[1](l) ?? '';
    console.log(
      `${l.name}\n  ${l.value} ${l.unit} (baseline ${l.baseline} ${l.unit}, ratio ${l.ratio}) ${goal}`,
    );
  }
}
