import { describe, expect, it } from 'vitest';
import { genericShapes, subjects } from './parse-time.js';

const megabyte = 2 ** 20;

/** A ParseError of either package, or an airport `{ error }`. */
const isRefusal = (r: unknown) =>
  r instanceof Error ||
  (typeof r === 'object' && r !== null && (r as { error?: unknown }).error instanceof Error);

describe('parse time benchmark inputs', () => {
  it('every sample is about a megabyte of output its parser reads as a value, not a refusal', () => {
    for (const subject of subjects) {
      const sample = subject.sample();
      expect(sample.length, subject.name).toBeGreaterThanOrEqual(megabyte);
      expect(sample.length, subject.name).toBeLessThan(2 * megabyte);
      const value = subject.parse(sample);
      // Refusal detection reads all of an output that refuses nothing: its answer is undefined.
      if (subject.name !== 'netsh refusal detection') expect(value, subject.name).toBeDefined();
      expect(isRefusal(value), subject.name).toBe(false);
    }
  });

  it('every generated shape is at least a megabyte', () => {
    for (const [shape, make] of Object.entries(genericShapes)) {
      expect(make().length, shape).toBeGreaterThanOrEqual(megabyte);
    }
  });
});
