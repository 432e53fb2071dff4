import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineReader } from './text.js';

/** Text made of line breaks, whitespace of every kind, and a few letters. */
const texty = fc
  .array(
    fc.constantFrom('\n', '\r', '\r\n', ' ', '\t', '\u00a0', '\u2028', '\ufeff', 'a', 'b:', 'é'),
    {
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''));

function all(reader: LineReader, next: (r: LineReader) => string | undefined) {
  const out: Array<[string, number]> = [];
  for (let line = next(reader); line !== undefined; line = next(reader)) {
    out.push([line, reader.number]);
  }
  return out;
}

describe('LineReader', () => {
  it('reads the lines split on LF, CRLF or CR, without a final empty one, numbered from 1', () => {
    fc.assert(
      fc.property(texty, (text) => {
        const lines = text.split(/\r\n|\n|\r/);
        if (lines.at(-1) === '') lines.pop();
        expect(all(new LineReader(text), (r) => r.next())).toEqual(
          lines.map((line, i) => [line, i + 1]),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('nextNonBlank skips exactly the lines trim() empties, and keeps their numbers', () => {
    fc.assert(
      fc.property(texty, (text) => {
        const lines = text.split(/\r\n|\n|\r/);
        if (lines.at(-1) === '') lines.pop();
        const expected = lines
          .map((line, i): [string, number] => [line, i + 1])
          .filter(([line]) => line.trim() !== '');
        expect(all(new LineReader(text), (r) => r.nextNonBlank())).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
