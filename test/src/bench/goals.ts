import type { BenchLine } from './measure.js';

interface Goal {
  /** The lines it judges: their name starts with this. */
  readonly prefix: string;
  readonly text: string;
  readonly met: (l: BenchLine) => boolean;
  /** What was judged, where the line does not show it already. */
  readonly detail?: (l: BenchLine) => string;
  /** Narrows the lines judged beyond the prefix (default: every line with the prefix). */
  readonly applies?: (l: BenchLine) => boolean;
}

const difference = (l: BenchLine) => Math.round((l.value - l.baseline) * 100) / 100;

export const goals: readonly Goal[] = [
  { prefix: 'sessions', text: 'ratio ≤ 2.0', met: (l) => l.ratio <= 2 },
  { prefix: 'heap per idle open session', text: '≤ 8 KB', met: (l) => l.value <= 8192 },
  { prefix: 'link churn', text: '≤ 1 MB', met: (l) => l.value <= 1024 },
  { prefix: 'inspector attached, no page', text: 'ratio ≤ 1.5', met: (l) => l.ratio <= 1.5 },
  { prefix: 'inspector with a page reading', text: 'ratio ≤ 2.0', met: (l) => l.ratio <= 2 },
  { prefix: 'networkmanager: cold', text: 'ratio ≤ 0.5', met: (l) => l.ratio <= 0.5 },
  { prefix: 'networkmanager: signal', text: 'overhead ≤ 1 ms', met: (l) => l.value <= 1 },
  // An idle process alone uses CPU too (47 ms on a busy machine): what netbearer adds is the
  // difference from the empty process measured beside it.
  // Fed the same fixtures as node-wifi and systeminformation: every field of every access
  // point right, and no throw (a throw scores that fixture nothing, so 100% needs both).
  ...['networks', 'interfaces'].flatMap((command) => [
    {
      prefix: `parse fidelity: netsh show ${command}, fields right`,
      text: 'ours = 100%',
      met: (l: BenchLine) => l.value === 100,
    },
    {
      prefix: `parse fidelity: netsh show ${command}, fixtures parsed without a throw`,
      text: 'ours = 100% (0 throws)',
      met: (l: BenchLine) => l.value === 100,
    },
  ]),
  // Any output, real or pathological, is read at 50 ms (of CPU) per MB or less.
  { prefix: 'parse time per MB', text: '≤ 50 ms', met: (l) => l.value <= 50 },
  ...['networkmanager: idle', 'generic: idle'].map((prefix) => ({
    prefix,
    text: 'value − baseline ≤ 10 ms',
    met: (l: BenchLine) => difference(l) <= 10,
    detail: (l: BenchLine) => `${difference(l)} ms`,
  })),
  // The access manager (issue 7 §5): being connection-aware costs at most a tenth of undici's
  // `request` it is built on, and it stays well ahead of `fetch` (0.3–0.47× request here).
  ...['2000 small GETs at concurrency 6', '8 MiB download']
    .flatMap((what) => [
      { prefix: `access: ${what}`, suffix: 'vs undici request', text: 'ratio ≥ 0.9', min: 0.9 },
      { prefix: `access: ${what}`, suffix: 'vs global fetch', text: 'ratio ≥ 2.0', min: 2 },
    ])
    .map(({ prefix, suffix, text, min }) => ({
      prefix,
      text,
      met: (l: BenchLine) => l.ratio >= min,
      applies: (l: BenchLine) => l.name.endsWith(suffix),
    })),
  {
    prefix: 'access: small GET p99 latency',
    text: 'ratio ≤ 1.5',
    met: (l) => l.ratio <= 1.5,
    applies: (l) => l.name.endsWith('vs undici request'),
  },
  // A fresh entry from the disk cache beats even a loopback server.
  { prefix: 'access: cache hit', text: 'ratio ≥ 1.0', met: (l) => l.ratio >= 1 },
  // Moving a download costs little more than the new connection and request it needs.
  {
    prefix: 'access: roam',
    text: 'value − baseline ≤ 20 ms',
    met: (l) => difference(l) <= 20,
    detail: (l) => `${difference(l)} ms`,
  },
];

/** The goal's verdict on a line, or undefined where no goal applies. */
export function judge(l: BenchLine): { text: string; met: boolean } | undefined {
  const goal = goals.find((g) => l.name.startsWith(g.prefix) && (g.applies?.(l) ?? true));
  if (!goal) return undefined;
  const met = goal.met(l);
  const detail = goal.detail ? ` (${goal.detail(l)})` : '';
  return { text: `goal ${goal.text}${detail}: ${met ? 'met' : 'MISSED'}`, met };
}
