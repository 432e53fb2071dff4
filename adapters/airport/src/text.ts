/**
 * Bytes, then text: every parser takes the raw bytes a tool printed (or text already
 * decoded), drops a UTF-8 byte-order mark, and splits lines on LF, CRLF or CR. Parsers return
 * a value or a `ParseError`; they never throw and never backtrack.
 */

import { isUtf8 } from 'node:buffer';
import { isWhiteSpace } from '@netbearer/core/internal';

/** Why an output could not be read: returned, never thrown. */
export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    /** Which tool's output, e.g. 'airport -s'. */
    readonly source: string,
    message: string,
    /** 1-based line of the output, where one applies. */
    readonly line?: number,
  ) {
    super(`${source}: ${message}${line === undefined ? '' : ` (line ${line})`}`);
  }
}

export type ParseResult<T> = { readonly value: T } | { readonly error: ParseError };

export type Input = Uint8Array | string;

const utf8 = new TextDecoder('utf-8');

/** Strips a UTF-8 BOM (bytes or U+FEFF) and decodes UTF-8 (invalid bytes become U+FFFD). */
export function toText(input: Input): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const bytes = hasBom(input) ? input.subarray(3) : input;
  return utf8.decode(bytes);
}

/** The raw bytes of an input without a BOM (text is encoded as UTF-8). */
export function toBytes(input: Input): Uint8Array {
  if (typeof input === 'string') return Buffer.from(toText(input), 'utf8');
  return hasBom(input) ? input.subarray(3) : input;
}

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Decodes bytes as UTF-8 if they are valid, else returns undefined (checked, never thrown). */
export function strictText(bytes: Uint8Array): string | undefined {
  return isUtf8(bytes) ? utf8.decode(bytes) : undefined;
}

/**
 * The next place a string occurs in a text at or after an offset, searched for again only once
 * the offset has passed it: asked with growing offsets, a whole text costs one search through
 * it, however many lines ask.
 */
class NextOccurrence {
  #at = -1;

  constructor(
    readonly text: string,
    readonly search: string,
  ) {}

  /** Where the search next occurs at or after `from`, or the text's length. */
  from(from: number): number {
    if (this.#at < from) {
      const at = this.text.indexOf(this.search, from);
      this.#at = at < 0 ? this.text.length : at;
    }
    return this.#at;
  }
}

/**
 * The lines of a text, one at a time, as offsets into it: split on LF, CRLF or a lone CR, and
 * a final empty line (after the last break) is not a line. A parser looks at the current line
 * through its offsets and char codes, and makes strings only of the lines that matter: a
 * megabyte of `}` lines is half a million lines, and a string or a regular expression each
 * would cost more than reading the text.
 */
export class LineReader {
  readonly text: string;
  /**
   * Parsers read these; only the reader moves them. The current line is `text` from `start`
   * to `end` (its line break excluded)…
   */
  start = 0;
  end = 0;
  /** …and without the whitespace around it (as `trim()` sees it), from `first` to `last`. */
  first = 0;
  last = 0;
  #at = 0;
  #number = 0;
  readonly #searches: NextOccurrence[] = [];

  /**
   * A reader that lives as long as the class. V8 holds the hidden class of a reader's fields
   * weakly: once no reader is alive, a garbage collection drops it and, with it, the compiled
   * code of every method, so that the next output is read by unoptimised code at a third of
   * the speed. One live reader of decoded text, with a search done, keeps that code.
   */
  static readonly keptAlive = LineReader.#used(new LineReader(toText(Buffer.from('a: b\n'))));

