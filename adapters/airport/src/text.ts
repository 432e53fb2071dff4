/**
 * Bytes, then text: every parser takes the raw bytes a tool printed (or text already
 * decoded), drops a UTF-8 byte-order mark, and splits lines on LF, CRLF or CR. Parsers return
 * a value or a `ParseError`; they never throw and never backtrack.
 */

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
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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

/** Decodes bytes as UTF-8 if they are valid, else returns undefined. */
export function strictText(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Splits on LF, CRLF or a lone CR; a final empty line (after the last break) is dropped. */
export function lines(text: string): string[] {
  const out = text.split(/\r\n|\n|\r/);
  if (out.length > 0 && out.at(-1) === '') out.pop();
  return out;
}

/** Splits bytes into lines the same way, keeping bytes (for column-aligned tables). */
export function byteLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || b === 0x0d) {
      out.push(bytes.subarray(start, i));
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

/** The markers macOS prints instead of a name or BSSID it will not show. */
export function isRedacted(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '<redacted>' || v === '< redacted >' || v === '<ssid redacted>';
}

/** A MAC address as lower-case colon pairs (`3` becomes `03`), or undefined. */
export function normaliseMac(value: string): string | undefined {
  const parts = value.trim().split(':');
  if (parts.length !== 6) return undefined;
  const out: string[] = [];
  for (const part of parts) {
    if (!/^[0-9A-Fa-f]{1,2}$/.test(part)) return undefined;
    out.push(part.toLowerCase().padStart(2, '0'));
  }
  return out.join(':');
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
