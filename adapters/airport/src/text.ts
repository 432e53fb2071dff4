/**
 * Bytes, then text: every parser takes the raw bytes a tool printed (or text already
 * decoded), drops a UTF-8 byte-order mark, and splits lines on LF, CRLF or CR. Parsers return
 * a value or a `ParseError`; they never throw and never backtrack.
 */

import { isUtf8 } from 'node:buffer';

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

const space = /\s/;

/** Whitespace as `trim()` and `\s` see it: ASCII by hand, the rest (rare) by `\s`. */
function isSpace(c: number, text: string, at: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return space.test(text.charAt(at));
}

/**
 * The lines of a text, one at a time: split on LF, CRLF or a lone CR, and a final empty line
 * (after the last break) is not a line. No array of lines is built, and `nextNonBlank` steps
 * over whitespace-only lines without making strings of them, so a megabyte of line breaks
 * costs about what reading it once does.
 */
export class LineReader {
  readonly #text: string;
  #at = 0;
  #number = 0;
  #lf = -1;
  #cr = -1;

  constructor(text: string) {
    this.#text = text;
  }

  /** The 1-based number of the line last returned. */
  get number(): number {
    return this.#number;
  }

  next(): string | undefined {
    const text = this.#text;
    const start = this.#at;
    if (start >= text.length) return undefined;
    // The next LF and the next CR, each searched for again only once passed.
    if (this.#lf < start) this.#lf = indexOrEnd(text, '\n', start);
    if (this.#cr < start) this.#cr = indexOrEnd(text, '\r', start);
    const end = Math.min(this.#lf, this.#cr);
    this.#at = end === this.#cr && end + 1 === this.#lf ? end + 2 : end + 1;
    this.#number++;
    return text.slice(start, end);
  }

  /** The next line that holds more than whitespace (as `trim()` sees it). */
  nextNonBlank(): string | undefined {
    const text = this.#text;
    let at = this.#at;
    let i = at;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
        // A line break: the blank line before it is skipped.
        at = i + 1;
        this.#number++;
      } else if (!isSpace(c, text, i)) break;
    }
    if (i >= text.length) {
      this.#at = text.length;
      return undefined;
    }
    this.#at = at;
    return this.next();
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
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

/** A `key : value` line (first ` : ` or `: ` separator), keys trimmed. */
export function keyValue(line: string): { key: string; value: string } | undefined {
  const at = line.indexOf(':');
  if (at < 0) return undefined;
  const key = line.slice(0, at).trim();
  if (key === '') return undefined;
  let value = line.slice(at + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  return { key, value };
}
