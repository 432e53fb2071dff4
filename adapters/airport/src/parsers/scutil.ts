import { type Input, lines, ParseError, type ParseResult, toText } from '../text.js';

export interface NetworkInformationSummary {
  /** Reachability flags of the IPv4 and IPv6 REACH lines (null where absent). */
  readonly ipv4Reach: number | null;
  readonly ipv6Reach: number | null;
  /** Interfaces with a network state, primary first (`Network interfaces: en0 utun2`). */
  readonly interfaces: readonly string[];
}

/**
 * `scutil --nwi`: per family `REACH : flags 0x00000002 (Reachable)`, and the ordered
 * `Network interfaces:` line.
 */
export function parseNwi(input: Input): ParseResult<NetworkInformationSummary> {
  let family: 'v4' | 'v6' | undefined;
  let ipv4Reach: number | null = null;
  let ipv6Reach: number | null = null;
  let interfaces: string[] | undefined;
  let sawHeader = false;
  for (const line of lines(toText(input))) {
    if (/^\s*Network information/.test(line)) sawHeader = true;
    if (/^IPv4 network interface information/.test(line)) family = 'v4';
    else if (/^IPv6 network interface information/.test(line)) family = 'v6';
    const reach = /^\s*REACH\s*:\s*flags\s+0x([0-9a-fA-F]{1,8})/.exec(line);
    if (reach && family) {
      const flags = Number.parseInt(reach[1] ?? '0', 16);
      if (family === 'v4') ipv4Reach = flags;
      else ipv6Reach = flags;
    }
    const list = /^Network interfaces:(.*)$/.exec(line);
    if (list) interfaces = (list[1] ?? '').split(/\s+/).filter((n) => n !== '');
  }
  if (!sawHeader && interfaces === undefined && ipv4Reach === null && ipv6Reach === null) {
    return { error: new ParseError('scutil --nwi', 'no network information') };
  }
  return { value: { ipv4Reach, ipv6Reach, interfaces: interfaces ?? [] } };
}

/** Reachable (kSCNetworkReachabilityFlagsReachable). */
export const reachableFlag = 0x2;

/**
 * A changed-key line of `scutil`: `  12:00:01.250 changedKey [0] = State:/…` (n.changes and
 * n.watch in current configd) or `changed key [0] = State:/…` (older releases).
 */
export function parseChangedKey(line: Input): string | undefined {
  const match = /changed ?key \[\d{1,9}\] = (.*)$/i.exec(toText(line));
  const key = match?.[1]?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/**
 * The stdin script of the scutil child. scutil exits when its standard input ends
 * (`process_line` returns FALSE at end of file, configd `scutil.tproj`), and the process seam
 * closes stdin after writing it, so `n.watch` (a thread) would die at once. Instead the main
 * thread blocks in `n.wait` until one of the keys changes, `n.changes` prints which, and scutil
 * exits; the engine starts the next one at once. With a seam that keeps stdin open, `n.watch`
 * would do the same in one process (research §2.3).
 */
export const watchScript = [
  'n.add State:/Network/Global/IPv4',
  'n.add State:/Network/Global/IPv6',
  'n.add State:/Network/Interface/[^/]+/Link pattern',
  'n.add State:/Network/Interface/[^/]+/IPv4 pattern',
  'n.add State:/Network/Interface/[^/]+/AirPort pattern',
  'n.wait',
  'n.changes',
  '',
].join('\n');
