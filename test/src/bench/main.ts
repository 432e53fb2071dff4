// `pnpm bench` runs every benchmark; `pnpm bench --json` prints one JSON object per line.
import type { BenchLine } from './measure.js';
import { networkManagerBenchmarks } from './networkmanager.js';
import { sessionScale } from './session-scale.js';

const verdict = (met: boolean, goal: string) => `goal ${goal}: ${met ? 'met' : 'MISSED'}`;
const goals: Record<string, (l: BenchLine) => string> = {
  sessions: (l) => verdict(l.ratio <= 2, 'ratio ≤ 2.0'),
  heap: (l) => verdict(l.value <= 8192, '≤ 8 KB'),
  'networkmanager: cold': (l) => verdict(l.ratio <= 0.5, 'ratio ≤ 0.5'),
  'networkmanager: signal': (l) => verdict(l.value <= 1, 'overhead ≤ 1 ms'),
  'networkmanager: idle': (l) => verdict(l.value <= 10, '≤ 10 ms'),
  'generic: idle': (l) => verdict(l.value <= 10, '≤ 10 ms'),
};

const json = process.argv.includes('--json');
// The NetworkManager benchmarks start a sandboxed NetworkManager: they need root.
const benchmarks: Array<() => Promise<BenchLine[]>> = [
  () => sessionScale(),
  networkManagerBenchmarks,
];

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
