import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineReader } from './text.js';

/** Text made of line breaks, whitespace of every kind, and a few letters. */
const texty = fc
  .array(
    fc.constantFrom(
      '\n',
      '\r',
      '\r\n',
      ' ',
      '\t',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\ufeff',
      '\ufffd',
      'a',
      'b:',
      ' : ',
      ': ',
      'é',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** What the reader promises for each line, written the obvious (array-building) way. */
interface Line {
  line: string;
  number: number;
  trimmed: string;
  colon: number;
  key: string | undefined;
  value: string;
}

function expectedLines(text: string): Line[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const colon = line.indexOf(':');
    const key = colon < 0 ? undefined : line.slice(0, colon).trim();
    const value = colon < 0 ? '' : line.slice(colon + 1);
    return {
      line,
      number: i + 1,
      trimmed: line.trim(),
      colon,
      key: key === '' ? undefined : key,
      value: value.startsWith(' ') ? value.slice(1) : value,
    };
  });
}

/** The same, read through the reader's offsets and helpers. */
function read(reader: LineReader): Line {
  const { text, start, first, last } = reader;
  const colon = reader.find(':');
  expect(reader.trimmed()).toBe(text.slice(first, last));
  return {
    line: reader.line,
    number: reader.number,
    trimmed: text.slice(first, last),
    colon: colon < 0 ? -1 : colon - start,
    key: reader.key(),
    value: reader.value(),
  };
}

describe('LineReader', () => {
  it('reads the lines split on LF, CRLF or CR, without a final empty one, numbered from 1', () => {
    fc.assert(
      fc.property(texty, (text) => {
        const reader = new LineReader(text);
        const got: Line[] = [];
        while (reader.next()) got.push(read(reader));
        expect(got).toEqual(expectedLines(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('nextNonBlank skips exactly the lines trim() empties, and keeps their numbers', () => {
    fc.assert(
      fc.property(texty, (text) => {
        const reader = new LineReader(text);
        const got: Line[] = [];
        while (reader.nextNonBlank()) got.push(read(reader));
        expect(got).toEqual(expectedLines(text).filter((line) => line.trimmed !== ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds strings in the current line only, as indexOf does', () => {
    const searches = [' : ', 'b:', 'a', ':', 'é\n'];
    fc.assert(
      fc.property(texty, fc.subarray(searches), (text, asked) => {
        const reader = new LineReader(text);
        const lines = expectedLines(text);
        for (const expected of lines) {
          expect(reader.next()).toBe(true);
          for (const search of asked) {
            const at = reader.find(search);
            expect(at < 0 ? -1 : at - reader.start).toBe(expected.line.indexOf(search));
          }
        }
        expect(reader.next()).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('trims any part of a line and tells where a prefix is, as trim() and startsWith() do', () => {
    fc.assert(
      fc.property(texty, fc.nat(), fc.nat(), (text, a, b) => {
        const reader = new LineReader(text);
        while (reader.next()) {
          const { line, start } = reader;
          const from = a % (line.length + 1);
          const to = from + (b % (line.length - from + 1));
          expect(reader.trimmed(start + from, start + to)).toBe(line.slice(from, to).trim());
          expect(reader.startsWith(line.slice(from, to), start + from)).toBe(true);
          // Never past the line's end, into its line break.
          const across = reader.text.slice(start + from, reader.end + 1);
          expect(reader.startsWith(across, start + from)).toBe(reader.end === reader.text.length);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
