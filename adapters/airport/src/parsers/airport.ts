import {
  type Input,
  isRedacted,
  LineReader,
  normaliseMac,
  ParseError,
  type ParseResult,
  strictText,
  toBytes,
  toText,
} from '../text.js';

/** One access point of a scan, from any source. */
export interface ScanEntry {
  /** The SSID as text (invalid UTF-8 shows as U+FFFD); '' for a hidden network. */
  readonly ssid: string;
  /** The SSID's bytes in hex when they are not valid UTF-8 (then `ssid` is lossy). */
  readonly ssidHex: string | null;
  /** The name was hidden by macOS (`<redacted>`): unknown, never a network of that name. */
  readonly redacted: boolean;
  /** Lower-case colon pairs; null where macOS withheld it (no Location permission). */
  readonly bssid: string | null;
  readonly rssi: number | null;
  readonly noise: number | null;
  readonly channel: number | null;
  /** The channel as printed: '9,-1', '149 (5GHz, 80MHz)', '5g44/40'. */
  readonly channelText: string;
  /** The security as printed: 'WPA2(PSK/AES/AES)', 'NONE', 'spairport_security_mode_…'. */
  readonly security: string;
}

export interface AirportScan {
  readonly entries: readonly ScanEntry[];
  /** Rows that could not be read (e.g. an SSID with a line break split its row). */
  readonly skipped: number;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The SSID of some bytes: text, plus hex when they are not valid UTF-8. */
export function ssidOfBytes(bytes: Uint8Array): { ssid: string; ssidHex: string | null } {
  const text = strictText(bytes);
  if (text !== undefined) return { ssid: text, ssidHex: null };
  return { ssid: Buffer.from(bytes).toString('utf8'), ssidHex: hex(bytes) };
}

/** The leading number of a channel text: '9,-1' → 9, '149 (5GHz…)' → 149, '5g44/40' → 44. */
export function channelNumber(text: string): number | null {
  const match = /^\s*(?:[256]g)?(\d{1,3})(?!\d)/.exec(text);
  return match ? Number(match[1]) : null;
}

const header = 'SSID BSSID';

/**
 * `airport -s`: a header `SSID BSSID RSSI CHANNEL HT CC SECURITY …`, then one row per access
 * point. The SSID is right-aligned in the bytes before the header's ` BSSID` (airport pads by
 * bytes: a 20-byte `invité` SSID takes 20 columns of bytes), so rows are read by byte columns
 * and an SSID may hold spaces, quotes, `:` or anything else. Leading spaces of an SSID cannot
 * be told from the padding and are lost. The BSSID column is blank without Location
 * permission (macOS 12+).
 */
export function parseAirportScan(input: Input): ParseResult<AirportScan> {
  const raw = toBytes(input);
  // A Buffer view of the same memory: rows are read in place, never copied.
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const found = bytes.indexOf(header);
  if (found < 0) {
    const text = toText(input).trim();
    if (text === '' || /no networks/i.test(text)) return { value: { entries: [], skipped: 0 } };
    return { error: new ParseError('airport -s', 'no SSID BSSID header') };
  }
  let headerStart = found;
  while (headerStart > 0 && !isBreak(bytes[headerStart - 1])) headerStart--;
  const ssidEnd = found - headerStart + 4;
  const entries: ScanEntry[] = [];
  let skipped = 0;
  // Rows are read in place, by offsets: blank ones cost no allocation.
  let start = lineAfter(bytes, lineEnd(bytes, found));
  while (start < bytes.length) {
    const end = lineEnd(bytes, start);
    if (!spacesOnly(bytes, start, end)) {
      const entry = scanRow(bytes, start, end, ssidEnd);
      if (entry) entries.push(entry);
      else skipped++;
    }
    start = lineAfter(bytes, end);
  }
  return { value: { entries, skipped } };
}

const isBreak = (b: number | undefined) => b === 0x0a || b === 0x0d;

/** Where the line that starts at `from` ends: its CR or LF, or the end of the bytes. */
function lineEnd(bytes: Uint8Array, from: number): number {
  let end = from;
  while (end < bytes.length && !isBreak(bytes[end])) end++;
  return end;
}

/** Where the next line starts, given where one ends (CRLF is one break). */
function lineAfter(bytes: Uint8Array, end: number): number {
  return bytes[end] === 0x0d && bytes[end + 1] === 0x0a ? end + 2 : end + 1;
}

function spacesOnly(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0x20 && bytes[i] !== 0x09) return false;
  return true;
}

/** The width of the BSSID column. */
const noBssidWidth = 17;

/** What `\s` matches in latin1 text: tabs, line breaks, space and NBSP. */
const isBlank = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/**
 * One row, read with one string and no intermediate arrays (a megabyte of rows is 10 000
 * of them): the BSSID (optional), RSSI, channel, HT and CC tokens, then the security tokens
 * joined by single spaces.
 */
