/**
 * A replayed Windows machine: a stateful recorded runner that answers every command the netsh
 * engine runs from the shared fixtures' real captured outputs, edited for the world's current
 * state (which profile is connected, which networks are in reach, whether Windows 11 24H2 lets
 * netsh read WLAN information), in English or German, as UTF-8 or as console code page 850
 * bytes. Its change helper prints a JSON line per change, as the engine's PowerShell child does.
 *
 * What is captured and what is written here: every netsh output starts from a fixture
 * (interfaces, profiles, one profile, visible networks, the interface table); the 24H2 refusal
 * is the English text quoted in public transcripts; the connect/disconnect answers, the
 * `interface ipv4 show subinterfaces` table and the helper's JSON lines are written by us.
 */
import type { ExecResult } from '@netbearer/core';
import iconv from 'iconv-lite';
import { parseNetworks, type VisibleNetwork } from '../networks.js';
import { type FakeLineProcess, FakeRunner, result } from './fake-runner.js';
import { fixtureText } from './fixtures.js';
import { chcp, interfaceTable, netsh, powershell, refusal, subinterfaces } from './world.js';

export type WindowsLanguage = 'en' | 'de';

export interface WindowsProfile {
  readonly name: string;
  readonly ssid: string;
}

/**
 * How the radio answers a connect: 'associates' after `associateMs` (or when the test calls
 * `associate()`, with 'manual'), 'never' (netsh "succeeds", as for a wrong password, and
 * nothing connects), or 'refused' (netsh exits 1: the network is not available).
 */
export type ConnectOutcomeOnWindows = 'associates' | 'never' | 'refused';

export interface ReplayedWindowsOptions {
  readonly language?: WindowsLanguage;
  /** 'utf-8', or the bytes a console in code page 850 gets (accented labels differ). */
  readonly encoding?: 'utf-8' | 'cp850';
  readonly profiles?: readonly WindowsProfile[];
  /** The connected profile's name, or null. */
  readonly connected?: string | null;
  /** Delay between a connect command and the association; 'manual': `associate()` does it. */
  readonly associateMs?: number | 'manual';
  /** Delay between a disconnect command and the link going down; 'manual': `dropLink()`. */
  readonly disconnectMs?: number | 'manual';
}

interface Language {
  readonly files: {
    interfaces: string;
    profiles: string;
    profile: string;
    networks: string;
  };
  readonly wlanName: string;
  readonly state: string;
  readonly connected: string;
  readonly disconnected: string;
  readonly profile: string;
  readonly channel: string;
  readonly signal: string;
  readonly allUserProfile: string;
  readonly none: string;
  readonly codePageLine: string;
}

const languages: Record<WindowsLanguage, Language> = {
  en: {
    files: {
      interfaces: 'netsh-wlan-show-interfaces-en-heatmapper.txt',
      profiles: 'netsh-wlan-show-profiles-en-heatmapper.txt',
      profile: 'netsh-wlan-show-profile-name-en-heatmapper.txt',
      networks: 'netsh-wlan-show-networks-bssid-en-heatmapper.txt',
    },
    wlanName: 'Wi-Fi',
    state: 'State',
    connected: 'connected',
    disconnected: 'disconnected',
    profile: 'Profile',
    channel: 'Channel',
    signal: 'Signal',
    allUserProfile: 'All User Profile',
    none: '<None>',
    codePageLine: 'Active code page: 850',
  },
  de: {
    files: {
      interfaces: 'netsh-wlan-show-interfaces-de-heatmapper.txt',
      profiles: 'netsh-wlan-show-profiles-de-heatmapper.txt',
      profile: 'netsh-wlan-show-profile-name-de-heatmapper.txt',
      networks: 'netsh-wlan-show-networks-bssid-de-heatmapper.txt',
    },
    wlanName: 'WLAN',
    state: 'Status',
    connected: 'Verbunden',
    disconnected: 'Getrennt',
    profile: 'Profil',
    channel: 'Kanal',
    signal: 'Signal',
    allUserProfile: 'Profil für alle Benutzer',
    none: '<Kein>',
    codePageLine: 'Aktive Codepage: 850.',
  },
};

