import { InvalidArgumentError } from '@netbearer/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quotedTag, unsafeReason } from './argv.js';
import { decodeBytes, encodeText, parseCodePage } from './decode.js';
import { parseHelperLine } from './helper.js';
import { parseInterfaces } from './interfaces.js';
import { parseNetworks, type VisibleNetwork } from './networks.js';
import { parseProfileDetails, parseProfiles } from './profiles.js';
import { detectRefusal, parseInterfaceTable, parseSubinterfaces } from './tables.js';
import { type Layout, renderNetworks } from './testing/render.js';
import { ParseError } from './text.js';

const hostile = [
  '"',
  '""',
  '$(calc)',
  '`whoami`',
  ':',
  ' : ',
  'a : b',
  '    BSSID 1 : 00:11:22:33:44:55',
  'BSSID 1 : 00:11:22:33:44:55',
  '99%',
  '%PATH%',
  '\u00a0',
  '  lead',
  'trail  ',
  '日本語のネットワーク名です',
  '😀😀😀😀😀😀😀😀',
  'ééééééééééééééééé',
  '& | < > ^',
  '#hash',
];

/** An SSID of at most 32 UTF-8 octets, biased towards the hostile shapes. */
const ssid = fc
  .oneof(
    fc.constantFrom(...hostile),
    fc.string({ maxLength: 32 }),
    fc
      .array(fc.constantFrom(...hostile, 'x', ' ', ':'), { maxLength: 4 })
      .map((parts) => parts.join('')),
  )
  .map((s) => s.replace(/[\r\n]/g, ''))
  .filter((s) => Buffer.byteLength(s, 'utf8') <= 32);

const hex = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
const mac = fc.array(hex, { minLength: 6, maxLength: 6 }).map((parts) => parts.join(':'));

const accessPoint = fc.record({
  bssid: mac,
  signal: fc.integer({ min: 0, max: 100 }),
  channel: fc.integer({ min: 1, max: 233 }),
  radioType: fc.constantFrom('802.11n', '802.11ax', '802.11ac', '802.11g'),
  band: fc.constantFrom('2.4 GHz', '5 GHz', '6 GHz'),
});

const network = (name: fc.Arbitrary<string>) =>
  fc.record({
    ssid: name,
    networkType: fc.constant('Infrastructure'),
    authentication: fc.constantFrom('Open', 'WPA2-Personal', 'WPA3-Personal', 'WPA2-Enterprise'),
    encryption: fc.constantFrom('None', 'CCMP', 'GCMP', 'TKIP'),
    accessPoints: fc.array(accessPoint, { minLength: 0, maxLength: 4 }),
  });

const layout = fc.constantFrom<Layout>('win10-en', 'win11-en', 'win11-de', 'win11-fr', 'win11-es');

function expected(networks: readonly VisibleNetwork[], l: Layout): VisibleNetwork[] {
  return networks.map((n) => ({
    ...n,
    interfaceName: 'Wi-Fi',
    accessPoints: n.accessPoints.map((ap) => {
      const { band, ...rest } = ap;
      return l === 'win10-en' || band === undefined ? rest : { ...rest, band };
    }),
  }));
}

