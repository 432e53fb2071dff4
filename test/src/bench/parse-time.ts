/**
 * Parse time per megabyte of every netsh and macOS parser, as the engines run them (bytes in,
 * decoding included, a value or a ParseError out): on the shared fixtures concatenated to
 * about 1 MB, and on generated worst cases (one huge line, millions of ` : ` or blank lines,
 * invalid UTF-8 floods, deep nesting, long runs of one character…). The issue asks for any
 * input to be read within 50 ms per MB. The baseline, measured on the same bytes in the same
 * run, is the least any line reader does: decode the bytes and split them into lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseAirportInfo,
  parseAirportPower,
  parseAirportScan,
  parseAirportScanPlist,
  parseHardwarePorts,
  parseIpconfigSummary,
  parseNetstatBytes,
  parseNwi,
  parsePlist,
  parsePreferredNetworks,
  parseSystemProfiler,
  parseWatchOutput,
  parseWdutil,
} from '@netbearer/adapter-airport';
import {
  decodeBytes,
  detectRefusal,
  parseCodePage,
  parseHelperLine,
  parseInterfaces,
  parseInterfaceTable,
  parseNetworks,
  parseProfileDetails,
  parseProfiles,
  parseSubinterfaces,
} from '@netbearer/adapter-netsh';
import { type BenchLine, collectGarbage, line } from './measure.js';

const megabyte = 2 ** 20;
const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

/** A parser as its engine runs it: the bytes a command printed, in; anything out. */
export interface Subject {
  readonly name: string;
  readonly parse: (bytes: Buffer) => unknown;
  /** Real outputs of this command, joined to about 1 MB the way the parser reads many. */
  readonly sample: () => Buffer;
  /** Worst shapes peculiar to this parser, on top of the generic ones. */
  readonly shapes?: Readonly<Record<string, () => Buffer>>;
}

// ---------- inputs ----------

function fixtureFiles(platform: 'windows' | 'macos', prefix: string): Buffer[] {
  const dir = join(fixtures, platform);
  const names = readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.txt'));
  if (names.length === 0) throw new Error(`no ${platform} fixture starts with ${prefix}`);
  return names.sort().map((n) => withoutAnnotations(readFileSync(join(dir, n))));
}

/** The publishers' `# …` and `$ …` annotation lines at the top are not command output. */
function withoutAnnotations(bytes: Buffer): Buffer {
  let at = 0;
  while (bytes[at] === 0x23 || (bytes[at] === 0x24 && bytes[at + 1] === 0x20)) {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) return Buffer.alloc(0);
    at = end + 1;
  }
  return bytes.subarray(at);
}

/** The pieces, repeated in turn, until the whole is at least a megabyte. */
function upToMegabyte(pieces: readonly Buffer[], separator = Buffer.from('\r\n')): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < megabyte; i++) {
    const piece = pieces[i % pieces.length] as Buffer;
    out.push(piece, separator);
    size += piece.length + separator.length;
  }
  return Buffer.concat(out);
}

/** A unit of text repeated to a megabyte, with an optional head and tail. */
function repeated(unit: string | Buffer, head = '', tail = ''): Buffer {
  const piece = typeof unit === 'string' ? Buffer.from(unit, 'utf8') : unit;
  const count = Math.ceil(megabyte / piece.length);
  return Buffer.concat([
    Buffer.from(head),
    Buffer.alloc(count * piece.length, piece),
    Buffer.from(tail),
  ]);
}

/** Deterministic bytes (a linear congruential generator): no run differs from another. */
function pseudoRandom(size: number, pick: (n: number) => number): Buffer {
  const out = Buffer.alloc(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = pick(state >>> 8);
  }
  return out;
}