/** The fixture's lines without the publishers' annotations (`# …`, a shell prompt). */
function capturedLines(name: string): string[] {
  return fixtureText(name)
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line) => !/^(# |PS [A-Z]:\\|[A-Z]:\\.*>)/.test(line));
}

const labelOf = (line: string) => line.split(':')[0]?.trim() ?? '';

/** Replaces the value of the first `label : value` line with that label. */
function setValue(lines: string[], label: string, value: string): void {
  const i = lines.findIndex((line) => line.includes(':') && labelOf(line) === label);
  if (i < 0) throw new Error(`replayed Windows: the fixture has no ${label} line`);
  const line = lines[i] as string;
  lines[i] = `${line.slice(0, line.indexOf(':') + 1)} ${value}`;
}

const mac = /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

export class ReplayedWindows {
  readonly runner = new FakeRunner();
  readonly language: Language;
  readonly encoding: 'utf-8' | 'cp850';
  profiles: WindowsProfile[];
  /** The SSIDs in reach, in the order the networks fixture lists them. */
  inReach: Set<string>;
  connected: string | null;
  /** False: Windows 11 24H2 without location permission for desktop apps. */
  locationAllowed = true;
  /** What the next connect to a profile does; default 'associates'. */
  readonly outcomes = new Map<string, ConnectOutcomeOnWindows>();
  /** Network List Manager extras the helper reports. */
  metered = false;
  captivePortal = false;
  readonly #associateMs: number | 'manual';
  readonly #disconnectMs: number | 'manual';
  readonly #networks: readonly VisibleNetwork[];
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending: { profile: string; outcome: ConnectOutcomeOnWindows } | undefined;

  constructor(options: ReplayedWindowsOptions = {}) {
    this.language = languages[options.language ?? 'en'];
    this.encoding = options.encoding ?? 'utf-8';
    this.profiles = [
      ...(options.profiles ?? [
        { name: 'Home', ssid: 'SSID-1' },
        { name: 'Office', ssid: 'SSID-2' },
        { name: 'Old', ssid: 'SSID-old' },
      ]),
    ];
    this.connected = options.connected === undefined ? 'Home' : options.connected;
    this.#associateMs = options.associateMs ?? 1_000;
    this.#disconnectMs = options.disconnectMs ?? 0;
    const networks = parseNetworks(capturedLines(this.language.files.networks).join('\r\n'));
    if (!Array.isArray(networks)) throw new Error('replayed Windows: networks fixture unreadable');
    this.#networks = networks;
    this.inReach = new Set(networks.map((n) => n.ssid));
    this.runner.otherwise = (file, args) => this.#answer(file, args);
    this.runner.onSpawn = (process) => this.#helperStarted(process);
  }

  /** The SSIDs the networks fixture holds (the world's neighbourhood). */
  get neighbourhood(): string[] {
    return this.#networks.map((n) => n.ssid);
  }

  get interfaceName(): string {
    return this.language.wlanName;
  }

  // ----- what happens in the world -----

