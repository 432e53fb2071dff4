import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  renderAirportScan,
  renderIpconfigSummary,
  renderPreferred,
  renderSystemProfiler,
} from '../testing/render.js';
import { ParseError, strictText } from '../text.js';
import { parseAirportInfo, parseAirportScan } from './airport.js';
import { parseIpconfigSummary } from './ipconfig.js';
import { parseNetstatBytes } from './netstat.js';
import { parseAirportPower, parseHardwarePorts, parsePreferredNetworks } from './networksetup.js';
import { parseAirportScanPlist, parsePlist } from './plist.js';
import { parseChangedKey, parseNwi, parseWatchLine, parseWatchOutput } from './scutil.js';
import { parseSystemProfiler } from './system-profiler.js';
import { parseWdutil } from './wdutil.js';

const hostile = [
  '"',
  "'",
  '$(reboot)',
  '`id`',
  ':',
  ' : ',
  'BSSID: 00:11:22:33:44:55',
  '%s%n',
  '\u00a0',
  '😀',
  'ééééééééééééééé', // 30 bytes
  'ñññññññññññññññ\u00f1', // 32 bytes
  '<redacted>',
  ' lead',
  'trail ',
  '\t',
  '\\',
];

/** SSIDs as bytes: anything up to 32 octets (invalid UTF-8 included), biased to hostile text. */
const ssidBytes = fc
  .oneof(
    fc.uint8Array({ maxLength: 32 }),
    fc
      .array(fc.constantFrom(...hostile), { minLength: 1, maxLength: 4 })
      .map((parts) => Buffer.from(parts.join(''), 'utf8').subarray(0, 32)),
    fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => Buffer.from(s).subarray(0, 32)),
  )
  .map((b) => Uint8Array.from(b));

const noLineBreak = (b: Uint8Array) => !b.includes(0x0a) && !b.includes(0x0d);

const mac = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
  .map((xs) => xs.map((x) => x.toString(16).padStart(2, '0')).join(':'));

const ap = (ssid: fc.Arbitrary<Uint8Array>) =>
  fc.record({
    ssid,
    bssid: fc.option(mac, { nil: null }),
    rssi: fc.integer({ min: -100, max: 0 }),
    channel: fc.constantFrom('1', '6', '9,-1', '1,+1', '36', '149', '165'),
    security: fc.constantFrom(
      'NONE',
      'WPA2(PSK/AES/AES)',
      'WPA(PSK/AES,TKIP/TKIP) WPA2(PSK/AES,TKIP/TKIP)',
    ),
  });

/** What the parser can know of an SSID: its leading spaces are airport's padding. */
function expectedSsid(bytes: Uint8Array): { ssid: string; ssidHex: string | null } {
  let first = 0;
  while (bytes[first] === 0x20) first++;
  const rest = bytes.subarray(first);
  const text = strictText(rest);
  return text !== undefined
    ? { ssid: text, ssidHex: null }
    : { ssid: Buffer.from(rest).toString('utf8'), ssidHex: Buffer.from(rest).toString('hex') };
}

