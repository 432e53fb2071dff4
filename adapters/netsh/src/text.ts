/**
 * Structural helpers shared by the netsh parsers: lines with their indentation, and
 * `label : value` pairs split at the first colon (no netsh label contains one; values such
 * as MAC addresses and SSIDs may). Everything here runs in linear time.
 */

import { isWhiteSpace } from '@netbearer/core/internal';

/** A parser's refusal: the output is not what the command prints. Returned, never thrown. */
export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    /** Which output was being read, e.g. 'wlan show interfaces'. */
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

/** Outputs larger than this are not netsh output (its largest are a few hundred KB). */
export const maxInputChars = 8 * 1024 * 1024;

/**
 * More results than this in one output are not netsh output (a PC has a few WLAN interfaces
 * and sees at most a few hundred networks): the output is refused with a ParseError rather
 * than read into a list nobody could use (a megabyte of `a : b` lines is 100 000
 * "interfaces"). Well above the benchmark's megabyte of real outputs joined (13 000 rows).
 */
export const maxResults = 16384;

/** The authentication label, lower-cased, in the languages netsh prints it in. */
export const authenticationLabels = [
  'authentication',
  'authentifizierung',
  'autenticación',
  'authentification',
  'autenticazione',
  'verificatie',
];

const digit = /\d/g;

const maxKeys = 256;

export const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

const isIndentation = (c: number) => c === 0x20 || c === 0x09;

/** Whitespace within a line: what `trim()` removes, LF (the line's end) aside. */
const isBlank = (c: number) => c !== 0x0a && isWhiteSpace(c);

/**
 * The non-blank lines of an output (a line is blank when `trim()` leaves nothing), read in
 * place: the reader holds the current line's offsets in the output, and a parser looks at
 * char codes there before it asks for a string. No string, object or array is made per line,
 * and `nextWith` jumps from one line that holds what a parser looks for to the next without
 * reading the lines between: a megabyte of lines that cannot matter costs one search.
 */
export class LineReader {
  /** The whole output. */
  readonly input: string;
  /** Where the current line's content begins, after its indentation. */
  start = 0;
  /** Where it ends, before a trailing CR. */
  end = 0;
  /** Leading spaces and tabs (NBSP does not count). */
  indent = 0;
  /** Where the first line begins (after a BOM). */
  readonly #first: number;
  /** Where the next line begins. */
  #at: number;
  /** The first `:` at or after `start` (or the input's length): searched again once passed. */
  #colon = -1;
  /** Labels lower-cased so far: an output repeats a few dozen labels. */
  #keys: Map<string, string> | undefined;

  /**
   * A reader that lives as long as the class. V8 holds the hidden class of a reader's fields
   * weakly: once no reader is alive, a garbage collection drops it and, with it, the compiled
   * code of every method, so that the next output is read by unoptimised code. One live
   * reader that has read a line keeps that code.
   */
  static readonly keptAlive = LineReader.#used(new LineReader(['a : 1', ''].join('\n')));

