import {
  type Input,
  isRedacted,
  keyValue,
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
  for (let line = lines.nextNonBlank(); line !== undefined; line = lines.nextNonBlank()) {
    const trimmed = line.trim();
    if (trimmed === '}') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth === 0 && trimmed.startsWith('<dictionary>')) {
      sawDictionary = true;
      depth = 1;
      continue;
    }
    if (depth === 1) {
      const at = line.indexOf(' : ');
      const kv =
        at < 0 ? keyValue(line) : { key: line.slice(0, at).trim(), value: line.slice(at + 3) };
      if (kv && !fields.has(kv.key)) {
        if (/^<(array|dictionary)> \{$/.test(kv.value.trim())) depth++;
        else fields.set(kv.key, kv.value);
        continue;
      }
    }
    if (trimmed.endsWith('{')) depth++;
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