function scanRow(
  bytes: Buffer,
  start: number,
  end: number,
  ssidEnd: number,
): ScanEntry | undefined {
  if (end - start <= ssidEnd + 1 || bytes[start + ssidEnd] !== 0x20) return undefined;
  const row = bytes.toString('latin1', start, end);
  const tokens: Tokens = { bytes, row, rowStart: start, at: start + ssidEnd + 1, end };
  let token = nextToken(tokens);
  let bssid: string | null = null;
  const mac = token === undefined ? undefined : normaliseMac(token);
  if (mac !== undefined) {
    bssid = mac;
    token = nextToken(tokens);
  } else if (!blankBssid(bytes, start + ssidEnd + 1, end)) return undefined;
  const rssiText = token;
  const channelText = nextToken(tokens);
  const ht = nextToken(tokens);
  const cc = nextToken(tokens);
  if (rssiText === undefined || channelText === undefined || ht === undefined || cc === undefined)
    return undefined;
  if (!isRssi(rssiText) || (ht !== 'Y' && ht !== 'N')) return undefined;
  let security = nextToken(tokens) ?? '';
  for (let more = nextToken(tokens); more !== undefined; more = nextToken(tokens)) {
    security += ` ${more}`;
  }
  // The SSID is decoded last, for rows that are rows.
  let first = 0;
  while (first < ssidEnd && bytes[start + first] === 0x20) first++;
  const { ssid, ssidHex } = isAscii(bytes, start + first, start + ssidEnd)
    ? { ssid: row.slice(first, ssidEnd), ssidHex: null }
    : ssidOfBytes(bytes.subarray(start + first, start + ssidEnd));
  return {
    ssid,
    ssidHex,
    redacted: isRedacted(ssid),
    bssid,
    rssi: Number(rssiText),
    noise: null,
    channel: channelOfToken(channelText),
    channelText,
    security,
  };
}

/** A row being read token by token: found in the bytes, cut from the row's latin1 text. */
interface Tokens {
  readonly bytes: Buffer;
  readonly row: string;
  readonly rowStart: number;
  at: number;
  readonly end: number;
}

/** The next whitespace-separated token, or undefined at the end of the row. */
function nextToken(tokens: Tokens): string | undefined {
  const { bytes, end } = tokens;
  let at = tokens.at;
  while (at < end && isBlank(bytes[at] as number)) at++;
  if (at >= end) {
    tokens.at = at;
    return undefined;
  }
  const start = at;
  while (at < end && !isBlank(bytes[at] as number)) at++;
  tokens.at = at;
  return tokens.row.slice(start - tokens.rowStart, at - tokens.rowStart);
}

/** The BSSID column is 17 spaces (no Location permission). */
function blankBssid(bytes: Buffer, from: number, end: number): boolean {
  if (end - from < noBssidWidth) return false;
  for (let i = from; i < from + noBssidWidth; i++) if (bytes[i] !== 0x20) return false;
  return true;
}

/** ASCII is valid UTF-8 and reads the same in latin1. */
function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/** `channelNumber` of a token (no whitespace), by hand: the regex cost a row a tenth. */
function channelOfToken(token: string): number | null {
  const c0 = token.charCodeAt(0);
  if ((c0 === 0x32 || c0 === 0x35 || c0 === 0x36) && token.charCodeAt(1) === 0x67) {
    const channel = leadingNumber(token, 2);
    if (channel !== null) return channel;
  }
  return leadingNumber(token, 0);
}

/** `(\d{1,3})(?!\d)` at `at`. */
function leadingNumber(text: string, at: number): number | null {
  let end = at;
  while (end < text.length && end - at < 4 && isDigit(text.charCodeAt(end))) end++;
  const digits = end - at;
  return digits >= 1 && digits <= 3 ? Number(text.slice(at, end)) : null;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** `-?\d{1,4}`, by hand. */
function isRssi(text: string): boolean {
  const digits = text.charCodeAt(0) === 0x2d ? 1 : 0;
  if (text.length - digits < 1 || text.length - digits > 4) return false;
  for (let i = digits; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export interface AirportInfo {
  /** `state: running` and an SSID or BSSID: associated. */
  readonly associated: boolean;
  readonly ssid: string | null;
  readonly redacted: boolean;
  readonly bssid: string | null;
  readonly rssi: number | null;
  readonly noise: number | null;
  readonly channel: number | null;
  readonly channelText: string | null;
  readonly linkAuth: string | null;
  readonly state: string | null;
  /** `AirPort: Off`. */
  readonly poweredOff: boolean;
}

/**
 * `airport -I`: right-aligned `key: value` lines. The SSID is the value after the first `: `
 * of the `SSID` line, so an SSID that itself reads `BSSID: …` cannot overwrite the BSSID.
 * macOS 14.4+ prints a deprecation notice instead: that is a ParseError (airport is gone).
 */
export function parseAirportInfo(input: Input): ParseResult<AirportInfo> {
  const fields = new Map<string, string>();
  let poweredOff = false;
  const lines = new LineReader(toText(input));
  while (lines.nextNonBlank()) {
    // Lines without a colon hold nothing to read: judged without making a string of them.
    const key = lines.key();
    if (key === undefined) continue;
    if (key === 'AirPort' && lines.trimmed() === 'AirPort: Off') poweredOff = true;
    if (!fields.has(key)) fields.set(key, lines.value());
  }
  if (!poweredOff && !fields.has('state') && !fields.has('SSID') && !fields.has('agrCtlRSSI')) {
    return { error: new ParseError('airport -I', 'no airport fields (airport removed?)') };
  }
  const num = (key: string) => {
    const v = fields.get(key)?.trim();
    return v !== undefined && /^-?\d{1,6}$/.test(v) ? Number(v) : null;
  };
  const ssidText = fields.get('SSID');
  const redacted = ssidText !== undefined && isRedacted(ssidText);
  const bssidText = fields.get('BSSID')?.trim();
  const bssid = bssidText === undefined ? null : (normaliseMac(bssidText) ?? null);
  const channelText = fields.get('channel')?.trim() ?? null;
  const state = fields.get('state')?.trim() ?? null;
  const ssid = ssidText === undefined || redacted ? null : ssidText;
  return {
    value: {
      associated: !poweredOff && state === 'running' && (ssidText !== undefined || bssid !== null),
      ssid,
      redacted,
      bssid,
      rssi: num('agrCtlRSSI'),
      noise: num('agrCtlNoise'),
      channel: channelText === null ? null : channelNumber(channelText),
      channelText,
      linkAuth: fields.get('link auth')?.trim() ?? null,
      state,
      poweredOff,
    },
  };
}