  static #used(reader: LineReader): LineReader {
    reader.nextWith(':');
    reader.fork();
    return reader;
  }

  constructor(input: string) {
    this.input = input;
    this.#first = input.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.#at = this.#first;
  }

  /** Moves to the next non-blank line; false (and no line) at the end. */
  next(): boolean {
    // Char by char: per line, a loop is cheaper than an `indexOf` call.
    const input = this.input;
    const length = input.length;
    for (let at = this.#at; at < length; ) {
      let i = at;
      while (i < length && isIndentation(input.charCodeAt(i))) i++;
      const start = i;
      while (i < length && isBlank(input.charCodeAt(i))) i++;
      if (i < length && input.charCodeAt(i) !== 0x0a) {
        while (i < length && input.charCodeAt(i) !== 0x0a) i++;
        this.#take(at, start, i);
        return true;
      }
      at = i + 1;
    }
    this.#at = length;
    return false;
  }

  /**
   * Moves to the next line that holds `search`, skipping the lines between unread; false at
   * the end. What is searched for must not be whitespace.
   */
  nextWith(search: string): boolean {
    const found = this.input.indexOf(search, this.#at);
    // The first colon of the output from here is the line's first: `colon()` need not look.
    if (search === ':') this.#colon = found < 0 ? this.input.length : found;
    return this.#moveTo(found);
  }

  /** Moves to the next line that holds a digit, skipping the lines between unread. */
  nextWithDigit(): boolean {
    digit.lastIndex = this.#at;
    return this.#moveTo(digit.exec(this.input)?.index ?? -1);
  }

  /** Moves to the line that holds `found`, or to the end when it is -1. */
  #moveTo(found: number): boolean {
    const input = this.input;
    if (found < 0) {
      this.#at = input.length;
      return false;
    }
    // Loops, not `lastIndexOf`/`indexOf` calls: lines are short, and each is walked once.
    let begin = found;
    while (begin > this.#at && input.charCodeAt(begin - 1) !== 0x0a) begin--;
    let start = begin;
    while (isIndentation(input.charCodeAt(start))) start++;
    let end = found;
    while (end < input.length && input.charCodeAt(end) !== 0x0a) end++;
    this.#take(begin, start, end);
    return true;
  }

  #take(begin: number, start: number, newline: number): void {
    this.start = start;
    this.end = this.input.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
    this.indent = start - begin;
    this.#at = newline + 1;
  }

  /** A reader at the same line, to look ahead without moving this one. */
  fork(): LineReader {
    const copy = new LineReader(this.input);
    copy.start = this.start;
    copy.end = this.end;
    copy.indent = this.indent;
    copy.#at = this.#at;
    copy.#colon = this.#colon;
    copy.#keys = this.#keys;
    return copy;
  }

  /** The line without its indentation and without a trailing CR. */
  text(): string {
    return this.input.slice(this.start, this.end);
  }

  /** The line right above this one as printed (blank or not, CR dropped); none for the first. */
  lineAbove(): string | undefined {
    const begin = this.start - this.indent;
    if (begin <= this.#first) return undefined;
    const above = Math.max(this.input.lastIndexOf('\n', begin - 2) + 1, this.#first);
    const end = this.input.charCodeAt(begin - 2) === 0x0d ? begin - 2 : begin - 1;
    return this.input.slice(above, Math.max(end, above));
  }

  startsWith(prefix: string): boolean {
    return this.end - this.start >= prefix.length && this.input.startsWith(prefix, this.start);
  }

  /** The line's `label : value` pair, split at its first colon; undefined when it has none. */
  pair(): KeyValue | undefined {
    const colon = this.colon();
    if (colon < 0) return undefined;
    this.#keys ??= new Map();
    return keyValueAt(this.input, this.start, colon, this.end, this.#keys);
  }

  /** Where the line's first `:` is in the output, or -1 when it has none. */
  colon(): number {
    if (this.#colon < this.start) {
      const at = this.input.indexOf(':', this.start);
      this.#colon = at < 0 ? this.input.length : at;
    }
    return this.#colon < this.end ? this.#colon : -1;
  }

  hasDigit(): boolean {
    for (let i = this.start; i < this.end; i++) if (isDigit(this.input.charCodeAt(i))) return true;
    return false;
  }

  /** The line's last character that `trimEnd()` keeps. */
  lastVisible(): number {
    for (let end = this.end; end > this.start; end--) {
      const c = this.input.charCodeAt(end - 1);
      if (!isWhiteSpace(c)) return c;
    }
    return 0;
  }
}

/** `text` without trailing spaces and tabs (a loop: `/[ \t]+$/` rescans from every space). */
export function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return text.slice(0, end);
}

export interface KeyValue {
  /** The label, trimmed of spaces and NBSP, lower-cased. */
  readonly key: string;
  /** The label as printed, trimmed. */
  readonly label: string;
  /** Everything after the colon and the one space netsh puts after it, as printed. */
  readonly raw: string;
  /** `raw` trimmed (spaces, NBSP, tabs). */
  readonly value: string;
}

/**
 * Splits `label : value` (a line of `input` from `start` to `end`) at its first colon, at
 * `colon`: no label holds a colon, values (MACs, SSIDs) may. Sliced from the offsets, so that
 * a pair costs its three strings and nothing more.
 */
function keyValueAt(
  input: string,
  start: number,
  colon: number,
  end: number,
  keys: Map<string, string>,
): KeyValue {
  let labelStart = start;
  let labelEnd = colon;
  while (labelStart < labelEnd && isWhiteSpace(input.charCodeAt(labelStart))) labelStart++;
  while (labelEnd > labelStart && isWhiteSpace(input.charCodeAt(labelEnd - 1))) labelEnd--;
  const rawStart = input.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1;
  let valueStart = rawStart;
  let valueEnd = end;
  while (valueStart < valueEnd && isWhiteSpace(input.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isWhiteSpace(input.charCodeAt(valueEnd - 1))) valueEnd--;
  const label = input.slice(labelStart, labelEnd);
  const raw = input.slice(rawStart, end);
  const value =
    valueStart === rawStart && valueEnd === end ? raw : input.slice(valueStart, valueEnd);
  return { key: lowerCase(label, keys), label, raw, value };
}

/**
 * `label.toLowerCase()`, remembered: lower-casing a label with a letter beyond ASCII (État,
 * Состояние) costs more than the rest of its line, and the same labels come back in every
 * block. At most `maxKeys` are remembered, so a flood of distinct labels costs no memory.
 */
function lowerCase(label: string, keys: Map<string, string>): string {
  let key = keys.get(label);
  if (key === undefined) {
    key = label.toLowerCase();
    if (keys.size < maxKeys) keys.set(label, key);
  }
  return key;
}

const hex2 = /^[0-9a-f]{2}$/i;

/** `aa:bb:cc:dd:ee:ff` or with dashes: six two-digit hex groups. */
export function isMac(value: string): boolean {
  const parts = value.split(/[:-]/);
  return parts.length === 6 && parts.every((part) => hex2.test(part));
}

/** A MAC-shaped value, masked ones (`xx:…`, `44:xx:…`) included. */
export function looksLikeMac(value: string): boolean {
  const parts = value.split(/[:-]/);
  return parts.length === 6 && parts.every((part) => /^[0-9a-fx]{2}$/i.test(part));
}

// Each shape check first rules out most values by a character or two: parsers try them on
// every value of a block.

export function percent(value: string): number | undefined {
  if (value.length > 5 || !value.endsWith('%')) return undefined;
  const match = /^(\d{1,3})\s?%$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

export function bareInteger(value: string): number | undefined {
  if (value.length > 4 || !isDigit(value.charCodeAt(0))) return undefined;
  return /^\d{1,4}$/.test(value) ? Number(value) : undefined;
}

/** `2.4 GHz`, `2,4 GHz` (NBSP or space), `5 GHz`, `6 GHz`. */
export function isBand(value: string): boolean {
  const last = value.charCodeAt(value.length - 1);
  if (value.length > 9 || (last !== 0x7a && last !== 0x5a)) return false;
  return /^\d{1,2}(?:[.,]\d{1,2})?[\s\u00a0]?GHz$/i.test(value);
}

export function isRadioType(value: string): boolean {
  return value.startsWith('802.11') && /^802\.11[0-9a-z]{0,4}$/i.test(value);
}

export function normaliseBand(value: string): string {
  return value.replace(/[\s\u00a0]+/g, ' ').replace(',', '.');
}
