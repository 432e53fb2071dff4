import { describe, expect, it } from 'vitest';
import { ProgressBar, size } from './progress-bar.js';

function terminal(columns = 80) {
  const writes: string[] = [];
  return { writes, stream: { columns, write: (text: string) => writes.push(text) } };
}

describe('the progress bar', () => {
  it('shows a bar, the percentage, the sizes and the rate when the total is known', () => {
    const { stream } = terminal();
    const line = new ProgressBar(stream).line(4 * 1024 * 1024, 8 * 1024 * 1024, 2000);
    expect(line).toMatch(/^\[#+ +\] {2}50% {2}4\.0 MiB \/ 8\.0 MiB {2}2\.0 MiB\/s$/);
    expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows the bytes and rate alone when the total is unknown', () => {
    expect(new ProgressBar(terminal().stream).line(1536, -1, 1000)).toBe('1.5 KiB  1.5 KiB/s');
  });

  it('redraws in place at most every 100 ms, always at the end, and clears its line', () => {
    const { writes, stream } = terminal();
    const bar = new ProgressBar(stream);
    bar.update(1, 100);
    bar.update(2, 100); // too soon: not drawn
    bar.update(100, 100); // the end: drawn anyway
    expect(writes).toHaveLength(2);
    expect(writes.every((w) => w.startsWith('\r') && w.endsWith('\x1b[K'))).toBe(true);
    bar.clear();
    bar.clear(); // nothing shown any more: nothing written
    expect(writes.slice(2)).toEqual(['\r\x1b[K']);
  });

  it('sizes in B, KiB, MiB, GiB', () => {
    expect([0, 1023, 1024, 5 * 1024 ** 2, 3 * 1024 ** 3].map(size)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '5.0 MiB',
      '3.0 GiB',
    ]);
  });
});
