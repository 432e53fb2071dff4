import {
  type Input,
  isRedacted,
  normaliseMac,
  ParseError,
  type ParseResult,
  toText,
} from '../text.js';
import { channelNumber, type ScanEntry } from './airport.js';

export interface ProfiledInterface {
  /** The BSD name, e.g. 'en0' ('awdl0' too: it has no status). */
  readonly device: string;
  /** 'connected', 'disassociated', 'off', … from `spairport_status_<x>`; null if absent. */
  readonly status: string | null;
  /** The network it is on; its `ssid` may be redacted (macOS 26). */
  readonly current: ScanEntry | null;
  /** Networks in range: `…other_local_wireless_networks` (associated) or `…local_…`. */
  readonly networks: readonly ScanEntry[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const strip = (value: Json | undefined, prefix: string) =>
  typeof value === 'string' && value.startsWith(prefix) ? value.slice(prefix.length) : null;

/**
 * `system_profiler SPAirPortDataType -json`: per interface its status, the current network
 * and the networks in range, with channel, signal/noise and security. No BSSIDs since macOS 12
 * (they are read where present); names `<redacted>` on macOS 26 are marked `redacted`.
 */
export function parseSystemProfiler(input: Input): ParseResult<ProfiledInterface[]> {
  const text = toText(input);
  const start = text.indexOf('{');
  // The document is an object: without one there is nothing to parse (and a megabyte of `[`
  // would only teach JSON.parse to nest).
  if (start < 0) return { error: new ParseError('system_profiler', 'not JSON: no object') };
  let doc: Json;
  try {
    doc = JSON.parse(text.slice(start)) as Json;
  } catch (error) {
    return { error: new ParseError('system_profiler', `not JSON: ${(error as Error).message}`) };
  }
  if (!isObject(doc) || !Array.isArray(doc.SPAirPortDataType)) {
    return { error: new ParseError('system_profiler', 'no SPAirPortDataType array') };
  }
  const out: ProfiledInterface[] = [];
  for (const item of doc.SPAirPortDataType) {
    if (!isObject(item) || !Array.isArray(item.spairport_airport_interfaces)) continue;
    for (const itf of item.spairport_airport_interfaces) {
      if (!isObject(itf) || typeof itf._name !== 'string') continue;
      const current = isObject(itf.spairport_current_network_information)
        ? entryOf(itf.spairport_current_network_information)
        : null;
      const list =
        itf.spairport_airport_other_local_wireless_networks ??
        itf.spairport_airport_local_wireless_networks;
      const networks: ScanEntry[] = [];
      if (Array.isArray(list)) {
        for (const network of list) {
          const entry = isObject(network) ? entryOf(network) : null;
          if (entry) networks.push(entry);
        }
      }
      out.push({
        device: itf._name,
        status: strip(itf.spairport_status_information, 'spairport_status_'),
        current,
        networks,
      });
    }
  }
  return { value: out };
}

function entryOf(network: { [key: string]: Json }): ScanEntry | null {
  // awdl0's "current network" is only a network type: no name, no channel.
  if (typeof network._name !== 'string') return null;
  const channelValue = network.spairport_network_channel;
  const channelText =
    typeof channelValue === 'number' || typeof channelValue === 'string'
      ? String(channelValue)
      : '';
  const signal =
    typeof network.spairport_signal_noise === 'string' ? network.spairport_signal_noise : '';
  const match = /^\s*(-?\d{1,4}) dBm \/ (-?\d{1,4}) dBm/.exec(signal);
  const bssid =
    typeof network.spairport_network_bssid === 'string'
      ? (normaliseMac(network.spairport_network_bssid) ?? null)
      : null;
  const noise = match ? Number(match[2]) : null;
  return {
    ssid: network._name,
    ssidHex: null,
    redacted: isRedacted(network._name),
    bssid,
    rssi: match ? Number(match[1]) : null,
    noise: noise === 0 ? null : noise,
    channel: channelNumber(channelText),
    channelText,
    security:
      strip(network.spairport_security_mode, 'spairport_security_mode_') ??
      (typeof network.spairport_security_mode === 'string' ? network.spairport_security_mode : ''),
  };
}
