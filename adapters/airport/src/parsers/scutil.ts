import { type Input, LineReader, ParseError, type ParseResult, toText } from '../text.js';

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
  const lines = new LineReader(toText(input));
  while (lines.nextNonBlank()) {
    // Every line read below starts with N, I or R: others cost no string.
    const c = lines.text.charCodeAt(lines.first);
    if (c !== 0x4e && c !== 0x49 && c !== 0x52) continue;
    const line = lines.line;
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
 * A changed-key line of `scutil`: `  12:00:01.250 changedKey [0] = State:/…` (n.watch and
 * n.changes in current configd, `  %s changedKey [%d] = %@` with the time, then ` (+s.mmm)`
 * after the first) or `changed key [0] = State:/…` (older releases).
 */
export function parseChangedKey(line: Input): string | undefined {
  const match = /changed ?key \[\d{1,9}\] = (.*)$/i.exec(toText(line));
  const key = match?.[1]?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** One line of `n.watch` output, as far as the engine cares. */
export type WatchLine =
  /** `notification callback (store address = 0x…).`: a notification begins. */
  | { readonly kind: 'notification' }
  /** `  <time> changedKey [i] = <key>`: one key of it. */
  | { readonly kind: 'changed'; readonly key: string }
  /** `  no changed key's.`: a notification without keys (still a change to look at). */
  | { readonly kind: 'no-keys' };

/**
 * A line of scutil in notification mode (`n.watch`), per configd's `scutil.tproj/
 * notifications.c` `storeCallback`: the header `notification callback (store address = %p).`,
 * then per key `  %s changedKey [%d] = %@` (%s is `hh:mm:ss.mmm`, ` (+s.mmm)` after the first
 * print) or `  no changed key's.`. Anything else (an error text of a refused `n.add`) is
 * undefined. Pure, anchored, linear.
 */
export function parseWatchLine(line: Input): WatchLine | undefined {
  const text = toText(line);
  if (/^\s*notification callback \(store address = [^)]{0,64}\)/i.test(text)) {
    return { kind: 'notification' };
  }
  if (/^\s*no changed ?key'?s\b/i.test(text)) return { kind: 'no-keys' };
  const key = parseChangedKey(text);
  return key === undefined ? undefined : { kind: 'changed', key };
}

/**
 * `parseWatchLine` of a reader's line, with one regex: a notification or no-keys line starts
 * with `n`, so any other can only be a changed key.
 */
function readWatchLine(lines: LineReader): WatchLine | undefined {
  const c = lines.text.charCodeAt(lines.first);
  if (c === 0x6e || c === 0x4e) return parseWatchLine(lines.line);
  const key = parseChangedKey(lines.line);
  return key === undefined ? undefined : { kind: 'changed', key };
}

/** One notification of `n.watch`: the keys it named (none for `no changed key's`). */
export interface WatchNotification {
  readonly keys: readonly string[];
}

/**
 * A whole `n.watch` transcript grouped into notifications (fixtures, capture bundles). Keys
 * before any header (releases that print none) form a notification of their own. An input
 * with no notification line at all is a ParseError.
 */
export function parseWatchOutput(input: Input): ParseResult<readonly WatchNotification[]> {
  const notifications: { keys: string[] }[] = [];
  let current: { keys: string[] } | undefined;
  let sawAny = false;
  const lines = new LineReader(toText(input));
  while (lines.nextNonBlank()) {
    // Every line parseWatchLine reads says `notification` or `changed key`: shorter lines
    // cost no string.
    if (lines.last - lines.first < 'changedkey'.length) continue;
    const parsed = readWatchLine(lines);
    if (!parsed) continue;
    sawAny = true;
    if (parsed.kind === 'notification' || !current) {
      current = { keys: [] };
      notifications.push(current);
      if (parsed.kind === 'notification') continue;
    }
    if (parsed.kind === 'changed') current.keys.push(parsed.key);
  }
  if (!sawAny) return { error: new ParseError('scutil n.watch', 'no notification') };
  return { value: notifications };
}

/**
 * The stdin script of the long-lived scutil child: the keys and patterns (`n.add key pattern`:
 * any second word makes it a regex) of link, address, Wi-Fi and global state, then `n.watch`,
 * which starts a thread that prints each notification while the main thread waits for more
 * input. scutil exits at the end of its input (`process_line` returns FALSE at end of file), so
 * the engine spawns it with `keepStdinOpen` and ends it with kill().
 */
export const watchScript = [
  'n.add State:/Network/Global/IPv4',
  'n.add State:/Network/Global/IPv6',
  'n.add State:/Network/Interface/[^/]+/Link pattern',
  'n.add State:/Network/Interface/[^/]+/IPv4 pattern',
  'n.add State:/Network/Interface/[^/]+/AirPort pattern',
  'n.watch',
  '',
].join('\n');
