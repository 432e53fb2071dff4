/**
 * Parse fidelity against the Node peers on the same fixtures, in the same run: the nine
 * `netsh wlan show networks mode=bssid` fixtures, in the layout netsh prints, go to our netsh
 * parser, to node-wifi 2.0.16's Windows scan and to systeminformation's `wifiNetworks()`, the
 * peers through stubbed process calls (restored afterwards). Every access point is scored on
 * ssid, bssid, channel, signal and security against a ground truth read by labels. The seven
 * `netsh wlan show interfaces` fixtures likewise, against node-wifi's current connections and
 * systeminformation's `wifiConnections()`, scored on the connected interface.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBytes, parseInterfaces, parseNetworks } from '@netbearer/adapter-netsh';
import {
  fieldsScored,
  groundTruth,
  interfacesLayout,
  interfacesTruth,
  netshLayout,
  type ScoredAp,
  scoreRows,
  toScoredAp,
} from './fidelity-score.js';
import { type BenchLine, line, median } from './measure.js';

const require = createRequire(import.meta.url);

export const windowsFixtures = fileURLToPath(
  new URL('../../../../shared/fixtures/windows/', import.meta.url),
);

function fixturesOf(prefix: string): string[] {
  return readdirSync(windowsFixtures)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.txt'))
    .sort();
}

export const networksFixtures = () => fixturesOf('netsh-wlan-show-networks');
export const interfacesFixtures = () => fixturesOf('netsh-wlan-show-interfaces');

/** What one parser made of one fixture's output. */
type Outcome =
  | { readonly kind: 'rows'; readonly rows: readonly ScoredAp[]; readonly ms: number }
  | { readonly kind: 'threw'; readonly error: unknown; readonly ms: number };

type Parser = (stdout: string) => Promise<Outcome>;

// ---------- ours ----------

/** Our parser as the engine runs it: bytes, then text, then structure. */
function ours(parse: (text: string) => readonly ScoredAp[] | Error): Parser {
  return (stdout) => {
    const bytes = Buffer.from(stdout, 'utf8');
    const start = performance.now();
    try {
      const rows = parse(decodeBytes(bytes, 850).text);
      const ms = performance.now() - start;
      // A ParseError is an answer with no rows (it scores nothing), not a throw.
      return Promise.resolve({ kind: 'rows', rows: rows instanceof Error ? [] : rows, ms });
    } catch (error) {
      return Promise.resolve({ kind: 'threw', error, ms: performance.now() - start });
    }
  };
}

const ourNetworks = ours((text) => {
  const list = parseNetworks(text);
  if (list instanceof Error) return list;
  return list.flatMap((n) =>
    n.accessPoints.map((ap) =>
      toScoredAp({
        ssid: n.ssid,
        bssid: ap.bssid,
        channel: ap.channel,
        signal: ap.signal,
        security: n.authentication,
      }),
    ),
  );
});

const ourInterfaces = ours((text) => {
  const list = parseInterfaces(text);
  if (list instanceof Error) return list;
  return list.map((i) =>
    toScoredAp({
      ssid: i.ssid,
      bssid: i.bssid,
      channel: i.channel,
      signal: i.signal,
      security: i.authentication,
    }),
  );
});

// ---------- node-wifi 2.0.16: `require('child_process').execFile`, read when a module loads ----------

interface ChildProcessModule {
  execFile: (...args: unknown[]) => unknown;
}
type NodeWifiCallback = (error: unknown, networks?: unknown) => void;
type NodeWifiScan = (callback: NodeWifiCallback) => unknown;

/** The output the stubbed `execFile` answers with, and what happened inside its callback. */
let execFileStdout = '';
let execFileThrew: { error: unknown } | undefined;
let execFileMs = 0;

function stubExecFile(...args: unknown[]): unknown {
  const callback = args.at(-1);
  if (typeof callback !== 'function') throw new Error('execFile stub: no callback');
  const start = performance.now();
  try {
    callback(null, execFileStdout, '');
  } catch (error) {
    // In a real process: an uncaught exception thrown from the child_process callback.
    execFileThrew = { error };
  }
  execFileMs = performance.now() - start;
  return undefined;
}