/** Shapes every parser is fed: the pathological forms of line-oriented text. */
export const genericShapes: Readonly<Record<string, () => Buffer>> = {
  'one 1 MB line': () => repeated('x'),
  'a 1 MB run of dashes, then x': () => repeated('-', '', 'x'),
  'a 1 MB run of spaces, then x': () => repeated(' ', 'a: ', 'x'),
  'a 1 MB run of digits, then x': () => repeated('5', '', 'x'),
  'colons only': () => repeated(':'),
  'millions of " : "': () => repeated(' : '),
  '" : " lines': () => repeated('    a : b\n'),
  'blank lines (LF)': () => repeated('\n'),
  'blank lines (CRLF)': () => repeated('\r\n'),
  'CR and LF mixed': () => repeated('\r\n\n\r \r'),
  'indented blank lines': () => repeated('    \r\n'),
  'invalid UTF-8, one line': () => pseudoRandom(megabyte, (n) => 0x80 | (n & 0x7f)),
  'invalid UTF-8, short lines': () =>
    pseudoRandom(megabyte, (n) => (n % 13 === 0 ? 0x0a : 0x80 | (n & 0x7f))),
  'random bytes': () => pseudoRandom(megabyte, (n) => n & 0xff),
  'digits and spaces': () => repeated('1 '),
  'digit rows': () => repeated('1 2 3 4 x\n'),
  'netsh SSID lines': () => repeated('SSID 1 : x\n'),
  'netsh BSSID lines': () => repeated('    BSSID 1 : 00:11:22:33:44:55\n', 'SSID 1 : x\n'),
  'netsh signal lines': () =>
    repeated(
      '         Signal             : 99%\n',
      'SSID 1 : x\n    BSSID 1 : 00:11:22:33:44:55\n',
    ),
  'repeated headers': () =>
    repeated('Interface name : Wi-Fi\r\nThere are 3 networks currently visible.\r\n'),
  'repeated table rules': () => repeated('-----  ----\r\n'),
  'Wlan and 5s': () => repeated('Wlan5 5 5 5 5 5 5 5\n'),
  'quotes and backslashes': () => repeated('\\"', 'a : '),
  'ipconfig nested dictionaries': () => repeated('<dictionary> {\n'),
  'ipconfig closing braces': () => repeated('}\n', '<dictionary> {\n'),
  'JSON opening brackets': () => repeated('['),
  'JSON opening braces': () => repeated('{"a":'),
  'plist open arrays': () => repeated('<array>'),
  'plist dict keys': () => repeated('<dict><key>a</key>'),
  'plist unclosed strings': () => repeated('<string>'),
  'XML entities': () => repeated('&#x1F600;'),
  'airport header, padded rows': () => repeated(`${' '.repeat(40)}x\n`, 'SSID BSSID\n'),
  'Power ( without )': () => repeated('Power ('),
  'scutil changed keys': () => repeated('  changed key [0] = State:/Network/Global/IPv4\n'),
  'changed key, no line break': () => repeated('changedKey [1] = '),
};

// ---------- the parsers ----------

const text = (bytes: Buffer) => decodeBytes(bytes, 850).text;

const netshSample = (prefix: string) => () => upToMegabyte(fixtureFiles('windows', prefix));

const subinterfaces = Buffer.from(
  [
    '',
    '   MTU  MediaSenseState   Bytes In  Bytes Out  Interface',
    '------  ---------------  ---------  ---------  -------------',
    '4294967295                1          0      21446  Loopback Pseudo-Interface 1',
    '  1500                1  123456789   98765432  Wi-Fi',
    '  1500                5          0          0  Ethernet',
    '',
  ].join('\r\n'),
);

/**
 * The helper's output as the engine reads it: a line at a time, each parsed on its own. The
 * line stream decodes its chunks once and splits them (a line per `Buffer.toString` call
 * would measure a million binding calls on a megabyte of blank lines, not the parser).
 */
function helperLines(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  const reports: unknown[] = [];
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const report = parseHelperLine(text.slice(start, end));
    if (report !== undefined) reports.push(report);
    start = end + 1;
  }
  return reports;
}

const helperLine = Buffer.from(
  '{"nlm":1088,"level":"InternetAccess","cost":"Unrestricted","wlan":true,"wwan":false,"iana":71}',
);

/** Many access points in one system_profiler document (a merged capture). */
function systemProfilerSample(): Buffer {
  const items: unknown[] = [];
  for (const bytes of fixtureFiles('macos', 'system-profiler-')) {
    const doc = JSON.parse(bytes.toString('utf8')) as { SPAirPortDataType: unknown[] };
    items.push(...doc.SPAirPortDataType);
  }
  const all: unknown[] = [];
  let size = 0;
  for (let i = 0; size < megabyte; i++) {
    const item = items[i % items.length];
    all.push(item);
    size += JSON.stringify(item, null, 2).length;
  }
  return Buffer.from(JSON.stringify({ SPAirPortDataType: all }, null, 2));
}

/** One `airport -s -x` document holding every fixture's access points, to a megabyte. */
function plistSample(): Buffer {
  const [doc] = fixtureFiles('macos', 'airport-scan-xml-plist');
  const source = (doc as Buffer).toString('utf8');
  const open = source.indexOf('<array>') + '<array>'.length;
  const close = source.lastIndexOf('</array>');
  const body = source.slice(open, close);
  const copies = Math.ceil(megabyte / body.length);
  return Buffer.from(source.slice(0, open) + body.repeat(copies) + source.slice(close));
}

