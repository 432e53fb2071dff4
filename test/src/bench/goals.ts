import type { BenchLine } from './measure.js';

interface Goal {
  /** The lines it judges: their name starts with this. */
  readonly prefix: string;
  readonly text: string;
  readonly met: (l: BenchLine) => boolean;
  /** What was judged, where the line does not show it already. */
  readonly detail?: (l: BenchLine) => string;
}

const difference = (l: BenchLine) => Math.round((l.value - l.baseline) * 100) / 100;

export const goals: readonly Goal[] = [
  { prefix: 'sessions', text: 'ratio ≤ 2.0', met: (l) => l.ratio <= 2 },
  { prefix: 'heap per idle open session', text: '≤ 8 KB', met: (l) => l.value <= 8192 },
  { prefix: 'link churn', text: '≤ 1 MB', met: (l) => l.value <= 1024 },
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
  ...['networkmanager: idle', 'generic: idle'].map((prefix) => ({
    prefix,
    text: 'value − baseline ≤ 10 ms',
    met: (l: BenchLine) => difference(l) <= 10,
    detail: (l: BenchLine) => `${difference(l)} ms`,
  })),
];

/** The goal's verdict on a line, or undefined where no goal applies. */
export function judge(l: BenchLine): { text: string; met: boolean } | undefined {
  const goal = goals.find((g) => l.name.startsWith(g.prefix));
  if (!goal) return undefined;
  const met = goal.met(l);
  const detail = goal.detail ? ` (${goal.detail(l)})` : '';
  return { text: `goal ${goal.text}${detail}: ${met ? 'met' : 'MISSED'}`, met };
}
