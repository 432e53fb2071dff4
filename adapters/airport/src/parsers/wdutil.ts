import {
  type Input,
  isRedacted,
  LineReader,
  normaliseMac,
  ParseError,
  type ParseResult,
  toText,
} from '../text.js';
import { channelNumber } from './airport.js';

export interface WdutilInfo {
  readonly device: string | null;
  readonly power: boolean | null;
  /** `Op Mode : STA`: associated as a station. */
  readonly associated: boolean;
  readonly ssid: string | null;
  readonly ssidRedacted: boolean;
  readonly bssid: string | null;
  readonly bssidRedacted: boolean;
  readonly rssi: number | null;
  readonly noise: number | null;
  readonly channel: number | null;
  readonly channelText: string | null;
  readonly security: string | null;
}

/**
 * `sudo wdutil info`: the WIFI section's `Key : value` lines (between the `WIFI` heading and
 * the next heading). `None` values mean not associated; `<redacted>` means unknown.
 */
export function parseWdutil(input: Input): ParseResult<WdutilInfo> {
  const lines = new LineReader(toText(input));
  const fields = new Map<string, string>();
  let section = '';
  while (lines.nextNonBlank()) {
    // A heading (`WIFI`, `BLUETOOTH`) is capitals, not indented by a space: told by the
    // first characters before any string or regex is made.
    const c = lines.text.charCodeAt(lines.first);
    if (c >= 0x41 && c <= 0x5a && lines.text.charCodeAt(lines.start) !== 0x20) {
      const trimmed = lines.trimmed();
      if (/^[A-Z][A-Z0-9 ]*$/.test(trimmed)) {
        section = trimmed;
        continue;
      }
    }
    // Rules (`—————`) have no colon: they have no key.
    if (section !== 'WIFI') continue;
    const key = lines.key();
    if (key !== undefined && !fields.has(key)) fields.set(key, lines.value().trim());
  }
  if (fields.size === 0) return { error: new ParseError('wdutil info', 'no WIFI section') };
  const value = (key: string) => {
    const v = fields.get(key);
    return v === undefined || v === 'None' || v === '' ? null : v;
  };
  const dbm = (key: string) => {
    const match = /^(-?\d{1,4}) dBm/.exec(value(key) ?? '');
    const n = match ? Number(match[1]) : null;
    return n === 0 ? null : n;
  };
  const ssid = value('SSID');
  const bssid = value('BSSID');
  const channelText = value('Channel');
  const opMode = value('Op Mode');
  const power = value('Power');
  const associated = opMode === 'STA';
  return {
    value: {
      device: value('Interface Name'),
      power: power === null ? null : power.startsWith('On'),
      associated,
      ssid: ssid === null || isRedacted(ssid) ? null : ssid,
      ssidRedacted: ssid !== null && isRedacted(ssid),
      bssid: bssid === null || isRedacted(bssid) ? null : (normaliseMac(bssid) ?? null),
      bssidRedacted: bssid !== null && isRedacted(bssid),
      rssi: associated ? dbm('RSSI') : null,
      noise: associated ? dbm('Noise') : null,
      channel: associated && channelText !== null ? channelNumber(channelText) : null,
      channelText: associated ? channelText : null,
      security: associated ? value('Security') : null,
    },
  };
}