const ipconfigSummary = Buffer.from(
  [
    '<dictionary> {',
    '  BSSID : <redacted>',
    '  IPv4 : <array> {',
    '    0 : <dictionary> {',
    '      Addresses : <array> {',
    '        0 : 192.168.1.23',
    '      }',
    '    }',
    '  }',
    '  InterfaceType : WiFi',
    '  LinkStatusActive : TRUE',
    '  SSID : <redacted>',
    '  Security : WPA2_PSK',
    '}',
    '',
  ].join('\n'),
);

const nwi = Buffer.from(
  [
    'Network information',
    'IPv4 network interface information',
    '     en0 : flags      : 0x5 (IPv4,DNS)',
    '           address    : 192.168.1.23',
    '           reach      : 0x00000002 (Reachable)',
    '   REACH : flags 0x00000002 (Reachable)',
    'IPv6 network interface information',
    '   No IPv6 states found',
    '   REACH : flags 0x00000000 (Not Reachable)',
    'Network interfaces: en0 utun2',
    '',
  ].join('\n'),
);

const watchTranscript = Buffer.from(
  [
    'notification callback (store address = 0x600002d2c000).',
    '   9:41:07.120 changedKey [0] = State:/Network/Interface/en0/Link',
    '   9:41:07.121 (+0.001) changedKey [1] = State:/Network/Interface/en0/AirPort',
    "  no changed key's.",
    '',
  ].join('\n'),
);

const netstat = Buffer.from(
  [
    'Name       Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     Obytes  Coll',
    'lo0        16384 <Link#1>                        2718454     0  545290183  2718454     0  545290183     0',
    'en0        1500  <Link#10>   a4:83:e7:12:34:56  9912345     0 11234567890  4512345     0  987654321     0',
    'en0        1500  192.168.1     192.168.1.23      9812345     -  1  4412345     -  2     -',
    '',
  ].join('\n'),
);

const once = (bytes: Buffer) => () => upToMegabyte([bytes], Buffer.alloc(0));

export const subjects: readonly Subject[] = [
  { name: 'netsh bytes → text', parse: (b) => decodeBytes(b, 850), sample: netshSample('netsh-') },
  {
    name: 'netsh wlan show networks',
    parse: (b) => parseNetworks(text(b)),
    sample: netshSample('netsh-wlan-show-networks'),
  },
  {
    name: 'netsh wlan show interfaces',
    parse: (b) => parseInterfaces(text(b)),
    sample: netshSample('netsh-wlan-show-interfaces'),
  },
  {
    name: 'netsh wlan show profiles',
    parse: (b) => parseProfiles(text(b)),
    sample: netshSample('netsh-wlan-show-profiles'),
  },
  {
    name: 'netsh wlan show profile name=…',
    parse: (b) => parseProfileDetails(text(b)),
    sample: netshSample('netsh-wlan-show-profile-name'),
  },
  {
    name: 'netsh interface show interface',
    parse: (b) => parseInterfaceTable(text(b)),
    sample: netshSample('netsh-interface-show-interface'),
  },
  {
    name: 'netsh interface ipv4 show subinterfaces',
    parse: (b) => parseSubinterfaces(text(b)),
    sample: once(subinterfaces),
  },
  {
    name: 'netsh refusal detection',
    parse: (b) => detectRefusal(text(b)),
    sample: netshSample('netsh-'),
  },
  {
    name: 'chcp code page',
    parse: (b) => parseCodePage(b.toString('latin1')),
    sample: once(Buffer.from('Active code page: 850\r\n')),
  },
  {
    name: 'netsh change helper lines',
    parse: helperLines,
    sample: () => upToMegabyte([helperLine], Buffer.from('\n')),
    shapes: {
      'a megabyte of JSON in one line': () =>
        Buffer.from(JSON.stringify({ nlm: 1, level: 'x'.repeat(megabyte) })),
      'lines that look like JSON objects but are not': () => repeated('{x}\n'),
    },
  },
  {
    name: 'airport -s',
    parse: parseAirportScan,
    sample: () =>
      upToMegabyte(fixtureFiles('macos', 'airport-scan-').filter(notXml), Buffer.alloc(0)),
    shapes: {
      'rows of invalid UTF-8 SSIDs': () =>
        repeated(
          Buffer.concat([
            Buffer.from([0x20, 0x20, 0xff, 0xfe, 0x41]),
            Buffer.from(' 00:11:22:33:44:55 -50  6       Y  -- WPA2(PSK/AES/AES)\n'),
          ]),
          '  SSID BSSID             RSSI CHANNEL HT CC SECURITY (auth/unicast/group)\n',
        ),
    },
  },
  {
    name: 'airport -I',
    parse: parseAirportInfo,
    sample: () => upToMegabyte(fixtureFiles('macos', 'airport-getinfo'), Buffer.alloc(0)),
  },
  { name: 'airport -s -x (plist)', parse: parseAirportScanPlist, sample: plistSample },
  { name: 'plist', parse: parsePlist, sample: plistSample },
  {
    name: 'networksetup -listallhardwareports',
    parse: parseHardwarePorts,
    sample: () =>
      upToMegabyte(
        fixtureFiles('macos', 'networksetup-listallhardwareports').map(beforeVlans),
        Buffer.from('\n'),
      ),
  },
  {
    name: 'networksetup -listpreferredwirelessnetworks',
    parse: parsePreferredNetworks,
    sample: () => repeated('\tHome network\n', 'Preferred networks on en0:\n'),
  },
  {
    name: 'networksetup -getairportpower',
    parse: parseAirportPower,
    sample: once(Buffer.from('Wi-Fi Power (en0): On\n')),
  },
  {
    name: 'system_profiler SPAirPortDataType -json',
    parse: parseSystemProfiler,
    sample: systemProfilerSample,
  },
  { name: 'ipconfig getsummary', parse: parseIpconfigSummary, sample: once(ipconfigSummary) },
  { name: 'scutil --nwi', parse: parseNwi, sample: once(nwi) },
  {
    name: 'wdutil info',
    parse: parseWdutil,
    sample: () => upToMegabyte(fixtureFiles('macos', 'wdutil-info'), Buffer.from('\n')),
  },
  { name: 'scutil n.watch', parse: parseWatchOutput, sample: once(watchTranscript) },
  { name: 'netstat -ib', parse: parseNetstatBytes, sample: once(netstat) },
];

