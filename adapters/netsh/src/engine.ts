/**
 * The Windows engine over netsh: saved WLAN profiles, visible networks and the interfaces
 * become configurations; sessions connect and disconnect profiles; a Windows PowerShell
 * helper child reports changes while someone listens, with back-off polling as the fallback.
 */
import {
  abortableDelay,
  type Capability,
  type ConnectOptions,
  type ConnectOutcome,
  createProcessRunner,
  type DisconnectOptions,
  type DisconnectOutcome,
  type Engine,
  type EngineConfiguration,
  EngineError,
  type EngineSink,
  type ExecResult,
  type LineProcess,
  type NetworkInformation,
  type NetworkInformationFeature,
  networkInformationFeatures,
  type ProcessRunner,
  type TrafficStatistics,
} from '@netbearer/core';
import { netshArgs, systemProgram } from './argv.js';
import { decodeBytes, defaultCodePage, parseCodePage } from './decode.js';
import { helperArgs, informationOf, parseHelperLine } from './helper.js';
import { parseInterfaces, type WlanInterface } from './interfaces.js';
import { parseNetworks, type VisibleNetwork } from './networks.js';
import {
  type ProfileDetails,
  parseProfileDetails,
  parseProfiles,
  type SavedProfile,
} from './profiles.js';
import {
  detectRefusal,
  type InterfaceRow,
  type NetshRefusal,
  parseInterfaceTable,
  parseSubinterfaces,
  type SubinterfaceRow,
} from './tables.js';
import { ParseError } from './text.js';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface NetshEngineOptions {
  /** How programs run; the default wraps execFile/spawn. Tests pass recorded runners. */
  readonly runner?: ProcessRunner;
  /** Where %SystemRoot% is read from (never written). Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: process.platform. The code page is read with chcp.com only on 'win32'. */
  readonly platform?: NodeJS.Platform;
  /** The console/OEM code page netsh writes in; default: read once via chcp.com, else 850. */
  readonly codePage?: number;
  /** How long a connect waits for `show interfaces` to show the profile connected. */
  readonly connectTimeoutMs?: number;
  /** How often `show interfaces` is read while a connect or disconnect is pending. */
  readonly connectPollMs?: number;
  /** Per-command timeout. */
  readonly commandTimeoutMs?: number;
  /** The PowerShell change helper: 'auto' (default) or false (EDR-sensitive hosts: poll). */
  readonly helper?: 'auto' | false;
  /** Delay before restarting a helper that died (doubles per death). */
  readonly helperRestart?: Backoff;
  /** After this many deaths in a row without a report, poll instead. Default 3. */
  readonly maxHelperFailures?: number;
  /** The fallback poll's interval (doubles while nothing changes). */
  readonly poll?: Backoff;
}

export interface NetshEngine extends Engine {
  /** The code page in use for non-UTF-8 output. */
  codePage(): number;
  watch(active: boolean): void;
  statistics(identifier: string): TrafficStatistics | undefined;
  supportedFeatures(): readonly NetworkInformationFeature[];
  networkInformation(): NetworkInformation;
  /**
   * The last scan (start and requestUpdate): every BSSID of every visible network, with
   * signal, channel, band and the network's security. Empty behind the 24H2 location gate.
   */
  visibleNetworks(): readonly VisibleNetwork[];
}

const profilePrefix = 'netsh:profile:';
const profileCapabilities: readonly Capability[] = [
  'CanStartAndStopInterfaces',
  'ForcedRoaming',
  'DataStatistics',
];
const interfaceCapabilities: readonly Capability[] = ['DataStatistics'];
const noCapabilities: readonly Capability[] = [];

const wifiName = /wi-?fi|wlan|wireless|drahtlos|inal[aá]mbrica|sans fil|senza fili|draadloze/i;
const virtualName =
  /vmware|virtualbox|hyper-v|vethernet|loopback|npcap|tap-|tunnel|vpn|wireguard|openvpn|teredo|isatap|pseudo/i;

interface Read<T> {
  readonly value?: T;
  readonly refusal?: NetshRefusal;
}

