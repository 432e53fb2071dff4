import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KeyValue, LineReader } from './text.js';

/** Text made of line breaks, whitespace of every kind, colons, digits and a few letters. */
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
      '\ufeff',
      'a',
      'b:',
      ' : ',
      'Ab',
      'é',
      '7',
      '--',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

interface Seen {
  readonly indent: number;
  readonly text: string;
  readonly above: string | undefined;
  readonly colon: number;
  readonly hasDigit: boolean;
  readonly lastVisible: string;
  readonly pair: KeyValue | undefined;
}

/** What the reader promises, written the obvious (array-building) way. */
function expectedLines(input: string): Seen[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const raw = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  return raw
    .map((line, number) => {
      const indent = line.length - line.replace(/^[ \t]+/, '').length;
      const content = line.slice(indent);
      return {
        indent,
        text: content,
        above: number === 0 ? undefined : raw[number - 1],
        colon: content.indexOf(':'),
        hasDigit: /\d/.test(content),
        lastVisible: content.trimEnd().slice(-1),
        pair: obviousPair(content),
      };
    })
    .filter((line) => line.text.trim() !== '');
}

/** `label : value` split at the first colon, the one space after it dropped from `raw`. */
function obviousPair(line: string): KeyValue | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const label = line.slice(0, colon).trim();
  const raw = line.slice(colon + 1).replace(/^ /, '');
  return { key: label.toLowerCase(), label, raw, value: raw.trim() };
}

function seen(reader: LineReader): Seen {
  const colon = reader.colon();
  const last = reader.lastVisible();
  return {
    indent: reader.indent,
    text: reader.text(),
    above: reader.lineAbove(),
    colon: colon < 0 ? -1 : colon - reader.start,
    hasDigit: reader.hasDigit(),
    lastVisible: last === 0 ? '' : String.fromCharCode(last),
    pair: reader.pair(),
  };
}

function readAll(reader: LineReader, move: (r: LineReader) => boolean): Seen[] {
  const got: Seen[] = [];
  while (move(reader)) got.push(seen(reader));
  expect(move(reader)).toBe(false);
  return got;
}

describe('LineReader', () => {
  it('gives the non-blank lines with their indentation, the line above, colon and digits', () => {
    fc.assert(
      fc.property(texty, (text) => {
        expect(readAll(new LineReader(text), (r) => r.next())).toEqual(expectedLines(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('nextWith and nextWithDigit give exactly the lines that hold what is searched for', () => {
    fc.assert(
      fc.property(texty, fc.constantFrom(':', 'b:', '--', 'é'), (text, search) => {
        const all = expectedLines(text);
        expect(readAll(new LineReader(text), (r) => r.nextWith(search))).toEqual(
          all.filter((line) => line.text.includes(search)),
        );
        expect(readAll(new LineReader(text), (r) => r.nextWithDigit())).toEqual(
          all.filter((line) => line.hasDigit),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('a fork reads on from the same line and leaves the reader where it was', () => {
    fc.assert(
      fc.property(texty, fc.nat(10), (text, skip) => {
        const reader = new LineReader(text);
        let moved = false;
        for (let i = 0; i < skip && reader.next(); i++) moved = true;
        const before = moved ? seen(reader) : undefined;
        const ahead = readAll(reader.fork(), (r) => r.next());
        if (before) expect(seen(reader)).toEqual(before);
        expect(ahead).toEqual(readAll(reader, (r) => r.next()));
      }),
      { numRuns: 1000 },
    );
  });
});
