/**
 * Structural helpers shared by the netsh parsers: lines with their indentation, and
 * `label : value` pairs split at the first colon (no netsh label contains one; values such
 * as MAC addresses and SSIDs may). Everything here runs in linear time.
 */

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

export interface Line {
  /** Leading spaces and tabs (NBSP does not count). */
  readonly indent: number;
  /** The line without its indentation and without a trailing CR. */
  readonly text: string;
  /** Which line of the output it is (0-based, blank lines counted). */
  readonly number: number;
}

/**
 * The non-blank lines of an output, one at a time (a line is blank when `trim()` leaves
 * nothing). Blank runs are stepped over a character at a time without making strings, and no
 * array of lines is built: a megabyte of blank lines or one-character lines costs about what
 * reading it once does.
 */
export class LineReader {
  readonly #text: string;
  #at: number;
  #number = 0;
  #peeked: Line | undefined;

  constructor(input: string) {
    this.#text = input;
    this.#at = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The next line, without consuming it. */
  peek(): Line | undefined {
    this.#peeked ??= this.#read();
    return this.#peeked;
  }

  next(): Line | undefined {
    const line = this.#peeked ?? this.#read();
    this.#peeked = undefined;
    return line;
  }

  #read(): Line | undefined {
    const text = this.#text;
    let at = this.#at;
    let start = at;
    for (; at < text.length; at++) {
      const c = text.charCodeAt(at);
      if (c === 0x0a) {
        this.#number++;
        start = at + 1;
      } else if (!isTrimmedSpace(c)) break;
    }
    if (at >= text.length) {
      this.#at = at;
      return undefined;
    }
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const stop = text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    let indent = 0;
    for (let c = text.charCodeAt(start); c === 0x20 || c === 0x09; ) {
      indent++;
      c = text.charCodeAt(start + indent);
    }
    const line = { indent, text: text.slice(start + indent, stop), number: this.#number };
    this.#at = end + 1;
    this.#number++;
    return line;
  }
}

/** What `String.prototype.trim` removes: ECMAScript WhiteSpace and LineTerminator. */
function isTrimmedSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `/\d/.test(text)` without a regular expression call per line. */
export function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) return true;
  }
  return false;
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

/** Splits `label : value` at the first colon; undefined when the line has none. */
export function keyValue(text: string): KeyValue | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const label = text.slice(0, colon).trim();
  const raw = text.slice(text.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
  return { key: label.toLowerCase(), label, raw, value: raw.trim() };
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

export function percent(value: string): number | undefined {
  const match = /^(\d{1,3})\s?%$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

export function bareInteger(value: string): number | undefined {
  return /^\d{1,4}$/.test(value) ? Number(value) : undefined;
}

/** `2.4 GHz`, `2,4 GHz` (NBSP or space), `5 GHz`, `6 GHz`. */
export function isBand(value: string): boolean {
  return /^\d{1,2}(?:[.,]\d{1,2})?[\s\u00a0]?GHz$/i.test(value);
}

export function isRadioType(value: string): boolean {
  return /^802\.11[0-9a-z]{0,4}$/i.test(value);
}

export function normaliseBand(value: string): string {
  return value.replace(/[\s\u00a0]+/g, ' ').replace(',', '.');
}
