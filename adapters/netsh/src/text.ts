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
}

export function toLines(input: string): Line[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let indent = 0;
    while (indent < line.length && (line[indent] === ' ' || line[indent] === '\t')) indent++;
    lines.push({ indent, text: line.slice(indent) });
  }
  return lines;
}

export function isBlank(line: Line): boolean {
  return line.text.trim() === '';
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
  let raw = text.slice(colon + 1);
  if (raw.startsWith(' ')) raw = raw.slice(1);
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