function notXml(bytes: Buffer): boolean {
  return !bytes.subarray(0, 64).toString('latin1').includes('<?xml');
}

/** The hardware ports list stops at `VLAN Configurations`: keep the repeats before it. */
function beforeVlans(bytes: Buffer): Buffer {
  const at = bytes.indexOf('VLAN Configurations');
  return at < 0 ? bytes : bytes.subarray(0, at);
}

// ---------- measuring ----------

/**
 * CPU milliseconds per megabyte: the least of a few runs, each after a collection. CPU time
 * (the process's, collector threads included) rather than wall time, and the least rather
 * than the median, so that what is measured is the parser's own work and not the machine's
 * other load.
 */
export function msPerMegabyte(run: (bytes: Buffer) => unknown, input: Buffer, runs = 5): number {
  run(input);
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    const start = process.cpuUsage();
    run(input);
    const used = process.cpuUsage(start);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return (least * megabyte) / Math.max(input.length, 1);
}

/** The floor a line parser cannot go below: decode the bytes and split them into lines. */
export const floor = (bytes: Buffer) => bytes.toString('utf8').split('\n');

export interface ParseTimes {
  readonly subject: string;
  readonly sample: { readonly ms: number; readonly floor: number; readonly bytes: number };
  /** Every shape, slowest first. */
  readonly shapes: ReadonlyArray<{ shape: string; ms: number; floor: number }>;
}

export function measureParseTimes(only?: (name: string) => boolean): ParseTimes[] {
  const generic = Object.entries(genericShapes).map(([shape, make]) => {
    const input = make();
    return { shape, input, floor: msPerMegabyte(floor, input, 3) };
  });
  const results: ParseTimes[] = [];
  for (const subject of subjects) {
    if (only && !only(subject.name)) continue;
    const own = Object.entries(subject.shapes ?? {}).map(([shape, make]) => {
      const input = make();
      return { shape, input, floor: msPerMegabyte(floor, input, 3) };
    });
    const shapes = [...generic, ...own].map(({ shape, input, floor }) => ({
      shape,
      ms: msPerMegabyte(subject.parse, input),
      floor,
    }));
    shapes.sort((x, y) => y.ms - x.ms);
    const sample = subject.sample();
    results.push({
      subject: subject.name,
      sample: {
        ms: msPerMegabyte(subject.parse, sample),
        floor: msPerMegabyte(floor, sample),
        bytes: sample.length,
      },
      shapes,
    });
  }
  return results;
}

export async function parseTime(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  for (const r of measureParseTimes()) {
    lines.push(
      line(
        `parse time per MB: ${r.subject}, fixtures to 1 MB vs decode+split`,
        r.sample.ms,
        'ms',
        r.sample.floor,
      ),
    );
    const worst = r.shapes[0];
    if (!worst) throw new Error(`${r.subject}: no shape measured`);
    lines.push(
      line(
        `parse time per MB: ${r.subject}, worst input (${worst.shape}) vs decode+split`,
        worst.ms,
        'ms',
        worst.floor,
      ),
    );
  }
  return lines;
}