export function createNetshEngine(options: NetshEngineOptions = {}): NetshEngine {
  return new NetshEngineImpl(options);
}

class NetshEngineImpl implements NetshEngine {
  readonly name = 'netsh';
  readonly #runner: ProcessRunner;
  readonly #netsh: string;
  readonly #chcp: string;
  readonly #powershell: string;
  readonly #platform: NodeJS.Platform;
  readonly #connectTimeoutMs: number;
  readonly #connectPollMs: number;
  readonly #commandTimeoutMs: number;
  readonly #helperEnabled: boolean;
  readonly #helperRestart: Backoff;
  readonly #maxHelperFailures: number;
  readonly #poll: Backoff;
  readonly #lifetime = new AbortController();
  #codePage: number | undefined;

  #sink: EngineSink | undefined;
  #configs = new Map<string, EngineConfiguration>();
  #wlan: WlanInterface[] = [];
  #wlanRefusal: NetshRefusal | undefined;
  #profiles: SavedProfile[] = [];
  #details = new Map<string, ProfileDetails>();
  #networks: VisibleNetwork[] = [];
  #table: InterfaceRow[] = [];
  #stats = new Map<string, SubinterfaceRow>();
  #statsReadAt = 0;
  #statsReading = false;
  #information: NetworkInformation = {
    reachability: 'Unknown',
    behindCaptivePortal: false,
    transportMedium: 'Unknown',
    metered: false,
  };

  #watching = false;
  #disposed = false;
  #helper: LineProcess | undefined;
  #helperGeneration = 0;
  #helperFailures = 0;
  #fallback = false;
  #timer: NodeJS.Timeout | undefined;
  #pollDelay: number;
  #kills = new Set<Promise<void>>();
  #refreshChain: Promise<unknown> = Promise.resolve();

  constructor(options: NetshEngineOptions) {
    const env = options.env ?? process.env;
    this.#runner = options.runner ?? createProcessRunner();
    this.#netsh = systemProgram('netsh.exe', env);
    this.#chcp = systemProgram('chcp.com', env);
    this.#powershell = systemProgram('powershell.exe', env);
    this.#platform = options.platform ?? process.platform;
    this.#codePage = options.codePage;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#connectPollMs = options.connectPollMs ?? 500;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 20_000;
    this.#helperEnabled = options.helper !== false;
    this.#helperRestart = options.helperRestart ?? { initialMs: 1_000, maxMs: 30_000 };
    this.#maxHelperFailures = options.maxHelperFailures ?? 3;
    this.#poll = options.poll ?? { initialMs: 1_000, maxMs: 30_000 };
    this.#pollDelay = this.#poll.initialMs;
  }

  codePage(): number {
    return this.#codePage ?? defaultCodePage;
  }

  capabilities(): readonly Capability[] {
    return profileCapabilities;
  }

  supportedFeatures(): readonly NetworkInformationFeature[] {
    return this.#helperEnabled ? networkInformationFeatures : [];
  }

  networkInformation(): NetworkInformation {
    return this.#information;
  }

  visibleNetworks(): readonly VisibleNetwork[] {
    return this.#networks;
  }

  async start(sink: EngineSink): Promise<readonly EngineConfiguration[]> {
    if (this.#codePage === undefined && this.#platform === 'win32') {
      const result = await this.#run(this.#chcp, [], false);
      this.#codePage =
        result.code === 0 ? parseCodePage(result.stdout.toString('latin1')) : undefined;
    }
    this.#codePage ??= defaultCodePage;
    await this.#readAll(true);
    this.#configs = this.#build();
    this.#sink = sink;
    return [...this.#configs.values()];
  }

  watch(active: boolean): void {
    if (this.#disposed || active === this.#watching) return;
    this.#watching = active;
    if (active) this.#startWatching();
    else this.#stopWatching();
  }

  async requestUpdate(): Promise<void> {
    await this.#refresh(true);
  }

  statistics(identifier: string): TrafficStatistics | undefined {
    const name = this.#configs.get(identifier)?.interfaceName;
    if (!name) return undefined;
    if (!this.#disposed && !this.#statsReading && Date.now() - this.#statsReadAt > 1_000) {
      this.#statsReading = true;
      void this.#readSubinterfaces()
        .catch(() => {})
        .finally(() => {
          this.#statsReading = false;
        });
    }
    const row = this.#stats.get(name);
    return row ? { bytesReceived: row.bytesIn, bytesWritten: row.bytesOut } : undefined;
  }

  async connect(identifier: string, options: ConnectOptions): Promise<ConnectOutcome> {
    const profile = this.#profileOf(identifier);
    const connectedTo = this.#wlan.find((w) => w.connected === true && w.profile === profile);
    if (connectedTo) return 'joined';
    const interfaceName = this.#wlanInterfaceName();
    let args: readonly string[];
    try {
      args = netshArgs.connect(profile, interfaceName);
    } catch (error) {
      throw new EngineError('ConnectError', (error as Error).message, { cause: error });
    }
    const signal = AbortSignal.any([options.signal, this.#lifetime.signal]);
    const result = await this.#netshRun(args, signal);
    if (result.code !== 0) throw this.#failure('ConnectError', 'netsh wlan connect', result);
    const deadline = Date.now() + this.#connectTimeoutMs;
    for (;;) {
      await abortableDelay(this.#connectPollMs, signal);
      if (signal.aborted) {
        await this.#rollback(interfaceName);
        throw new EngineError('ConnectError', `connecting ${JSON.stringify(profile)} was aborted`);
      }
      const read = await this.#readWlan();
      if (read.refusal === 'location-permission') {
        throw new EngineError(
          'PermissionDenied',
          `netsh queued the connection to ${JSON.stringify(profile)} but cannot confirm it: Windows needs location permission for WLAN information (Settings › Privacy & security › Location)`,
        );
      }
      if (read.value?.some((w) => w.connected === true && w.profile === profile)) {
        this.#wlan = [...read.value];
        await this.#refresh(false);
        return 'started';
      }
      if (Date.now() >= deadline) {
        await this.#rollback(interfaceName);
        throw new EngineError(
          'ConnectError',
          `${JSON.stringify(profile)} did not connect within ${this.#connectTimeoutMs} ms (netsh reports success even for a wrong password or a network out of reach)`,
        );
      }
    }
  }

  async disconnect(identifier: string, options: DisconnectOptions): Promise<DisconnectOutcome> {
    const profile = this.#profileOf(identifier);
    // Core sends 'release' only to engines with SystemSessionSupport, which netsh is not.
    if (options.mode === 'release') return 'kept';
    const connected = this.#wlan.find((w) => w.connected === true && w.profile === profile);
    if (!connected) return 'down';
    let args: readonly string[];
    try {
      args = netshArgs.disconnect(connected.name);
    } catch (error) {
      throw new EngineError('DisconnectionError', (error as Error).message, { cause: error });
    }
    const signal = AbortSignal.any([options.signal, this.#lifetime.signal]);
    const result = await this.#netshRun(args, signal);
    if (result.code !== 0)
      throw this.#failure('DisconnectionError', 'netsh wlan disconnect', result);
    const deadline = Date.now() + this.#connectTimeoutMs;
    for (;;) {
      const read = await this.#readWlan();
      if (read.refusal !== undefined) break;
      if (!read.value?.some((w) => w.connected === true && w.profile === profile)) break;
      if (Date.now() >= deadline || signal.aborted) {
        throw new EngineError(
          'DisconnectionError',
          `${JSON.stringify(profile)} is still connected after netsh wlan disconnect`,
        );
      }
      await abortableDelay(this.#connectPollMs, signal);
    }
    await this.#refresh(false);
    return 'down';
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopWatching();
    this.#lifetime.abort();
    this.#sink = undefined;
    await Promise.all([...this.#kills]);
    await this.#refreshChain.catch(() => {});
  }

  // ----- reading -----

  async #run(file: string, args: readonly string[], verbatim: boolean, signal?: AbortSignal) {
    const result: ExecResult = await this.#runner.exec(file, args, {
      timeoutMs: this.#commandTimeoutMs,
      ...(verbatim ? { verbatim: true } : {}),
      ...(signal ? { signal } : {}),
    });
    if (result.spawnError !== undefined) {
      throw new EngineError('EngineUnavailable', `cannot run ${file}: ${result.spawnError}`);
    }
    return result;
  }

  async #netshRun(args: readonly string[], signal?: AbortSignal) {
    const result = await this.#run(this.#netsh, args, true, signal);
    const text = decodeBytes(result.stdout, this.codePage()).text;
    const errText =
      result.stderr.length > 0 ? decodeBytes(result.stderr, this.codePage()).text : '';
    return { code: result.code, text, refusal: detectRefusal(`${text}\n${errText}`), errText };
  }

  #failure(
    kind: 'ConnectError' | 'DisconnectionError',
    what: string,
    result: {
      code: number | null;
      text: string;
      errText: string;
      refusal: NetshRefusal | undefined;
    },
  ): EngineError {
    if (result.refusal === 'location-permission') {
      return new EngineError('PermissionDenied', `${what}: Windows needs location permission`);
    }
    if (result.refusal === 'service-unavailable') {
      return new EngineError(
        'EngineUnavailable',
        `${what}: the WLAN AutoConfig service is not running`,
      );
    }
    const message = `${result.text}\n${result.errText}`
      .trim()
      .split(/\r?\n/)
      .find((l) => l.trim() !== '');
    return new EngineError(kind, `${what} failed (exit ${result.code}): ${message ?? 'no output'}`);
  }

  async #read<T>(
    args: readonly string[],
    parse: (text: string) => T | ParseError,
  ): Promise<Read<T>> {
    const result = await this.#netshRun(args, this.#lifetime.signal);
    if (result.refusal !== undefined && result.code !== 0) return { refusal: result.refusal };
    if (result.refusal === 'location-permission') return { refusal: result.refusal };
    const value = parse(result.text);
    return value instanceof ParseError ? {} : { value };
  }

  #readWlan(): Promise<Read<WlanInterface[]>> {
    return this.#read(netshArgs.showInterfaces, parseInterfaces);
  }

  async #readSubinterfaces(): Promise<void> {
    const read = await this.#read(netshArgs.showSubinterfaces, parseSubinterfaces);
    if (read.value) {
      this.#stats = new Map(read.value.map((row) => [row.name, row]));
      this.#statsReadAt = Date.now();
    }
  }

  /** Full: profiles, their details and visible networks too; light: what changes by itself. */
  async #readAll(full: boolean): Promise<void> {
    // Behind the 24H2 gate every call logs a location access: light reads do not retry it.
    if (full || this.#wlanRefusal === undefined) {
      const wlan = await this.#readWlan();
      this.#wlanRefusal = wlan.refusal;
      if (wlan.value) this.#wlan = wlan.value;
      else if (wlan.refusal) this.#wlan = [];
    }
    const table = await this.#read(netshArgs.showInterfaceTable, parseInterfaceTable);
    if (table.value) this.#table = table.value;
    if (full) {
      const profiles = await this.#read(netshArgs.showProfiles, parseProfiles);
      if (profiles.value) this.#profiles = profiles.value;
      else if (profiles.refusal === 'service-unavailable') this.#profiles = [];
      const details = new Map<string, ProfileDetails>();
      for (const profile of this.#profiles) {
        let args: readonly string[];
        try {
          args = netshArgs.showProfile(profile.name);
        } catch {
          continue; // a name netsh cannot take: listed, never passed
        }
        const read = await this.#read(args, parseProfileDetails);
        if (read.value) details.set(profile.name, read.value);
      }
      this.#details = details;
      if (this.#wlanRefusal === undefined) {
        const networks = await this.#read(netshArgs.showNetworks, parseNetworks);
        if (networks.value) this.#networks = networks.value;
        else if (networks.refusal) this.#networks = [];
      } else {
        this.#networks = [];
      }
    }
    await this.#readSubinterfaces();
  }

  #refresh(full: boolean): Promise<void> {
    return this.#queueRefresh(full).then(() => {});
  }

  #refreshQuietly(): Promise<boolean> {
    return this.#queueRefresh(false).catch(() => false);
  }

  /**
   * Reads (everything, or the quick part) once the refreshes queued before it are done, then
   * publishes; true when anything changed. Rejects as the read does; the queue goes on.
   */
  #queueRefresh(full: boolean): Promise<boolean> {
    const next = this.#refreshChain.then(async () => {
      if (this.#disposed) return false;
      await this.#readAll(full);
      if (this.#disposed) return false;
      return this.#publish(this.#build());
    });
    this.#refreshChain = next.catch(() => {});
    return next;
  }

  /** Sends what changed to the sink; true when anything did. */
  #publish(next: Map<string, EngineConfiguration>): boolean {
    const previous = this.#configs;
    this.#configs = next;
    const sink = this.#sink;
    if (!sink) return false;
    let changed = false;
    for (const [id] of previous) {
      if (!next.has(id)) {
        changed = true;
        sink.configurationRemoved(id);
      }
    }
    for (const [id, config] of next) {
      const before = previous.get(id);
      if (!before) {
        changed = true;
        sink.configurationAdded(config);
      } else if (JSON.stringify(before) !== JSON.stringify(config)) {
        changed = true;
        sink.configurationChanged(config);
      }
    }
    return changed;
  }

  #build(): Map<string, EngineConfiguration> {
    const out = new Map<string, EngineConfiguration>();
    const gated = this.#wlanRefusal === 'location-permission';
    const unknown = gated
      ? ({ unknownReason: 'location-permission' } as const)
      : this.#wlanRefusal === 'service-unavailable'
        ? ({ unknownReason: 'service-unavailable' } as const)
        : {};
    const visible = new Set(this.#networks.map((n) => n.ssid));
    const covered = new Set<string>();
    for (const profile of this.#profiles) {
      const identifier = profilePrefix + profile.name;
      if (out.has(identifier)) continue;
      const active = this.#wlan.find((w) => w.connected === true && w.profile === profile.name);
      const ssids = this.#details.get(profile.name)?.ssids ?? [profile.name];
      for (const ssid of ssids) covered.add(ssid);
      const state = active
        ? 'Active'
        : ssids.some((s) => visible.has(s))
          ? 'Discovered'
          : 'Defined';
      out.set(identifier, {
        identifier,
        name: profile.name,
        type: 'InternetAccessPoint',
        state,
        bearerType: 'WLAN',
        purpose: 'UnknownPurpose',
        interfaceName: active?.name ?? null,
        capabilities: profileCapabilities,
        ...unknown,
      });
    }
    for (const network of this.#networks) {
      if (covered.has(network.ssid) && network.ssid !== '') continue;
      const firstBssid = network.accessPoints[0]?.bssid;
      const identifier =
        network.ssid === ''
          ? firstBssid
            ? `netsh:hidden:${firstBssid}`
            : undefined
          : `netsh:ssid:${Buffer.from(network.ssid, 'utf8').toString('hex')}`;
      if (!identifier || out.has(identifier)) continue;
      const active = this.#wlan.find(
        (w) => w.connected === true && network.ssid !== '' && w.ssid === network.ssid,
      );
      out.set(identifier, {
        identifier,
        name: network.ssid,
        type: 'InternetAccessPoint',
        state: active ? 'Active' : 'Discovered',
        bearerType: 'WLAN',
        purpose: 'UnknownPurpose',
        interfaceName: active?.name ?? null,
        capabilities: noCapabilities,
      });
    }
    const wlanNames = new Set(this.#wlan.map((w) => w.name));
    for (const row of this.#table) {
      const identifier = `netsh:if:${row.name}`;
      if (out.has(identifier)) continue;
      const wifi = wlanNames.has(row.name) || wifiName.test(row.name);
      const bluetooth = /bluetooth/i.test(row.name);
      const wlanEntry = this.#wlan.find((w) => w.name === row.name);
      const up = row.connected ?? wlanEntry?.connected ?? false;
      const state = up ? 'Active' : wifi && row.enabled !== false ? 'Discovered' : 'Defined';
      out.set(identifier, {
        identifier,
        name: row.name,
        type: 'InternetAccessPoint',
        state,
        bearerType: bluetooth ? 'Bluetooth' : wifi ? 'WLAN' : 'Ethernet',
        purpose: 'UnknownPurpose',
        interfaceName: up ? row.name : null,
        virtual: !wifi && !bluetooth && virtualName.test(row.name),
        capabilities: interfaceCapabilities,
        ...(wifi ? unknown : {}),
      });
    }
    return out;
  }

  #profileOf(identifier: string): string {
    const config = this.#configs.get(identifier);
    if (!config) throw new EngineError('ConnectError', `unknown configuration ${identifier}`);
    if (!identifier.startsWith(profilePrefix)) {
      throw new EngineError(
        'OperationNotSupported',
        `${config.name} is not a saved WLAN profile: netsh can only start and stop profiles`,
      );
    }
    return identifier.slice(profilePrefix.length);
  }

  #wlanInterfaceName(): string {
    const name =
      this.#wlan[0]?.name ??
      this.#table.find((row) => wifiName.test(row.name) && row.enabled !== false)?.name;
    if (!name) throw new EngineError('InterfaceLookupError', 'no Wi-Fi interface on this system');
    return name;
  }

  async #rollback(interfaceName: string): Promise<void> {
    try {
      await this.#netshRun(netshArgs.disconnect(interfaceName));
    } catch {
      // best effort
    }
    await this.#refresh(false).catch(() => {});
  }

  // ----- watching -----

  #startWatching(): void {
    this.#pollDelay = this.#poll.initialMs;
    if (this.#helperEnabled && !this.#fallback) this.#startHelper();
    else this.#schedulePoll();
  }

  #stopWatching(): void {
    this.#helperGeneration++;
    const helper = this.#helper;
    this.#helper = undefined;
    if (helper) {
      const kill = helper.kill().catch(() => {});
      this.#kills.add(kill);
      void kill.then(() => this.#kills.delete(kill));
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#helperFailures = 0;
    this.#fallback = false;
  }

  #startHelper(): void {
    const generation = ++this.#helperGeneration;
    let helper: LineProcess;
    try {
      helper = this.#runner.spawnLines(this.#powershell, helperArgs());
    } catch {
      void this.#helperDied(generation);
      return;
    }
    this.#helper = helper;
    void this.#readHelper(helper, generation);
  }

  async #readHelper(helper: LineProcess, generation: number): Promise<void> {
    try {
      for await (const line of helper.lines) {
        if (generation !== this.#helperGeneration) return;
        const report = parseHelperLine(line.toString('utf8'));
        if (!report) continue;
        this.#helperFailures = 0;
        this.#setInformation(informationOf(report));
        void this.#refreshQuietly();
      }
    } catch {
      // the stream broke: the helper is gone
    }
    await this.#helperDied(generation);
  }

  async #helperDied(generation: number): Promise<void> {
    if (generation !== this.#helperGeneration || !this.#watching || this.#disposed) return;
    this.#helper = undefined;
    this.#helperFailures++;
    if (this.#helperFailures >= this.#maxHelperFailures) {
      this.#fallback = true;
      this.#schedulePoll();
      return;
    }
    const delay = Math.min(
      this.#helperRestart.maxMs,
      this.#helperRestart.initialMs * 2 ** (this.#helperFailures - 1),
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#watching && !this.#disposed && generation === this.#helperGeneration) {
        this.#startHelper();
      }
    }, delay);
  }

  #schedulePoll(): void {
    const generation = this.#helperGeneration;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (!this.#watching || this.#disposed || generation !== this.#helperGeneration) return;
      const changed = await this.#refreshQuietly();
      if (!this.#watching || this.#disposed || generation !== this.#helperGeneration) return;
      this.#pollDelay = changed
        ? this.#poll.initialMs
        : Math.min(this.#poll.maxMs, this.#pollDelay * 2);
      this.#schedulePoll();
    }, this.#pollDelay);
  }

  #setInformation(information: NetworkInformation): void {
    const before = this.#information;
    this.#information = information;
    if (JSON.stringify(before) !== JSON.stringify(information)) {
      this.#sink?.networkInformationChanged(information);
    }
  }
}