describe('render → parse round-trips', () => {
  it('every network and every BSSID, hostile SSIDs included, any layout, blank lines or not', () => {
    fc.assert(
      fc.property(
        fc.array(network(ssid), { maxLength: 6 }),
        layout,
        fc.boolean(),
        (networks, l, blankLines) => {
          const text = renderNetworks(networks, l, { blankLines });
          const parsed = parseNetworks(text);
          expect(parsed).toEqual(expected(networks, l));
          // The same through bytes: UTF-8, LF, BOM.
          expect(parseNetworks(decodeBytes(Buffer.from(`\ufeff${text}`, 'utf8')).text)).toEqual(
            parsed,
          );
          expect(parseNetworks(text.replace(/\r\n/g, '\n'))).toEqual(parsed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('CP850 bytes of representable text parse the same', () => {
    const cp850ssid = ssid.filter((s) => decodeBytes(encodeText(s), 850).text === s);
    fc.assert(
      fc.property(fc.array(network(cp850ssid), { maxLength: 4 }), (networks) => {
        const text = renderNetworks(networks, 'win11-es', { blankLines: true });
        const bytes = encodeText(text, 850);
        const decoded = decodeBytes(bytes, 850).text;
        const viaUtf8 = parseNetworks(text);
        const viaCp850 = parseNetworks(decoded);
        // Pure-ASCII output is valid UTF-8 and decodes identically either way.
        expect(viaCp850).toEqual(viaUtf8);
      }),
      { numRuns: 100 },
    );
  });

  it('an SSID with a line break may lose its own entry but never corrupts its neighbours', () => {
    const broken = fc
      .tuple(
        ssid,
        fc.constantFrom(
          '\n',
          '\r\n',
          '\r',
          '\n    BSSID 1 : 00:11:22:33:44:55\n',
          '\nSSID 7 : fake',
        ),
        ssid,
      )
      .map(([a, br, b]) => a + br + b);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(network(ssid), fc.boolean()), { minLength: 1, maxLength: 6 }),
        broken,
        layout,
        fc.boolean(),
        (entries, brokenName, l, blankLines) => {
          const model = entries.map(([n, isBroken]) => (isBroken ? { ...n, ssid: brokenName } : n));
          const parsed = parseNetworks(renderNetworks(model, l, { blankLines }));
          if (parsed instanceof ParseError) throw parsed;
          const want = expected(model, l);
          let at = 0;
          const canon = (n: VisibleNetwork) =>
            JSON.stringify([
              n.ssid,
              n.interfaceName,
              n.networkType,
              n.authentication,
              n.encryption,
              n.accessPoints.map((ap) => [ap.bssid, ap.signal, ap.channel, ap.radioType, ap.band]),
            ]);
          for (const [i, n] of want.entries()) {
            if (/[\r\n]/.test(n.ssid)) continue;
            const found = parsed.slice(at).findIndex((p) => canon(p) === canon(n));
            expect(
              found,
              `neighbour ${i} ${JSON.stringify(n.ssid)} is intact`,
            ).toBeGreaterThanOrEqual(0);
            at += found + 1;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Every parser the engine runs on command output, with what a value of it looks like. */
const parsers: ReadonlyArray<[string, (text: string) => unknown, (value: unknown) => boolean]> = [
  ['show networks', parseNetworks, Array.isArray],
  ['show interfaces', parseInterfaces, Array.isArray],
  ['show profiles', parseProfiles, Array.isArray],
  ['show profile', parseProfileDetails, (v) => Array.isArray((v as { ssids?: unknown }).ssids)],
  ['interface table', parseInterfaceTable, Array.isArray],
  ['subinterfaces', parseSubinterfaces, Array.isArray],
  [
    'refusal',
    detectRefusal,
    (v) => v === undefined || v === 'location-permission' || v === 'service-unavailable',
  ],
  ['chcp', parseCodePage, (v) => v === undefined || Number.isInteger(v)],
  ['helper line', parseHelperLine, (v) => v === undefined || typeof v === 'object'],
];

/** Every parser on some text: a value of its type or a ParseError, never a throw. */
function expectAnswers(text: string): void {
  for (const [name, parse, isValue] of parsers) {
    const result = parse(text);
    expect(result instanceof ParseError || isValue(result), name).toBe(true);
  }
}

describe('any input gives a value or a ParseError', () => {
  it('random text and random bytes, decoded as the engine does in any code page', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'SSID 1 : x',
        '    BSSID 1 : 00:11:22:33:44:55',
        '  Signal : 50%',
        '  Channel : 6',
        '-----',
        ' : ',
        '    Name : Wi-Fi',
        '1 2 3 4 x',
        'Active code page: 850',
        '{"nlm":64}',
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(line, { maxLength: 30 }).map((l) => l.join('\r\n')),
          fc
            .tuple(
              fc.uint8Array({ maxLength: 400 }),
              fc.constantFrom(437, 850, 866, 1252, 65001, 0, 99999),
            )
            .map(([bytes, codePage]) => {
              const decoded = decodeBytes(bytes, codePage);
              expect(typeof decoded.text).toBe('string');
              return decoded.text;
            }),
        ),
        expectAnswers,
      ),
      { numRuns: 500 },
    );
  });

  // No timing here (the benchmark measures it: `pnpm bench`, parse time per MB); a
  // backtracking regular expression would hang on these, and the test would time out.
  it('adversarial megabytes: long runs, millions of lines, separators and headers', () => {
    const megabyte = 1024 * 1024;
    const inputs = [
      ':'.repeat(megabyte),
      ' '.repeat(megabyte),
      'SSID 1 :'.repeat(megabyte / 8),
      `SSID 1 : x\n${'    BSSID 1 : 00:11:22:33:44:55\n'.repeat(megabyte / 32)}`,
      '\n'.repeat(megabyte),
      '\r\n\n\r'.repeat(megabyte / 4),
      `${'1 '.repeat(megabyte / 2)}x`,
      `-----\n${'5 '.repeat(megabyte / 2)}`,
      `${'-'.repeat(megabyte)}x`,
      `a: ${' '.repeat(megabyte)}x`,
      `Wlan${'5 '.repeat(megabyte / 2)}`,
      `${'\\'.repeat(megabyte)}"`,
      ` ${'a '.repeat(megabyte / 2)}\n---\n`,
      '['.repeat(megabyte),
    ];
    for (const input of inputs) expectAnswers(input);
    for (const bytes of [Buffer.alloc(megabyte, 0xff), Buffer.alloc(megabyte, 0x85)]) {
      expectAnswers(decodeBytes(bytes, 850).text);
    }
  });

  it('helper lines: a report is one flat JSON object; anything else is not a report', () => {
    const report =
      '{"nlm":1088,"level":"InternetAccess","cost":"Unrestricted","wlan":true,"wwan":false,"iana":71}';
    expect(parseHelperLine(report)).toEqual({
      nlm: 1088,
      level: 'InternetAccess',
      cost: 'Unrestricted',
      wlan: true,
      wwan: false,
      iana: 71,
    });
    expect(parseHelperLine(`\ufeff${report}\r`)).toEqual(parseHelperLine(report));
    for (const junk of ['', '{x}', '{"a":1,}', '[1]', '{"a":{"b":1}}', '"x"', '5', '{', '}']) {
      expect(parseHelperLine(junk), junk).toBeUndefined();
    }
  });

  it('refuses inputs beyond 8 M characters without reading them', () => {
    const huge = 'x'.repeat(8 * 1024 * 1024 + 1);
    for (const [, parse] of parsers.slice(0, 6)) expect(parse(huge)).toBeInstanceOf(ParseError);
  });
});

describe('argv builders', () => {
  it('for any name: a typed refusal, or exactly one name="…" token holding the name intact', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom(...hostile, 'a\\', 'a\\\\', 'x\ny', 'x\0', '#')),
        (name) => {
          let token: string;
          try {
            token = quotedTag('name', name);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidArgumentError);
            expect(unsafeReason(name)).toBeDefined();
            return;
          }
          expect(unsafeReason(name)).toBeUndefined();
          expect(token.startsWith('name="')).toBe(true);
          expect(token.endsWith('"')).toBe(true);
          const inner = token.slice('name="'.length, -1);
          // The value, then only the doubled trailing backslashes.
          expect(inner.startsWith(name)).toBe(true);
          expect(/^\\*$/.test(inner.slice(name.length))).toBe(true);
          expect(inner.includes('"')).toBe(false);
          expect(/[\r\n\0]/.test(token)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('show interfaces with hostile names', () => {
  it('the SSID and the profile come back exactly, and never pass for another field', () => {
    fc.assert(
      fc.property(
        ssid,
        ssid.filter((s) => s.trim() !== ''),
        fc.boolean(),
        (name, profile, crlf) => {
          const lines = [
            'There is 1 interface on the system:',
            '    Name                   : Wi-Fi',
            '    GUID                   : 7825d47a-5d59-4c93-8d91-2b0e1b5f6c4b',
            '    Physical address       : fe:dc:ba:09:87:01',
            '    State                  : connected',
            `    SSID                   : ${name}`,
            '    AP BSSID               : fe:dc:ba:09:87:02',
            '    Band                   : 5 GHz',
            '    Channel                : 44',
            '    Radio type             : 802.11ax',
            '    Authentication         : WPA2-Personal',
            '    Cipher                 : CCMP',
            '    Signal                 : 42%',
            `    Profile                : ${profile}`,
          ];
          const parsed = parseInterfaces(lines.join(crlf ? '\r\n' : '\n'));
          if (parsed instanceof ParseError) throw parsed;
          expect(parsed).toHaveLength(1);
          expect(parsed[0]).toMatchObject({
            ssid: name,
            profile,
            bssid: 'fe:dc:ba:09:87:02',
            physicalAddress: 'fe:dc:ba:09:87:01',
            channel: 44,
            signal: 42,
            band: '5 GHz',
            radioType: '802.11ax',
            connected: true,
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
