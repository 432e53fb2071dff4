/**
 * Redaction of a recording before it is written: MAC addresses (BSSIDs, interface addresses)
 * become keyed-hash, locally administered MACs, consistently across the whole bundle; with
 * 'all', SSIDs become `SSID-<n>` too. Everything works on the raw bytes, read as Latin-1 (one
 * byte, one character), so every other byte is written back exactly as it was, whatever code
 * page the tool printed in.
 *
 * What is covered:
 * - MACs: six groups of hex digits separated by ':' or '-' (`00:1a:2B:…`, `00-1A-…`, macOS's
 *   `0:1a:2b:3:4:5`) in ASCII, which every code page netsh or macOS prints in shares; the
 *   all-zero and broadcast addresses stay. Not covered: MACs without separators, dotted
 *   (`001a.2b3c.4d5e`) or UTF-16 output.
 * - SSIDs ('all'): learnt from lines labelled `SSID …: value` (netsh's networks, interfaces and
 *   profile outputs, `airport -I`, `wdutil`), then replaced on every `label : value` line (and
 *   JSON `"key": "value"` line) whose whole value is one of them, and in argv elements. SSIDs
 *   that only ever appear elsewhere (`airport -s` columns, inside free text) are not found.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Recording, Redaction } from './bundle-format.js';

const colonMac =
  /(?<![0-9A-Fa-f:])([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2}):([0-9A-Fa-f]{1,2})(?![0-9A-Fa-f:])/g;
const dashMac =
  /(?<![0-9A-Fa-f-])([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})(?![0-9A-Fa-f-])/g;

/** A `SSID …: value` line, in any of the tools' layouts. */
const ssidLine = /^\s*SSID\b[^:\r\n]{0,30}:\s?(.*)$/;

export interface Redactor {
  /** Learns SSIDs from an output (mode 'all'); call on every output before `bytes`. */
  learn(output: Buffer): void;
  bytes(output: Buffer): Buffer;
  text(value: string): string;
}

/** `key` is the keyed hash's secret: random per bundle unless a test fixes it. */
export function createRedactor(mode: Redaction, key: Buffer = randomBytes(32)): Redactor {
  const macs = new Map<string, string>();
  const used = new Set<string>();
  const ssids = new Map<string, string>();

  const pseudonym = (canonical: string): string => {
    let found = macs.get(canonical);
    for (let round = 0; found === undefined; round++) {
      const digest = createHmac('sha256', key).update(`${canonical}/${round}`).digest();
      // Locally administered (bit 1), unicast (bit 0 clear).
      digest[0] = (digest[0]! & 0xfc) | 0x02;
      const candidate = digest.subarray(0, 6).toString('hex');
      if (candidate !== canonical && !used.has(candidate)) {
        found = candidate;
        used.add(candidate);
        macs.set(canonical, candidate);
      }
    }
    return found;
  };

  const replaceMac = (match: string, separator: string, groups: string[]): string => {
    const canonical = groups.map((g) => g.padStart(2, '0').toLowerCase()).join('');
    if (canonical === '000000000000' || canonical === 'ffffffffffff') return match;
    const hex = pseudonym(canonical);
    const upper = /[A-F]/.test(match) && !/[a-f]/.test(match);
    const short = groups.some((g) => g.length === 1);
    const out = (hex.match(/../g) ?? []).map((g) => (short ? g.replace(/^0(?=.)/, '') : g));
    const joined = out.join(separator);
    return upper ? joined.toUpperCase() : joined;
  };

  const redactMacs = (text: string): string =>
    text
      .replace(colonMac, (m, ...g: string[]) => replaceMac(m, ':', g.slice(0, 6)))
      .replace(dashMac, (m, ...g: string[]) => replaceMac(m, '-', g.slice(0, 6)));

  const ssidName = (raw: string): string | undefined => {
    const value = unquote(raw.replace(/[\s,]+$/, ''));
    if (value === '' || value === '<redacted>') return undefined;
    return value;
  };

  const redactSsids = (text: string): string =>
    text
      .split('\n')
      .map((line) => {
        const colon = line.indexOf(':');
        if (colon < 0) return line;
        const rest = line.slice(colon + 1);
        const value = ssidName(rest.replace(/\r$/, '').trimStart());
        const replacement = value === undefined ? undefined : ssids.get(value);
        if (replacement === undefined) return line;
        const at = rest.indexOf(value!);
        return `${line.slice(0, colon + 1)}${rest.slice(0, at)}${replacement}${rest.slice(at + value!.length)}`;
      })
      .join('\n');

  return {
    learn(output) {
      if (mode !== 'all') return;
      for (const line of output.toString('latin1').split('\n')) {
        const match = ssidLine.exec(line.replace(/\r$/, ''));
        const value = match ? ssidName(match[1]!) : undefined;
        if (value !== undefined && !ssids.has(value)) ssids.set(value, `SSID-${ssids.size + 1}`);
      }
    },
    bytes(output) {
      if (mode === 'none') return output;
      let text = redactMacs(output.toString('latin1'));
      if (mode === 'all' && ssids.size > 0) text = redactSsids(text);
      return Buffer.from(text, 'latin1');
    },
    text(value) {
      if (mode === 'none') return value;
      let text = redactMacs(value);
      if (mode === 'all') {
        for (const [raw, replacement] of [...ssids].sort((a, b) => b[0].length - a[0].length)) {
          // The name as Latin-1 bytes, and as UTF-8 where those bytes are UTF-8.
          const utf8 = Buffer.from(raw, 'latin1').toString('utf8');
          for (const name of new Set([raw, utf8])) {
            const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            text = text.replace(new RegExp(`(^|[="])${escaped}(?=$|")`, 'g'), `$1${replacement}`);
          }
        }
      }
      return text;
    },
  };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}

/** The recording as it goes to disk: every output, argv and stream line redacted. */
export function redactRecording(recording: Recording, redactor: Redactor): Recording {
  for (const c of recording.commands) {
    redactor.learn(c.result.stdout);
    redactor.learn(c.result.stderr);
  }
  for (const s of recording.streams) for (const e of s.events) redactor.learn(e.bytes);
  return {
    ...recording,
    commands: recording.commands.map((c) => ({
      ...c,
      file: redactor.text(c.file),
      args: c.args.map((a) => redactor.text(a)),
      result: {
        ...c.result,
        stdout: redactor.bytes(c.result.stdout),
        stderr: redactor.bytes(c.result.stderr),
      },
    })),
    streams: recording.streams.map((s) => ({
      ...s,
      args: s.args.map((a) => redactor.text(a)),
      events: s.events.map((e) => ({ ...e, bytes: redactor.bytes(e.bytes) })),
    })),
  };
}
