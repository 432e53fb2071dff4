import {
  type Input,
  isRedacted,
  keyValue,
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
      const entry = scanRow(bytes.subarray(start, end), ssidEnd);
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

/** The BSSID column without Location permission. */
const noBssid = ' '.repeat(17);

function scanRow(row: Buffer, ssidEnd: number): ScanEntry | undefined {
  if (row.length <= ssidEnd + 1 || row[ssidEnd] !== 0x20) return undefined;
  const rest = row.toString('latin1', ssidEnd + 1);
  const tokens = rest.split(/\s+/).filter((t) => t !== '');
  let bssid: string | null = null;
  const mac = tokens[0] === undefined ? undefined : normaliseMac(tokens[0]);
  if (mac !== undefined) {
    bssid = mac;
    tokens.shift();
  } else if (!rest.startsWith(noBssid)) return undefined;
  const [rssiText, channelText, ht, cc, ...security] = tokens;
  if (rssiText === undefined || channelText === undefined || ht === undefined || cc === undefined)
    return undefined;
  if (!/^-?\d{1,4}$/.test(rssiText) || !/^[YN]$/.test(ht)) return undefined;
  // The SSID is decoded last, for rows that are rows.
  let first = 0;
  while (first < ssidEnd && row[first] === 0x20) first++;
  const name = ssidOfBytes(row.subarray(first, ssidEnd));
  return {
    ...name,
    redacted: isRedacted(name.ssid),
    bssid,
    rssi: Number(rssiText),
    noise: null,
    channel: channelNumber(channelText),
    channelText,
    security: security.join(' '),
  };
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
  for (let line = lines.nextNonBlank(); line !== undefined; line = lines.nextNonBlank()) {
    if (line.includes('AirPort') && /^\s*AirPort: Off\s*$/.test(line)) poweredOff = true;
    const kv = keyValue(line);
    if (!kv || fields.has(kv.key)) continue;
    fields.set(kv.key, kv.value);
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