  static #used(reader: LineReader): LineReader {
    reader.next();
    reader.find(':');
    return reader;
  }

  constructor(text: string) {
    this.text = text;
  }

  /** The 1-based number of the current line. */
  get number(): number {
    return this.#number;
  }

  /** Moves to the next line; false at the end of the text. */
  next(): boolean {
    const text = this.text;
    const start = this.#at;
    if (start >= text.length) return false;
    // Char by char: on short lines, cheaper than a call to indexOf for each break.
    let end = start;
    let c = 0;
    for (; end < text.length; end++) {
      c = text.charCodeAt(end);
      if (c === 0x0a || c === 0x0d) break;
    }
    let first = start;
    while (first < end && isWhiteSpace(text.charCodeAt(first))) first++;
    let last = end;
    while (last > first && isWhiteSpace(text.charCodeAt(last - 1))) last--;
    this.#at = c === 0x0d && text.charCodeAt(end + 1) === 0x0a ? end + 2 : end + 1;
    this.#number++;
    this.start = start;
    this.end = end;
    this.first = first;
    this.last = last;
    return true;
  }

  /** Moves to the next line that holds more than whitespace; false at the end of the text. */
  nextNonBlank(): boolean {
    while (this.next()) if (this.last > this.first) return true;
    return false;
  }

  /** The current line. */
  get line(): string {
    return this.text.slice(this.start, this.end);
  }

  /** Part of the current line (offsets into `text`) without the whitespace around it. */
  trimmed(from = this.first, to = this.last): string {
    const text = this.text;
    while (from < to && isWhiteSpace(text.charCodeAt(from))) from++;
    while (to > from && isWhiteSpace(text.charCodeAt(to - 1))) to--;
    return text.slice(from, to);
  }

  /** Whether the current line holds `prefix` at `at` (an offset into `text`). */
  startsWith(prefix: string, at = this.start): boolean {
    // The first character alone turns most lines away, without a call to startsWith.
    return (
      at + prefix.length <= this.end &&
      (prefix === '' || this.text.charCodeAt(at) === prefix.charCodeAt(0)) &&
      this.text.startsWith(prefix, at)
    );
  }

  /** Where `search` first occurs in the current line (an offset into `text`), or -1. */
  find(search: string): number {
    const at = this.#occurrence(search).from(this.start);
    return at + search.length <= this.end ? at : -1;
  }

  #occurrence(search: string): NextOccurrence {
    // A parser looks for one to three things: a list beats a Map's hashing.
    for (const occurrence of this.#searches) if (occurrence.search === search) return occurrence;
    const occurrence = new NextOccurrence(this.text, search);
    this.#searches.push(occurrence);
    return occurrence;
  }

  /** The key of a `key : value` line: the text before its first `:`, trimmed, if any. */
  key(): string | undefined {
    const colon = this.find(':');
    if (colon < 0) return undefined;
    const key = this.trimmed(this.first, colon);
    return key === '' ? undefined : key;
  }

  /** The value of a `key : value` line: the text after its first `:` and one space. */
  value(): string {
    const colon = this.find(':');
    if (colon < 0) return '';
    const from = this.text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1;
    return this.text.slice(from, this.end);
  }
}

/** The markers macOS prints instead of a name or BSSID it will not show. */
export function isRedacted(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '<redacted>' || v === '< redacted >' || v === '<ssid redacted>';
}

/** A MAC address as lower-case colon pairs (`3` becomes `03`), or undefined. */
const macPattern = new RegExp(`^${Array(6).fill('([0-9A-Fa-f]{1,2})').join(':')}$`);

export function normaliseMac(value: string): string | undefined {
  // The usual form, already normal: no regex, no copies (a scan has a MAC per row).
  if (isLowerMac(value)) return value;
  const match = macPattern.exec(value.trim());
  if (!match) return undefined;
  return match
    .slice(1)
    .map((part) => (part.length === 1 ? `0${part}` : part).toLowerCase())
    .join(':');
}

/** `aa:bb:cc:dd:ee:ff` in lower-case hex. */
function isLowerMac(value: string): boolean {
  if (value.length !== 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = value.charCodeAt(i);
    if (i % 3 === 2 ? c !== 0x3a : !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}
