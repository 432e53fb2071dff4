import {
  type Input,
  isRedacted,
  LineReader,
  ParseError,
  type ParseResult,
  toText,
} from '../text.js';

export interface IpconfigSummary {
  /** `LinkStatusActive : TRUE`: the link is up. Never redacted. */
  readonly linkActive: boolean | null;
  /** 'WiFi', 'Ethernet', … */
  readonly interfaceType: string | null;
  /** The SSID; null when absent or redacted. */
  readonly ssid: string | null;
  /** The SSID line read `<redacted>` (macOS 15.6+). */
  readonly redacted: boolean;
  readonly bssid: string | null;
  readonly security: string | null;
}

/** A top-level line's key and value: split at the first ` : `, or else at the first `:`. */
function keyValue(lines: LineReader): { key: string; value: string } | undefined {
  const at = lines.find(' : ');
  if (at >= 0)
    return { key: lines.trimmed(lines.start, at), value: lines.text.slice(at + 3, lines.end) };
  const key = lines.key();
  return key === undefined ? undefined : { key, value: lines.value() };
}

/**
 * `ipconfig getsummary <dev>`: a `<dictionary> { … }` whose top-level `key : value` lines are
 * read; nested dictionaries and arrays (IPv4, DHCP…) are skipped by depth. An SSID is the text
 * after the first ` : `, so `:` inside it is kept.
 */
export function parseIpconfigSummary(input: Input): ParseResult<IpconfigSummary> {
  const fields = new Map<string, string>();
  let depth = 0;
  let sawDictionary = false;
  const lines = new LineReader(toText(input));
  const text = lines.text;
  while (lines.nextNonBlank()) {
    // Closing braces and nested lines are told by their first and last characters.
    const { first, last } = lines;
    if (last - first === 1 && text.charCodeAt(first) === 0x7d) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth === 0 && lines.startsWith('<dictionary>', first)) {
      sawDictionary = true;
      depth = 1;
      continue;
    }
    if (depth === 1) {
      const kv = keyValue(lines);
      if (kv && !fields.has(kv.key)) {
        if (/^<(array|dictionary)> \{$/.test(kv.value.trim())) depth++;
        else fields.set(kv.key, kv.value);
        continue;
      }
    }
    if (text.charCodeAt(last - 1) === 0x7b) depth++;
  }
  if (!sawDictionary) {
    return { error: new ParseError('ipconfig getsummary', 'no <dictionary> block') };
  }
  const ssidText = fields.get('SSID');
  const redacted = ssidText !== undefined && isRedacted(ssidText);
  const bssidText = fields.get('BSSID')?.trim();
  const link = fields.get('LinkStatusActive')?.trim();
  return {
    value: {
      linkActive: link === 'TRUE' ? true : link === 'FALSE' ? false : null,
      interfaceType: fields.get('InterfaceType')?.trim() ?? null,
      ssid: ssidText === undefined || redacted ? null : ssidText,
      redacted,
      bssid: bssidText === undefined || isRedacted(bssidText) ? null : bssidText,
      security: fields.get('Security')?.trim() ?? null,
    },
  };
}