describe('airport -s: render → parse round trip with hostile SSIDs', () => {
  it('keeps every SSID (bytes), BSSID, RSSI, channel and security, in LF and CRLF', () => {
    fc.assert(
      fc.property(
        fc.array(ap(ssidBytes.filter(noLineBreak)), { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        (aps, eol) => {
          const result = parseAirportScan(renderAirportScan(aps, eol));
          if ('error' in result) throw result.error;
          expect(result.value.skipped).toBe(0);
          expect(result.value.entries.map((e) => ({ ...e, redacted: false }))).toEqual(
            aps.map((a) => ({
              ...expectedSsid(a.ssid),
              redacted: false,
              bssid: a.bssid,
              rssi: a.rssi,
              noise: null,
              channel: Number(a.channel.split(',')[0]),
              channelText: a.channel,
              security: a.security,
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an SSID with a line break loses at most its own row, never a neighbour', () => {
    fc.assert(
      fc.property(
        fc.array(ap(ssidBytes.filter(noLineBreak)), { minLength: 1, maxLength: 4 }),
        ap(
          fc
            .tuple(
              fc.uint8Array({ maxLength: 12 }),
              fc.constantFrom('\n', '\r', '\r\n'),
              fc.uint8Array({ maxLength: 12 }),
            )
            .map(([a, br, b]) => Uint8Array.from(Buffer.concat([a, Buffer.from(br), b]))),
        ),
        fc.nat(),
        (neighbours, broken, at) => {
          const index = at % (neighbours.length + 1);
          const all = [...neighbours.slice(0, index), broken, ...neighbours.slice(index)];
          const result = parseAirportScan(renderAirportScan(all));
          if ('error' in result) throw result.error;
          const seen = result.value.entries.map(
            (e) => `${e.ssidHex ?? e.ssid}|${e.bssid}|${e.rssi}`,
          );
          for (const n of neighbours) {
            const want = expectedSsid(n.ssid);
            expect(seen).toContain(`${want.ssidHex ?? want.ssid}|${n.bssid}|${n.rssi}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('system_profiler: render → parse round trip with hostile SSIDs', () => {
  const name = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 16 }),
    fc.array(fc.constantFrom(...hostile), { minLength: 1, maxLength: 4 }).map((p) => p.join('')),
  );
  it('keeps current and neighbour names, channels and signals', () => {
    fc.assert(
      fc.property(
        fc.option(name, { nil: null }),
        fc.array(
          fc.record({
            name,
            channel: fc.integer({ min: 1, max: 165 }),
            rssi: fc.integer({ min: -99, max: -1 }),
          }),
          { maxLength: 6 },
        ),
        (current, networks) => {
          const result = parseSystemProfiler(renderSystemProfiler(current, networks));
          if ('error' in result) throw result.error;
          const [en0] = result.value;
          expect(en0?.current?.ssid ?? null).toBe(current);
          expect(en0?.status).toBe(current === null ? 'disassociated' : 'connected');
          expect(en0?.networks.map((n) => [n.ssid, n.channel, n.rssi])).toEqual(
            networks.map((n) => [n.name, n.channel, n.rssi]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ipconfig getsummary and the preferred list keep hostile SSIDs whole', () => {
  const name = fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength: 16 }),
      fc.array(fc.constantFrom(...hostile), { minLength: 1, maxLength: 4 }).map((p) => p.join('')),
    )
    .filter((s) => !/[\r\n]/.test(s) && s.trim() !== '' && !s.includes('redacted'));
  it('ipconfig getsummary: SSID after the first " : ", nested SSIDs ignored', () => {
    fc.assert(
      fc.property(name, fc.boolean(), (ssid, linkActive) => {
        const result = parseIpconfigSummary(
          renderIpconfigSummary({ linkActive, ssid, security: 'WPA2_PSK' }),
        );
        if ('error' in result) throw result.error;
        expect(result.value).toMatchObject({
          ssid,
          linkActive,
          redacted: false,
          security: 'WPA2_PSK',
        });
      }),
    );
  });
  it('preferred networks: one SSID a line, spaces kept', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 6 }), (ssids) => {
        const result = parsePreferredNetworks(renderPreferred('en0', ssids));
        if ('error' in result) throw result.error;
        expect(result.value).toEqual({ kind: 'list', device: 'en0', ssids });
      }),
    );
  });
});

const parsers: [string, (input: Uint8Array) => unknown][] = [
  ['airport -s', parseAirportScan],
  ['airport -I', parseAirportInfo],
  ['airport -s -x', parseAirportScanPlist],
  ['plist', parsePlist],
  ['hardware ports', parseHardwarePorts],
  ['preferred', parsePreferredNetworks],
  ['airport power', parseAirportPower],
  ['system_profiler', parseSystemProfiler],
  ['ipconfig', parseIpconfigSummary],
  ['nwi', parseNwi],
  ['wdutil', parseWdutil],
  ['changed key', parseChangedKey],
  ['scutil line', parseWatchLine],
  ['scutil n.watch', parseWatchOutput],
  ['netstat -ib', parseNetstatBytes],
];

const isResult = (r: unknown) =>
  r === undefined ||
  typeof r === 'string' ||
  (typeof r === 'object' &&
    r !== null &&
    ('value' in r ||
      // A line of scutil's notification output.
      typeof (r as { kind?: unknown }).kind === 'string' ||
      ('error' in r && (r as { error: unknown }).error instanceof ParseError)));

describe('any input gives a value or a ParseError, never a throw or a hang', () => {
  for (const [name, parse] of parsers) {
    it(`${name}: arbitrary bytes and tool-like text`, () => {
      const toolish = fc
        .array(
          fc.constantFrom(
            'SSID BSSID RSSI CHANNEL HT CC SECURITY\n',
            '<dict>',
            '<key>SSID_STR</key><string>x',
            '</dict>',
            '<array>',
            '{"SPAirPortDataType":[',
            '<dictionary> {\n',
            '  SSID : ',
            '}\n',
            'Hardware Port: Wi-Fi\n',
            'Device: en0\n',
            '\tname\n',
            'REACH : flags 0x2\n',
            'notification callback (store address = 0x1).\n',
            '  1:00:00.000 changedKey [0] = ',
            'WIFI\n',
            '    SSID : x\n',
            '\r\n',
            ' ',
            ':',
            '&#x1F600;',
          ),
          { maxLength: 40 },
        )
        .map((parts) => Buffer.from(parts.join('')));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), toolish), (input) => {
          expect(isResult(parse(input))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }

  // No timing here (the benchmark measures it: `pnpm bench`, parse time per MB); a
  // backtracking regular expression would hang on these, and the test would time out.
  it('a megabyte of adversarial input gives a value or a ParseError', () => {
    const megabyte = (unit: string) => Buffer.from(unit.repeat(Math.ceil(2 ** 20 / unit.length)));
    const inputs = [
      megabyte(' '),
      megabyte(':'),
      megabyte('<'),
      megabyte('<dict><key>a</key>'),
      megabyte(`${'a'.repeat(70)}\n`),
      megabyte(' : '),
      megabyte('{'),
      megabyte('&#x1F600;'),
      megabyte('\n'),
      megabyte('\r\n\n\r'),
      megabyte('Power ('),
      megabyte('<dictionary> {\n'),
      Buffer.concat([Buffer.from('SSID BSSID\n'), megabyte(`${' '.repeat(40)}x`)]),
      Buffer.concat([Buffer.from('Preferred networks on ::'), megabyte(':'), Buffer.from('x')]),
      Buffer.alloc(2 ** 20, 0xff),
    ];
    for (const [name, parse] of parsers) {
      for (const input of inputs) {
        expect(isResult(parse(input)), `${name} on ${input.subarray(0, 12).toString()}…`).toBe(
          true,
        );
      }
    }
  });
});