  /** A pending connect associates now ('manual' worlds). */
  associate(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending?.outcome === 'associates' && this.#reachable(pending.profile)) {
      this.#setConnected(pending.profile);
    }
  }

  /** The link drops: out of range, the access point rebooted, a pending disconnect ends. */
  dropLink(): void {
    this.#setConnected(null);
  }

  /** The user connects a profile in Windows' own UI (or Windows auto-connects it). */
  connectElsewhere(profile: string): void {
    this.#setConnected(profile);
  }

  setInReach(ssid: string, inReach: boolean): void {
    if (inReach) this.inReach.add(ssid);
    else this.inReach.delete(ssid);
    const connected = this.profiles.find((p) => p.name === this.connected);
    if (!inReach && connected?.ssid === ssid) this.#setConnected(null);
  }

  removeProfile(name: string): void {
    this.profiles = this.profiles.filter((p) => p.name !== name);
    if (this.connected === name) this.#setConnected(null);
  }

  /** Prints the helper's report on every running helper, as a network change makes it do. */
  announce(): void {
    for (const helper of this.runner.running()) {
      if (helper.file === powershell) helper.print(this.helperLine());
    }
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  // ----- what the commands print -----

  helperLine(): string {
    const up = this.connected !== null;
    return JSON.stringify({
      nlm: up ? 0x40 | 0x4 : 0,
      level: up ? (this.captivePortal ? 'ConstrainedInternetAccess' : 'InternetAccess') : null,
      cost: up ? (this.metered ? 'Variable' : 'Unrestricted') : null,
      wlan: up,
      wwan: false,
      iana: up ? 71 : null,
    });
  }

  interfacesText(): string {
    const l = this.language;
    const lines = capturedLines(l.files.interfaces);
    setValue(lines, 'Name', l.wlanName);
    const profile = this.profiles.find((p) => p.name === this.connected);
    if (!profile) {
      setValue(lines, l.state, l.disconnected);
      // Everything about the connection goes, up to the hosted network's paragraph.
      const from = lines.findIndex((line) => labelOf(line) === l.state) + 1;
      let to = from;
      while (to < lines.length && (lines[to] as string).trim() !== '') to++;
      lines.splice(from, to - from);
      return lines.join('\n');
    }
    setValue(lines, l.state, l.connected);
    setValue(lines, 'SSID', profile.ssid);
    setValue(lines, l.profile, profile.name);
    const ap = this.#networks.find((n) => n.ssid === profile.ssid)?.accessPoints[0];
    if (ap) {
      const ssidAt = lines.findIndex((line) => labelOf(line) === 'SSID');
      const bssidAt = lines.findIndex(
        (line, i) => i > ssidAt && mac.test(line.slice(line.indexOf(':') + 1).trim()),
      );
      const bssidLine = lines[bssidAt] as string;
      lines[bssidAt] = `${bssidLine.slice(0, bssidLine.indexOf(':') + 1)} ${ap.bssid}`;
      if (ap.channel !== undefined) setValue(lines, l.channel, String(ap.channel));
      if (ap.signal !== undefined) setValue(lines, l.signal, `${ap.signal}%`);
    }
    return lines.join('\n');
  }

  profilesText(): string {
    const lines = capturedLines(this.language.files.profiles);
    const label = this.language.allUserProfile;
    const first = lines.findIndex((line) => labelOf(line) === label);
    const count = lines.filter((line) => labelOf(line) === label).length;
    const indent = (lines[first] as string).slice(0, (lines[first] as string).indexOf(label));
    const head = (lines[first] as string).slice(0, (lines[first] as string).indexOf(':') + 1);
    const rows = this.profiles.map((p) => `${head} ${p.name}`);
    lines.splice(first, count, ...(rows.length > 0 ? rows : [`${indent}${this.language.none}`]));
    return lines.join('\n');
  }

  profileText(name: string): string | undefined {
    const profile = this.profiles.find((p) => p.name === name);
    if (!profile) return undefined;
    return capturedLines(this.language.files.profile)
      .join('\n')
      .replaceAll('Profile1 2', profile.name)
      .replaceAll('"SSID-1"', `"${profile.ssid}"`);
  }

  networksText(): string {
    const head: string[] = [];
    const blocks: { ssid: string; body: string[] }[] = [];
    for (const line of capturedLines(this.language.files.networks)) {
      const opening = /^SSID \d+ :(?: (.*))?$/.exec(line);
      if (opening) blocks.push({ ssid: opening[1] ?? '', body: [] });
      else (blocks.at(-1)?.body ?? head).push(line);
    }
    const shown = blocks.filter((b) => this.inReach.has(b.ssid));
    // A network the capture did not see is printed like its last one, under its own name.
    const template = blocks.at(-1)?.body ?? [];
    for (const ssid of this.inReach) {
      if (!blocks.some((b) => b.ssid === ssid)) shown.push({ ssid, body: template });
    }
    const out = [...head];
    shown.forEach((block, i) => {
      // netsh's own layout: a blank line before each network.
      out.push('', `SSID ${i + 1} :${block.ssid === '' ? '' : ` ${block.ssid}`}`, ...block.body);
    });
    const countAt = out.findIndex((line) => !line.includes(':') && /\d/.test(line));
    if (countAt >= 0) out[countAt] = (out[countAt] as string).replace(/\d+/, String(shown.length));
    return out.join('\n');
  }

  interfaceTableText(): string {
    return interfaceTable
      .split('\r\n')
      .map((line) =>
        line.endsWith(' Wi-Fi')
          ? line
              .replace(
                /Connected {3}|Disconnected/,
                this.connected ? 'Connected   ' : 'Disconnected',
              )
              .replace(/Wi-Fi$/, this.language.wlanName)
          : line,
      )
      .join('\r\n');
  }

  // ----- the runner -----

  #bytes(text: string): Buffer {
    const crlf = text.replace(/\r?\n/g, '\r\n');
    return this.encoding === 'cp850' ? iconv.encode(crlf, 'cp850') : Buffer.from(crlf, 'utf8');
  }

  #ok(text: string, code = 0): ExecResult {
    return { ...result(''), stdout: this.#bytes(text), code };
  }

  #answer(file: string, args: readonly string[]): ExecResult | undefined {
    if (file === chcp && args.length === 0) return this.#ok(`${this.language.codePageLine}\n`);
    if (file !== netsh) return undefined;
    const line = args.join(' ');
    const gated = this.locationAllowed ? undefined : this.#ok(refusal, 1);
    const tag = (name: string) => {
      const token = args.find((a) => a.startsWith(`${name}="`) && a.endsWith('"'));
      return token?.slice(name.length + 2, -1);
    };
    switch (line) {
      case 'wlan show interfaces':
        return gated ?? this.#ok(this.interfacesText());
      case 'wlan show networks mode=bssid':
        return gated ?? this.#ok(this.networksText());
      case 'wlan show profiles':
        return this.#ok(this.profilesText());
      case 'interface show interface':
        return this.#ok(this.interfaceTableText());
      case 'interface ipv4 show subinterfaces':
        return this.#ok(subinterfaces);
    }
    if (args[0] !== 'wlan') return undefined;
    if (args[1] === 'show' && args[2] === 'profile' && args.length === 4) {
      const name = tag('name');
      const text = name === undefined ? undefined : this.profileText(name);
      return text === undefined
        ? this.#ok(`Profile "${name}" is not found on the system.\n`, 1)
        : this.#ok(text);
    }
    if (args[1] === 'connect' && args.length === 4) {
      return gated ?? this.#connect(tag('name'), tag('interface'));
    }
    if (args[1] === 'disconnect' && args.length === 3) {
      return this.#disconnect(tag('interface'));
    }
    return undefined;
  }

  #connect(name: string | undefined, interfaceName: string | undefined): ExecResult {
    if (interfaceName !== this.interfaceName) {
      return this.#ok(`There is no such wireless interface on the system.\n`, 1);
    }
    if (name === undefined || !this.profiles.some((p) => p.name === name)) {
      return this.#ok(`There is no profile "${name}" assigned to the specified interface.\n`, 1);
    }
    const outcome = this.outcomes.get(name) ?? 'associates';
    if (outcome === 'refused' || !this.#reachable(name)) {
      return this.#ok(
        `The network specified by profile "${name}" is not available to connect.\n`,
        1,
      );
    }
    this.#pending = { profile: name, outcome };
    if (outcome === 'associates' && this.#associateMs !== 'manual') {
      this.#later(this.#associateMs, () => this.associate());
    }
    return this.#ok('Connection request was completed successfully.\n');
  }

  #disconnect(interfaceName: string | undefined): ExecResult {
    if (interfaceName !== this.interfaceName) {
      return this.#ok(`There is no such wireless interface on the system.\n`, 1);
    }
    this.#pending = undefined;
    if (this.#disconnectMs === 0) this.dropLink();
    else if (this.#disconnectMs !== 'manual')
      this.#later(this.#disconnectMs, () => this.dropLink());
    return this.#ok(
      `Disconnection request was completed successfully for interface "${interfaceName}".\n`,
    );
  }

  #reachable(profile: string): boolean {
    const ssid = this.profiles.find((p) => p.name === profile)?.ssid;
    return ssid !== undefined && this.inReach.has(ssid);
  }

  #setConnected(profile: string | null): void {
    if (this.connected === profile) return;
    this.connected = profile;
    this.announce();
  }

  #helperStarted(process: FakeLineProcess): void {
    // The helper reports once when it starts, then on every change.
    if (process.file === powershell) process.print(this.helperLine());
  }

  #later(ms: number, act: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      act();
    }, ms);
    this.#timers.add(timer);
  }
}