function loadNodeWifi(module: 'windows-scan.js' | 'windows-current-connections.js'): NodeWifiScan {
  const childProcess = require('node:child_process') as ChildProcessModule;
  const original = childProcess.execFile;
  // node-wifi's env.js writes LANG, LC_ALL and LC_MESSAGES into process.env when it loads.
  const envKeys = ['LANG', 'LC_ALL', 'LC_MESSAGES'] as const;
  const env = envKeys.map((k) => [k, process.env[k]] as const);
  const path = require.resolve(`node-wifi/src/${module}`);
  childProcess.execFile = stubExecFile;
  try {
    delete require.cache[path];
    const factory = require(path) as (config: unknown) => NodeWifiScan;
    return factory({ debug: false, iface: null });
  } finally {
    childProcess.execFile = original;
    syncBuiltinESMExports();
    for (const [k, v] of env) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function nodeWifiParser(scan: NodeWifiScan): Parser {
  return async (stdout) => {
    execFileStdout = stdout;
    execFileThrew = undefined;
    const answers: Array<{ error: unknown; networks?: unknown }> = [];
    scan((error, networks) => {
      answers.push({ error, networks });
    });
    const ms = execFileMs;
    const answer = answers[0];
    // Set by the stub, inside scan().
    const threw = execFileThrew as { error: unknown } | undefined;
    if (threw) return { kind: 'threw', error: threw.error, ms };
    if (!answer) return { kind: 'threw', error: new Error('no answer'), ms };
    // An error passed to the callback is an answer with no rows (it scores nothing), not a throw.
    if (answer.error) return { kind: 'rows', rows: [], ms };
    const networks = Array.isArray(answer.networks) ? (answer.networks as NodeWifiRow[]) : [];
    const rows = networks.map((n) =>
      toScoredAp({
        ssid: n.ssid,
        bssid: n.bssid,
        channel: n.channel,
        signal: n.quality,
        security: n.security,
      }),
    );
    return { kind: 'rows', rows, ms };
  };
}

interface NodeWifiRow {
  ssid?: unknown;
  bssid?: unknown;
  channel?: unknown;
  quality?: unknown;
  security?: unknown;
}

// ---------- systeminformation 5: `util.powerShell(cmd).then(…)`, os.EOL, process.platform ----------

interface SiUtil {
  powerShell: (cmd: string) => unknown;
}
type SiFunction = 'wifiNetworks' | 'wifiConnections';
interface Systeminformation {
  readonly util: SiUtil;
  readonly wifi: Record<SiFunction, () => Promise<unknown>>;
}

function loadSysteminformation(): Systeminformation {
  // Its Windows branch is chosen when the module loads, from process.platform.
  const platform = Object.getOwnPropertyDescriptor(process, 'platform');
  if (!platform) throw new Error('process.platform has no descriptor');
  // Node's own modules read process.platform when they first load (os.EOL, for one): load
  // the ones the peer requires before pretending to be Windows.
  for (const builtin of ['node:os', 'node:fs', 'node:path', 'node:child_process', 'node:util']) {
    require(builtin);
  }
  const utilPath = require.resolve('systeminformation/lib/util.js');
  const wifiPath = require.resolve('systeminformation/lib/wifi.js');
  Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
  try {
    delete require.cache[utilPath];
    delete require.cache[wifiPath];
    const util = require(utilPath) as SiUtil;
    const wifi = require(wifiPath) as Systeminformation['wifi'];
    return { util, wifi };
  } finally {
    Object.defineProperty(process, 'platform', platform);
  }
}

function systeminformationParser(si: Systeminformation, fn: SiFunction): Parser {
  return async (stdout) => {
    const os = require('node:os') as { EOL: string };
    const eol = Object.getOwnPropertyDescriptor(os, 'EOL');
    const powerShell = si.util.powerShell;
    if (!eol) throw new Error('os.EOL has no descriptor');
    let threw: { error: unknown } | undefined;
    let called = false;
    let ms = 0;
    // A thenable that runs the peer's callback at once, so that a throw inside it is caught
    // here (in a real process it is an unhandled rejection and wifiNetworks() never settles).
    si.util.powerShell = () => ({
      // biome-ignore lint/suspicious/noThenProperty: the stub stands in for a promise.
      then(onFulfilled: (stdout: string) => unknown) {
        called = true;
        const start = performance.now();
        try {
          onFulfilled(stdout);
        } catch (error) {
          threw = { error };
        }
        ms = performance.now() - start;
        return Promise.resolve();
      },
    });
    Object.defineProperty(os, 'EOL', { ...eol, value: '\r\n' });
    try {
      const result = si.wifi[fn]();
      // It reads the output on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      if (threw) return { kind: 'threw', error: threw.error, ms };
      if (!called) return { kind: 'threw', error: new Error('never asked for the output'), ms };
      const networks = await result;
      const rows = (Array.isArray(networks) ? (networks as SiRow[]) : []).map((n) =>
        toScoredAp({
          ssid: n.ssid,
          bssid: n.bssid,
          channel: n.channel,
          signal: n.quality,
          security: Array.isArray(n.security) ? n.security[0] : n.security,
        }),
      );
      return { kind: 'rows', rows, ms };
    } finally {
      Object.defineProperty(os, 'EOL', eol);
      syncBuiltinESMExports();
      si.util.powerShell = powerShell;
    }
  };
}

interface SiRow {
  ssid?: unknown;
  bssid?: unknown;
  channel?: unknown;
  quality?: unknown;
  security?: unknown;
}

// ---------- the benchmark ----------

export type Command = 'networks' | 'interfaces';

interface Fixture {
  readonly name: string;
  /** What the peers' process call answers: the fixture in the layout netsh prints. */
  readonly stdout: string;
  readonly truth: readonly ScoredAp[];
}

function fixtures(command: Command): Fixture[] {
  const names = command === 'networks' ? networksFixtures() : interfacesFixtures();
  if (names.length === 0) throw new Error(`no netsh ${command} fixtures in ${windowsFixtures}`);
  return names.map((name) => {
    const text = readFileSync(join(windowsFixtures, name), 'utf8');
    if (command === 'networks')
      return { name, stdout: netshLayout(text), truth: groundTruth(text) };
    const truth = interfacesTruth[name];
    if (!truth) throw new Error(`no ground truth for ${name}`);
    return { name, stdout: interfacesLayout(text), truth: [truth] };
  });
}

export interface FidelityResult {
  readonly parser: 'ours' | 'node-wifi' | 'systeminformation';
  readonly right: number;
  readonly scored: number;
  readonly throws: number;
  readonly fixtures: number;
  /** Per fixture: fields right, or 'threw'. */
  readonly perFixture: ReadonlyArray<{ name: string; right: number | 'threw'; of: number }>;
  /** Median over rounds of the mean parse time per fixture. */
  readonly msPerFixture: number;
}

/** Ours, node-wifi and systeminformation on one command's fixtures, in that order. */
export async function measureFidelity(command: Command, rounds = 50): Promise<FidelityResult[]> {
  const inputs = fixtures(command);
  const si = loadSysteminformation();
  const parsers: Array<[FidelityResult['parser'], Parser]> =
    command === 'networks'
      ? [
          ['ours', ourNetworks],
          ['node-wifi', nodeWifiParser(loadNodeWifi('windows-scan.js'))],
          ['systeminformation', systeminformationParser(si, 'wifiNetworks')],
        ]
      : [
          ['ours', ourInterfaces],
          ['node-wifi', nodeWifiParser(loadNodeWifi('windows-current-connections.js'))],
          ['systeminformation', systeminformationParser(si, 'wifiConnections')],
        ];
  const results: FidelityResult[] = [];
  for (const [parser, parse] of parsers) {
    let right = 0;
    let scored = 0;
    let throws = 0;
    const perFixture: Array<{ name: string; right: number | 'threw'; of: number }> = [];
    for (const f of inputs) {
      const outcome = await parse(f.stdout);
      const of = fieldsScored(f.truth);
      scored += of;
      if (outcome.kind === 'threw') {
        throws++;
        perFixture.push({ name: f.name, right: 'threw', of });
        continue;
      }
      const r = scoreRows(f.truth, outcome.rows);
      right += r;
      perFixture.push({ name: f.name, right: r, of });
    }
    const times: number[] = [];
    for (let round = 0; round < rounds + 5; round++) {
      let total = 0;
      for (const f of inputs) total += (await parse(f.stdout)).ms;
      if (round >= 5) times.push(total / inputs.length);
    }
    results.push({
      parser,
      right,
      scored,
      throws,
      fixtures: inputs.length,
      perFixture,
      msPerFixture: median(times),
    });
  }
  return results;
}

const percent = (r: FidelityResult) => (r.scored === 0 ? 0 : (100 * r.right) / r.scored);
const withoutThrow = (r: FidelityResult) => (100 * (r.fixtures - r.throws)) / r.fixtures;

export async function peerFidelity(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];
  for (const command of ['networks', 'interfaces'] as const) {
    const [us, ...peers] = await measureFidelity(command);
    if (!us) throw new Error('no result');
    const what = `netsh show ${command}`;
    for (const peer of peers) {
      lines.push(
        line(
          `parse fidelity: ${what}, fields right, ours vs ${peer.parser}`,
          percent(us),
          '%',
          percent(peer),
        ),
        line(
          `parse fidelity: ${what}, fixtures parsed without a throw, ours vs ${peer.parser}`,
          withoutThrow(us),
          '%',
          withoutThrow(peer),
        ),
      );
    }
    for (const peer of peers) {
      lines.push(
        line(
          `parse time per fixture: ${what}, ours vs ${peer.parser}`,
          us.msPerFixture,
          'ms',
          peer.msPerFixture,
        ),
      );
    }
  }
  return lines;
}
