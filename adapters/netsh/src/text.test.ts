import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Line, LineReader } from './text.js';

/** Text made of line breaks, whitespace of every kind, and a few letters. */
const texty = fc
  .array(
    fc.constantFrom('\n', '\r', '\r\n', ' ', '\t', '\u00a0', '\u2028', '\ufeff', 'a', 'b:', 'é'),
    {
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''));

/** What the reader promises, written the obvious (array-building) way. */
function expectedLines(input: string): Line[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return text
    .split('\n')
    .map((raw, number) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const indent = line.length - line.replace(/^[ \t]+/, '').length;
      return { indent, text: line.slice(indent), number };
    })
    .filter((line) => line.text.trim() !== '');
}

describe('LineReader', () => {
  it('gives the non-blank lines with their indentation and numbers; peek does not consume', () => {
    fc.assert(
      fc.property(texty, fc.boolean(), (text, peeking) => {
        const reader = new LineReader(text);
        const got: Line[] = [];
        for (;;) {
          const peeked = peeking ? reader.peek() : undefined;
          const line = reader.next();
          if (peeking) expect(line).toEqual(peeked);
          if (line === undefined) break;
          got.push(line);
        }
        expect(got).toEqual(expectedLines(text));
      }),
      { numRuns: 2000 },
    );
  });
});
