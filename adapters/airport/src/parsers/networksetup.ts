import { type Input, LineReader, ParseError, type ParseResult, toText } from '../text.js';

export interface HardwarePort {
  /** The port's name as networksetup prints it: 'Wi-Fi', 'Ethernet Adapter (en4)', 'AX88179A'. */
  readonly port: string;
  /** The BSD device, e.g. 'en0'. */
  readonly device: string;
  readonly address: string | null;
}

/** `networksetup -listallhardwareports`: blocks of Hardware Port / Device / Ethernet Address. */
export function parseHardwarePorts(input: Input): ParseResult<HardwarePort[]> {
  const ports: HardwarePort[] = [];
  let port: string | undefined;
  let device: string | undefined;
  let address: string | null = null;
  let sawHeader = false;
  const flush = () => {
    if (port !== undefined && device !== undefined && device !== '') {
      ports.push({ port, device, address });
    }
    port = undefined;
    device = undefined;
    address = null;
  };
  const lines = new LineReader(toText(input));
  let previous = 0;
  let sawText = false;
  while (lines.nextNonBlank()) {
    sawText = true;
    // Blank lines end a block: the reader stepped over some when the number jumps.
    if (lines.number > previous + 1) flush();
    previous = lines.number;
    if (lines.startsWith('VLAN Configurations')) {
      flush();
      break;
    }
    // Lines without a colon are passed over without a string.
    const key = lines.key();
    if (key === 'Hardware Port') {
      flush();
      port = lines.value().trim();
      sawHeader = true;
    } else if (key === 'Device') device = lines.value().trim();
    else if (key === 'Ethernet Address') {
      const value = lines.value().trim();
      address = value === '' || value === 'N/A' ? null : value;
    }
  }
  flush();
  if (!sawHeader && sawText) {
    return { error: new ParseError('networksetup -listallhardwareports', 'no Hardware Port line') };
  }
  return { value: ports };
}

export type PreferredNetworks =
  | { readonly kind: 'list'; readonly device: string; readonly ssids: readonly string[] }
  | { readonly kind: 'not-wifi'; readonly message: string };

/**
 * `networksetup -listpreferredwirelessnetworks <dev>`: a header `Preferred networks on en0:`,
 * then one tab-indented SSID a line (the SSID is everything after the single tab, spaces kept).
 */
export function parsePreferredNetworks(input: Input): ParseResult<PreferredNetworks> {
  const lines = new LineReader(toText(input));
  const first = lines.nextNonBlank() ? lines.line : '';
  const match = /^Preferred networks on (\S+):\s*$/.exec(first);
  if (!match) {
    if (/not a Wi-?Fi interface|Error/i.test(first)) {
      return { value: { kind: 'not-wifi', message: first.trim() } };
    }
    return {
      error: new ParseError('networksetup -listpreferredwirelessnetworks', 'no header line'),
    };
  }
  const ssids: string[] = [];
  while (lines.next()) {
    if (lines.startsWith('\t')) ssids.push(lines.text.slice(lines.start + 1, lines.end));
  }
  return { value: { kind: 'list', device: match[1] ?? '', ssids } };
}

/** `networksetup -getairportpower <dev>`: `Wi-Fi Power (en0): On`, or not a Wi-Fi interface. */
export function parseAirportPower(input: Input): ParseResult<{ power: boolean } | null> {
  const text = toText(input).trim();
  // The device name stops at the next `(`: `[^)]*` would rescan to the end from every `Power (`.
  const match = /Power \(([^()\n]{0,64})\): (On|Off)\s*$/m.exec(text);
  if (match) return { value: { power: match[2] === 'On' } };
  if (/not a Wi-?Fi interface/i.test(text)) return { value: null };
  return { error: new ParseError('networksetup -getairportpower', 'unrecognised output') };
}

/**
 * What `networksetup -setairportnetwork` printed: nothing on success; otherwise a message
 * ('Could not find network X.', 'Failed to join network X.', 'Error: -3900 …').
 */
export function joinFailure(stdout: Input, stderr: Input): string | undefined {
  const text = `${toText(stdout)}\n${toText(stderr)}`.trim();
  if (text === '') return undefined;
  if (/could not|failed|error|not a wi-?fi/i.test(text)) return text.split(/\r?\n/)[0];
  return undefined;
}
