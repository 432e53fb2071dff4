import { type Input, normaliseMac, ParseError, type ParseResult, toText } from '../text.js';
import { type ScanEntry, ssidOfBytes } from './airport.js';

export type PlistValue =
  | string
  | number
  | boolean
  | Uint8Array
  | PlistValue[]
  | { [key: string]: PlistValue };

type Dict = { [key: string]: PlistValue };

type Container =
  | { kind: 'array'; items: PlistValue[] }
  | { kind: 'dict'; entries: Dict; key: string | undefined };

/** airport's plists nest about five levels; far deeper is not a tool's output. */
const maxDepth = 64;

function closedValue(container: Container): PlistValue {
  return container.kind === 'array' ? container.items : container.entries;
}

/** Sets an own property, `__proto__` included (as data: it never changes the prototype). */
function setEntry(entries: Dict, key: string, value: PlistValue): void {
  if (key === '__proto__') {
    Object.defineProperty(entries, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else entries[key] = value;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (_, name: string) => {
    if (name.startsWith('#x')) return safeCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return safeCodePoint(Number(name.slice(1)));
    return entities[name] ?? '';
  });
}

function safeCodePoint(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}

/**
 * Where `</name>` first occurs from `from`. Text holds no raw `<`, so it is the next `<` in a
 * well-formed document: looked at first, before a search with a string made for the name.
 */
function closingTag(text: string, name: string, from: number): number {
  const next = text.indexOf('<', from);
  if (
    next >= 0 &&
    text.charCodeAt(next + 1) === 0x2f &&
    text.startsWith(name, next + 2) &&
    text.charCodeAt(next + 2 + name.length) === 0x3e
  ) {
    return next;
  }
  return text.indexOf(`</${name}>`, from);
}

/**
 * An XML property list, read in one pass with `indexOf` (no regular expression over the
 * document, so linear time). Output that ends early (a truncated capture) keeps every
 * container that was closed and reports `truncated`.
 */
export function parsePlist(input: Input): ParseResult<{ root: PlistValue; truncated: boolean }> {
  const text = toText(input);
  const stack: Container[] = [];
  let root: PlistValue | undefined;
  let pos = 0;
  const put = (value: PlistValue) => {
    const top = stack.at(-1);
    if (!top) {
      root ??= value;
      return;
    }
    if (top.kind === 'array') top.items.push(value);
    else if (top.key !== undefined) {
      setEntry(top.entries, top.key, value);
      top.key = undefined;
    }
  };
  while (pos < text.length) {
    const open = text.indexOf('<', pos);
    if (open < 0) break;
    const close = text.indexOf('>', open);
    if (close < 0) break;
    pos = close + 1;
    const first = text.charCodeAt(open + 1);
    if (first === 0x3f || first === 0x21) continue; // <?xml …?>, <!DOCTYPE …>
    const selfClosing = text.charCodeAt(close - 1) === 0x2f;
    let nameEnd = open + 2;
    while (nameEnd < close) {
      const c = text.charCodeAt(nameEnd);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f) break;
      nameEnd++;
    }
    const name = text.slice(open + 1, nameEnd);
    if (name === 'plist' || name === '/plist') continue;
    if (name === 'array' || name === 'dict') {
      const container: Container =
        name === 'array'
          ? { kind: 'array', items: [] }
          : { kind: 'dict', entries: {}, key: undefined };
      if (selfClosing) put(closedValue(container));
      else if (stack.length >= maxDepth) {
        return { error: new ParseError('plist', `nested deeper than ${maxDepth} levels`) };
      } else stack.push(container);
      continue;
    }
    if (name === '/array' || name === '/dict') {
      const done = stack.pop();
      if (!done) return { error: new ParseError('plist', `unexpected <${name}>`) };
      put(closedValue(done));
      continue;
    }
    if (name === 'true' || name === 'false') {
      put(name === 'true');
      continue;
    }
    if (selfClosing) {
      if (name === 'string' || name === 'key') put('');
      continue;
    }
    const end = closingTag(text, name, pos);
    if (end < 0) break;
    const body = text.slice(pos, end);
    pos = end + name.length + 3;
    const top = stack.at(-1);
    if (name === 'key') {
      if (top?.kind === 'dict') top.key = decodeEntities(body);
    } else if (name === 'string') put(decodeEntities(body));
    else if (name === 'integer' || name === 'real') put(Number(body.trim()));
    else if (name === 'data') put(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
    else if (name === 'date') put(body.trim());
  }
  // Whatever is still open was cut off: keep it, innermost into outermost.
  const truncated = stack.length > 0;
  while (stack.length > 0) {
    put(closedValue(stack.pop()!));
  }
  if (root === undefined) return { error: new ParseError('plist', 'no property list value') };
  return { value: { root, truncated } };
}

const isDict = (v: PlistValue | undefined): v is { [key: string]: PlistValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * `airport -s -x` (`--scan --xml`): an array of dicts with SSID_STR, SSID (raw bytes), BSSID,
 * RSSI, NOISE, CHANNEL and the RSN/WPA information elements. In a truncated capture the last,
 * incomplete access point is left out.
 */
export function parseAirportScanPlist(
  input: Input,
): ParseResult<{ entries: ScanEntry[]; truncated: boolean }> {
  const parsed = parsePlist(input);
  if ('error' in parsed) return parsed;
  const { root, truncated } = parsed.value;
  if (!Array.isArray(root))
    return { error: new ParseError('airport -s -x', 'root is not an array') };
  const dicts = root.filter(isDict);
  // The last dict of a truncated document was still open: it may lack fields.
  const complete = truncated ? dicts.slice(0, -1) : dicts;
  const entries: ScanEntry[] = [];
  for (const ap of complete) {
    const raw = ap.SSID;
    const str = ap.SSID_STR;
    const name =
      raw instanceof Uint8Array
        ? ssidOfBytes(raw)
        : { ssid: typeof str === 'string' ? str : '', ssidHex: null };
    const bssid = typeof ap.BSSID === 'string' ? (normaliseMac(ap.BSSID) ?? null) : null;
    const channel = typeof ap.CHANNEL === 'number' ? ap.CHANNEL : null;
    entries.push({
      ...name,
      redacted: typeof str === 'string' && /^<\s*(ssid )?redacted\s*>$/i.test(str.trim()),
      bssid,
      rssi: typeof ap.RSSI === 'number' ? ap.RSSI : null,
      noise: typeof ap.NOISE === 'number' ? ap.NOISE : null,
      channel,
      channelText: channel === null ? '' : String(channel),
      security: plistSecurity(ap),
    });
  }
  return { value: { entries, truncated } };
}

/** RSN (WPA2/WPA3) and WPA information elements, by their authentication selectors. */
function plistSecurity(ap: { [key: string]: PlistValue }): string {
  const parts: string[] = [];
  const suites = (ie: PlistValue | undefined, key: string) => {
    if (!isDict(ie)) return undefined;
    const sels = ie[key];
    return Array.isArray(sels) ? sels.filter((s): s is number => typeof s === 'number') : [];
  };
  const name = (sel: number) =>
    sel === 1 ? '802.1X' : sel === 2 ? 'PSK' : sel === 8 ? 'SAE' : `AKM${sel}`;
  const wpa = suites(ap.WPA_IE, 'IE_KEY_WPA_AUTHSELS');
  if (wpa) parts.push(`WPA(${wpa.map(name).join(',')})`);
  const rsn = suites(ap.RSN_IE, 'IE_KEY_RSN_AUTHSELS');
  if (rsn) parts.push(`${rsn.includes(8) ? 'WPA3' : 'WPA2'}(${rsn.map(name).join(',')})`);
  if (parts.length > 0) return parts.join(' ');
  const caps = typeof ap.CAPABILITIES === 'number' ? ap.CAPABILITIES : 0;
  return caps & 0x10 ? 'WEP' : 'NONE';
}
