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
  type ProcessRunner,
  type Reachability,
  type TrafficStatistics,
  type TransportMedium,
} from '@netbearer/core';
import {
  classifyPort,
  currentIdentifier,
  interfaceIdentifier,
  knownIdentifier,
  seenIdentifier,
} from './identifiers.js';
import {
  type AirportInfo,
  parseAirportInfo,
  parseAirportScan,
  type ScanEntry,
} from './parsers/airport.js';
import { type IpconfigSummary, parseIpconfigSummary } from './parsers/ipconfig.js';
import { type InterfaceCounters, parseNetstatBytes } from './parsers/netstat.js';
import {
  type HardwarePort,
  joinFailure,
  parseAirportPower,
  parseHardwarePorts,
  parsePreferredNetworks,
} from './parsers/networksetup.js';
import {
  type NetworkInformationSummary,
  parseNwi,
  parseWatchLine,
  reachableFlag,
  watchScript,
} from './parsers/scutil.js';
import { parseSystemProfiler } from './parsers/system-profiler.js';
import { parseWdutil, type WdutilInfo } from './parsers/wdutil.js';
import { toText } from './text.js';

/** The programs this engine runs, by absolute path (never looked up on PATH, never a shell). */
export const airportPaths = {
  networksetup: '/usr/sbin/networksetup',
  systemProfiler: '/usr/sbin/system_profiler',
  ipconfig: '/usr/sbin/ipconfig',
  scutil: '/usr/sbin/scutil',
  airport:
    '/System/Library/PrivateFrameworks/Apple80211.framework/Versions/Current/Resources/airport',
  wdutil: '/usr/bin/wdutil',
  netstat: '/usr/sbin/netstat',
} as const;

export interface AirportEngineOptions {
  /** Runs the platform programs; tests and replay put a recorded runner here. */
  readonly runner?: ProcessRunner;
  /**
   * How a stop takes a Wi-Fi link down. macOS has no command that leaves a network, so the
   * default `'none'` refuses stops (OperationNotSupported) and does not claim
   * CanStartAndStopInterfaces. `'power-off'` turns the Wi-Fi radio off (for every program on
   * the Mac) and claims it.
   */
  readonly stopMode?: 'none' | 'power-off';
  /** Also read `wdutil info` (root only; refused otherwise, then never asked again). */
  readonly wdutil?: boolean;
  /** How long a connect may take, including the wait for the network to show up. */
  readonly connectTimeoutMs?: number;
  /** Between looks at the interface while confirming a connect. */
  readonly confirmIntervalMs?: number;
  /**
   * A burst of scutil notifications causes one re-read, this long after the last of it (and
   * at most four times this after its first).
   */
  readonly debounceMs?: number;
  /**
   * First restart delay of a dead scutil child; doubles per death up to `maxRestartDelayMs`,
   * and starts afresh after a child that ran at least `maxRestartDelayMs`.
   */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** Per command; system_profiler gets `slowCommandTimeoutMs`. */
  readonly commandTimeoutMs?: number;
  readonly slowCommandTimeoutMs?: number;
}

export interface AirportEngine extends Engine {
  watch(active: boolean): void;
  defaultConfiguration(): string | null;
  supportedFeatures(): readonly NetworkInformationFeature[];
  networkInformation(): NetworkInformation;
  statistics(identifier: string): TrafficStatistics | undefined;
  /** The last scan per Wi-Fi interface (system_profiler, else airport -s): signal, channel… */
  scanResults(): ReadonlyMap<string, readonly ScanEntry[]>;
  /** Whether the scutil notification child runs now. */
  readonly watching: boolean;
  /** Whether the airport binary answered (false on macOS 14.4+); undefined before asking. */
  readonly airportAvailable: boolean | undefined;
}

type Target =
  | { kind: 'wifi'; device: string; ssid: string; ssidHex: string | null }
  | { kind: 'current'; device: string }
  | { kind: 'port'; device: string };

interface WifiState {
  power: boolean;
  preferred: readonly string[];
  summary: IpconfigSummary | null;
  /** The name last established while the link has stayed up (sticky across redacted reads). */
  lastName: string | null;
}

interface Snapshot {
  ports: readonly HardwarePort[];
  wifi: Map<string, WifiState>;
  scan: Map<string, readonly ScanEntry[]>;
  /** system_profiler's current network per device, from the same full read only. */
  profiled: Map<string, ScanEntry | null>;
  airportInfo: AirportInfo | null;
  nwi: NetworkInformationSummary | null;
  wdutil: WdutilInfo | null;
}

type Phase = 'new' | 'starting' | 'started' | 'disposed';

const sameConfiguration = (a: EngineConfiguration, b: EngineConfiguration) =>
  JSON.stringify(a) === JSON.stringify(b);

class Airport implements AirportEngine {
  readonly name = 'airport';
  readonly #runner: ProcessRunner;
  readonly #stopMode: 'none' | 'power-off';
  readonly #connectTimeoutMs: number;
  readonly #confirmIntervalMs: number;
  readonly #debounceMs: number;
  readonly #restartDelayMs: number;
  readonly #maxRestartDelayMs: number;
  readonly #commandTimeoutMs: number;
  readonly #slowCommandTimeoutMs: number;
  #wdutilAllowed: boolean;
  #airport: boolean | undefined;
  #phase: Phase = 'new';
  #sink: EngineSink | undefined;
  #snapshot: Snapshot = {
    ports: [],
    wifi: new Map(),
    scan: new Map(),
    profiled: new Map(),
    airportInfo: null,
    nwi: null,
    wdutil: null,
  };
  #configurations = new Map<string, EngineConfiguration>();
  #targets = new Map<string, Target>();
  #information: NetworkInformation = {
    reachability: 'Unknown',
    behindCaptivePortal: false,
    transportMedium: 'Unknown',
    metered: false,
  };
  #default: string | null = null;
  #listened = true;
  #begin: NodeJS.Immediate | undefined;
  #child: LineProcess | undefined;
  #failures = 0;
  /** When the current burst of notifications began (undefined: none pending). */
  #burstStart: number | undefined;
  /** A light re-read waits for its turn behind another read. */
  #lightQueued = false;
  #counters = new Map<string, InterfaceCounters>();
  #countersAt = Number.NEGATIVE_INFINITY;
  #countersReading: Promise<void> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #debounceTimer: NodeJS.Timeout | undefined;
  /** One read at a time; reads asked for meanwhile run after it, in turn. */
  #reading: Promise<void> | undefined;
  readonly #disposal = new AbortController();

  constructor(options: AirportEngineOptions) {
    this.#runner = options.runner ?? createProcessRunner();
    this.#stopMode = options.stopMode ?? 'none';
    this.#wdutilAllowed = options.wdutil === true;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#confirmIntervalMs = options.confirmIntervalMs ?? 1_000;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#restartDelayMs = options.restartDelayMs ?? 1_000;
    this.#maxRestartDelayMs = options.maxRestartDelayMs ?? 60_000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.#slowCommandTimeoutMs = options.slowCommandTimeoutMs ?? 30_000;
  }

  get watching(): boolean {
    return this.#child !== undefined;
  }

  get airportAvailable(): boolean | undefined {
    return this.#airport;
  }

  capabilities(): readonly Capability[] {
    return this.#stopMode === 'power-off'
      ? ['ForcedRoaming', 'DataStatistics', 'CanStartAndStopInterfaces']
      : ['ForcedRoaming', 'DataStatistics'];
  }

  supportedFeatures(): readonly NetworkInformationFeature[] {
    return ['Reachability', 'TransportMedium'];
  }

  networkInformation(): NetworkInformation {
    return this.#information;
  }

  defaultConfiguration(): string | null {
    return this.#default;
  }

  scanResults(): ReadonlyMap<string, readonly ScanEntry[]> {
    return this.#snapshot.scan;
  }

  /**
   * The byte counters of an Active configuration's interface, from the last `netstat -ib`
   * (read with every re-read). A read older than a second starts a fresh one in the
   * background (no timer): the next call sees it.
   */
  statistics(identifier: string): TrafficStatistics | undefined {
    const configuration = this.#configurations.get(identifier);
    const device = configuration?.state === 'Active' ? configuration.interfaceName : null;
    if (!device) return undefined;
    if (
      this.#phase === 'started' &&
      !this.#countersReading &&
      performance.now() - this.#countersAt > 1_000
    ) {
      this.#countersReading = this.#readCounters().finally(() => {
        this.#countersReading = undefined;
      });
    }
    return this.#counters.get(device);
  }

  async start(sink: EngineSink): Promise<readonly EngineConfiguration[]> {
    if (this.#phase !== 'new') {
      const why = this.#phase === 'disposed' ? 'it was disposed' : 'it was already started';
      throw new EngineError('EngineUnavailable', `The airport engine cannot start: ${why}.`);
    }
    this.#phase = 'starting';
    await this.#readFull();
    if (this.#phase !== 'starting') return [];
    this.#rebuild(undefined);
    this.#sink = sink;
    this.#phase = 'started';
    // The child begins on a later turn, so a watch(false) right after start comes first.
    this.#begin = setImmediate(() => {
      this.#begin = undefined;
      this.#updateChild();
    });
    return [...this.#configurations.values()];
  }

  watch(active: boolean): void {
    this.#listened = active;
    if (this.#phase === 'started' && this.#begin === undefined) this.#updateChild();
  }

  async requestUpdate(): Promise<void> {
    if (this.#phase !== 'started') return;
    await this.#serial(() => this.#readFull());
  }

  async connect(identifier: string, options: ConnectOptions): Promise<ConnectOutcome> {
    const configuration = this.#configurations.get(identifier);
    const target = this.#targets.get(identifier);
    if (!configuration || !target) {
      throw new EngineError(
        'ConnectError',
        `No configuration ${identifier} on the airport engine.`,
      );
    }
    if (configuration.state === 'Active') return 'joined';
    if (target.kind !== 'wifi') {
      throw new EngineError(
        'OperationNotSupported',
        `${configuration.name}: macOS has no command that brings this interface up.`,
      );
    }
    if (target.ssidHex !== null || target.ssid.includes('\0') || target.ssid === '') {
      throw new EngineError(
        'OperationNotSupported',
        'This network name cannot be passed to networksetup unchanged (it is not valid UTF-8).',
      );
    }
    const { signal } = options;
    const deadline = Date.now() + this.#connectTimeoutMs;
    const wifi = this.#snapshot.wifi.get(target.device);
    if (wifi && !wifi.power) {
      if (this.#stopMode !== 'power-off') {
        throw new EngineError('ConnectError', `Wi-Fi (${target.device}) is off.`);
      }
      const on = await this.#exec(airportPaths.networksetup, [
        '-setairportpower',
        target.device,
        'on',
      ]);
      if (on.code !== 0) throw commandFailure('ConnectError', 'networksetup -setairportpower', on);
    }
    // No password: networksetup takes the saved one from the keychain. The SSID is one argv
    // element, so nothing in it is ever interpreted.
    const joined = await this.#exec(
      airportPaths.networksetup,
      ['-setairportnetwork', target.device, target.ssid],
      { timeoutMs: this.#connectTimeoutMs, signal },
    );
    if (signal.aborted) throw new EngineError('ConnectError', 'The connect was cancelled.');
    const failure = joinFailure(joined.stdout, joined.stderr);
    if (joined.code !== 0 || joined.spawnError || joined.timedOut || failure) {
      throw new EngineError(
        'ConnectError',
        failure ?? describe('networksetup -setairportnetwork', joined),
      );
    }
    // networksetup can return before (or without) joining: believe the interface only.
    for (;;) {
      const read = await this.#exec(airportPaths.ipconfig, ['getsummary', target.device]);
      const parsed = parseIpconfigSummary(read.stdout);
      if ('value' in parsed && parsed.value.linkActive === true) {
        const { ssid, redacted } = parsed.value;
        if (ssid === target.ssid) break;
        if (ssid === null && redacted) {
          // Hidden: ask system_profiler; where it hides the name too, the link being up after
          // a join networksetup reported as done is all there is to know.
          const shown = await this.#profiledName(target.device);
          if (shown === undefined || shown === target.ssid) break;
        }
      }
      if (signal.aborted) throw new EngineError('ConnectError', 'The connect was cancelled.');
      if (Date.now() + this.#confirmIntervalMs > deadline) {
        throw new EngineError(
          'ConnectError',
          `${target.ssid}: networksetup reported success, but ${target.device} did not join it.`,
        );
      }
      await abortableDelay(this.#confirmIntervalMs, signal);
    }
    // The interface showed it (or, with every name hidden, the join was reported and the
    // link is up): the name holds until the link goes down.
    const state = this.#snapshot.wifi.get(target.device);
    if (state) state.lastName = target.ssid;
    await this.#serial(() => this.#readLight());
    return 'started';
  }

  async disconnect(identifier: string, options: DisconnectOptions): Promise<DisconnectOutcome> {
    // Never SystemSessionSupport: core sends no release; if one comes, the link stays.
    if (options.mode === 'release') return 'kept';
    const configuration = this.#configurations.get(identifier);
    const target = this.#targets.get(identifier);
    if (!configuration || !target) {
      throw new EngineError(
        'DisconnectionError',
        `No configuration ${identifier} on the airport engine.`,
      );
    }
    if (target.kind === 'port' || this.#stopMode !== 'power-off') {
      throw new EngineError(
        'OperationNotSupported',
        `${configuration.name}: macOS has no command that leaves a network` +
          (target.kind === 'port' ? '.' : " (stopMode 'power-off' turns the Wi-Fi radio off)."),
      );
    }
    const off = await this.#exec(
      airportPaths.networksetup,
      ['-setairportpower', target.device, 'off'],
      { timeoutMs: this.#commandTimeoutMs, signal: options.signal },
    );
    if (off.code !== 0 || off.spawnError) {
      throw commandFailure('DisconnectionError', 'networksetup -setairportpower', off);
    }
    await this.#serial(() => this.#readLight());
    return 'down';
  }

  async dispose(): Promise<void> {
    if (this.#phase === 'disposed') return;
    this.#phase = 'disposed';
    this.#disposal.abort();
    if (this.#begin) clearImmediate(this.#begin);
    this.#begin = undefined;
    this.#sink = undefined;
    await this.#stopChild();
  }

  // --- the scutil child ------------------------------------------------------------------

  #updateChild(): void {
    const wanted = this.#phase === 'started' && this.#listened;
    if (wanted && !this.#child && !this.#restartTimer) {
      this.#spawnChild();
      // Changes while nobody listened (or before the child began) went unheard: look once.
      this.#schedule();
    }
    if (!wanted) void this.#stopChild();
  }

  /** No child, no restart or debounce pending, no burst: kills the child there was, if any. */
  #stopChild(): Promise<void> | undefined {
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#debounceTimer);
    this.#restartTimer = undefined;
    this.#debounceTimer = undefined;
    this.#burstStart = undefined;
    const child = this.#child;
    this.#child = undefined;
    return child?.kill();
  }

  /**
   * One long-lived `scutil` in notification mode: the n.add lines and `n.watch` on a standard
   * input that stays open (scutil exits at its end), notifications read line by line. It never
   * ends by itself; when it does (a crash, configd restarting, someone killing it), it is
   * started again with back-off and the state is read once, since changes went unheard.
   */
  #spawnChild(): void {
    const child = this.#runner.spawnLines(airportPaths.scutil, [], {
      stdin: watchScript,
      keepStdinOpen: true,
    });
    this.#child = child;
    const born = performance.now();
    void (async () => {
      try {
        for await (const line of child.lines) {
          if (this.#child !== child) break;
          if (parseWatchLine(line) !== undefined) this.#schedule();
        }
      } catch {
        // A broken pipe ends the child like an exit does.
      }
      if (this.#child !== child) return; // killed on purpose
      this.#child = undefined;
      void child.kill();
      if (this.#phase !== 'started' || !this.#listened) return;
      // A child that stayed up a long while was healthy: start the back-off afresh.
      if (performance.now() - born >= this.#maxRestartDelayMs) this.#failures = 0;
      const wait = Math.min(this.#maxRestartDelayMs, this.#restartDelayMs * 2 ** this.#failures);
      this.#failures++;
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        if (this.#phase === 'started' && this.#listened && !this.#child) {
          this.#spawnChild();
          // Changes while it was down went unheard: look once.
          this.#schedule();
        }
      }, wait);
    })();
  }

  /**
   * A notification: re-read the fast facts once the burst is over (no notification for
   * `debounceMs`, and at most `4 × debounceMs` after its first), and only once however many
   * notifications came; a re-read already waiting for its turn absorbs the next one.
   */
  #schedule(): void {
    if (this.#phase !== 'started') return;
    const now = performance.now();
    this.#burstStart ??= now;
    clearTimeout(this.#debounceTimer);
    const wait = Math.max(
      0,
      Math.min(this.#debounceMs, this.#burstStart + 4 * this.#debounceMs - now),
    );
    this.#debounceTimer = setTimeout(() => {
      this.#debounceTimer = undefined;
      this.#burstStart = undefined;
      if (this.#lightQueued) return;
      this.#lightQueued = true;
      void this.#serial(() => {
        this.#lightQueued = false;
        return this.#readLight();
      });
    }, wait);
  }

  /** Runs reads one after another, then reports what changed. */
  async #serial(read: () => Promise<void>): Promise<void> {
    while (this.#reading) await this.#reading;
    if (this.#phase !== 'started') return;
    this.#reading = (async () => {
      try {
        await read();
        if (this.#phase === 'started') this.#rebuild(this.#sink);
      } finally {
        this.#reading = undefined;
      }
    })();
    await this.#reading;
  }

  // --- reading ---------------------------------------------------------------------------

  async #exec(
    file: string,
    args: readonly string[],
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    try {
      return await this.#runner.exec(file, args, {
        timeoutMs: options?.timeoutMs ?? this.#commandTimeoutMs,
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      return {
        stdout: Buffer.alloc(0),
        stderr: Buffer.alloc(0),
        code: null,
        signal: null,
        timedOut: false,
        spawnError: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** Everything, system_profiler's scan included: start and requestUpdate() only. */
  async #readFull(): Promise<void> {
    const portsRead = await this.#exec(airportPaths.networksetup, ['-listallhardwareports']);
    const ports = parseHardwarePorts(portsRead.stdout);
    if (portsRead.spawnError || 'error' in ports) {
      if (this.#phase === 'starting') {
        throw new EngineError(
          'EngineUnavailable',
          `networksetup -listallhardwareports: ${portsRead.spawnError ?? ('error' in ports ? ports.error.message : '')}`,
        );
      }
      return;
    }
    const wifi = new Map<string, WifiState>();
    for (const port of ports.value) {
      if (classifyPort(port.port, port.device).virtual) continue;
      const power = parseAirportPower(
        (await this.#exec(airportPaths.networksetup, ['-getairportpower', port.device])).stdout,
      );
      if (!('value' in power) || power.value === null) continue;
      const preferredRead = await this.#exec(airportPaths.networksetup, [
        '-listpreferredwirelessnetworks',
        port.device,
      ]);
      const preferred = parsePreferredNetworks(preferredRead.stdout);
      const previous = this.#snapshot.wifi.get(port.device);
      wifi.set(port.device, {
        power: power.value.power,
        preferred:
          'value' in preferred && preferred.value.kind === 'list' ? preferred.value.ssids : [],
        summary: null,
        lastName: previous?.lastName ?? null,
      });
    }
    const scan = new Map<string, readonly ScanEntry[]>();
    const profiled = new Map<string, ScanEntry | null>();
    let airportInfo: AirportInfo | null = null;
    if (wifi.size > 0) {
      const sp = await this.#exec(airportPaths.systemProfiler, ['SPAirPortDataType', '-json'], {
        timeoutMs: this.#slowCommandTimeoutMs,
      });
      const profile = parseSystemProfiler(sp.stdout);
      if ('value' in profile) {
        for (const itf of profile.value) {
          if (!wifi.has(itf.device)) continue;
          scan.set(itf.device, itf.networks);
          profiled.set(itf.device, itf.status === 'connected' ? itf.current : null);
        }
      }
      airportInfo = await this.#readAirportInfo();
      if (!('value' in profile) && this.#airport) {
        const first = [...wifi.keys()][0]!;
        const scanned = parseAirportScan(
          (
            await this.#exec(airportPaths.airport, ['-s'], {
              timeoutMs: this.#slowCommandTimeoutMs,
            })
          ).stdout,
        );
        if ('value' in scanned) scan.set(first, scanned.value.entries);
      }
    }
    this.#snapshot = {
      ports: ports.value,
      wifi,
      scan,
      profiled,
      airportInfo,
      nwi: this.#snapshot.nwi,
      wdutil: null,
    };
    await this.#readLinkFacts();
  }

  /** The fast facts a change notification can have touched: link, name, reachability. */
  async #readLight(): Promise<void> {
    this.#snapshot.profiled = new Map();
    if (this.#snapshot.wifi.size > 0) this.#snapshot.airportInfo = await this.#readAirportInfo();
    await this.#readLinkFacts();
  }

  /**
   * While ipconfig hides the name: the network system_profiler shows `device` on, or
   * undefined where it hides it too (macOS 26) or cannot say.
   */
  async #profiledName(device: string): Promise<string | undefined> {
    const read = await this.#exec(airportPaths.systemProfiler, ['SPAirPortDataType', '-json'], {
      timeoutMs: this.#slowCommandTimeoutMs,
    });
    const profile = parseSystemProfiler(read.stdout);
    if (!('value' in profile)) return undefined;
    const current = profile.value.find((i) => i.device === device)?.current;
    if (!current || current.redacted) return undefined;
    return current.ssid;
  }

  async #readAirportInfo(): Promise<AirportInfo | null> {
    if (this.#airport === false) return null;
    const read = await this.#exec(airportPaths.airport, ['-I']);
    const info = parseAirportInfo(read.stdout);
    // Missing (ENOENT) or the 14.4+ stub that only prints a deprecation notice: gone for good.
    this.#airport = !read.spawnError && 'value' in info;
    return 'value' in info ? info.value : null;
  }

  async #readLinkFacts(): Promise<void> {
    for (const [device, state] of this.#snapshot.wifi) {
      const read = await this.#exec(airportPaths.ipconfig, ['getsummary', device]);
      const summary = parseIpconfigSummary(read.stdout);
      state.summary = 'value' in summary ? summary.value : null;
    }
    if (this.#wdutilAllowed && this.#snapshot.wifi.size > 0) {
      const read = await this.#exec(airportPaths.wdutil, ['info']);
      const info = parseWdutil(read.stdout);
      if (read.code !== 0 || 'error' in info) this.#wdutilAllowed = false;
      this.#snapshot.wdutil = 'value' in info && read.code === 0 ? info.value : null;
    }
    const nwi = parseNwi((await this.#exec(airportPaths.scutil, ['--nwi'])).stdout);
    this.#snapshot.nwi = 'value' in nwi ? nwi.value : null;
    await this.#readCounters();
  }

  async #readCounters(): Promise<void> {
    const read = await this.#exec(airportPaths.netstat, ['-ib']);
    const counters = parseNetstatBytes(read.stdout);
    if (this.#phase === 'disposed') return;
    this.#countersAt = performance.now();
    if ('value' in counters) this.#counters = counters.value;
  }

  // --- configurations --------------------------------------------------------------------

  #rebuild(sink: EngineSink | undefined): void {
    const next = new Map<string, EngineConfiguration>();
    const targets = new Map<string, Target>();
    const snapshot = this.#snapshot;
    const activeByDevice = new Map<string, string>();
    const put = (configuration: EngineConfiguration, target: Target) => {
      if (next.has(configuration.identifier)) return;
      next.set(configuration.identifier, configuration);
      targets.set(configuration.identifier, target);
    };
    for (const [device, wifi] of snapshot.wifi) {
      const link = this.#linkOf(device, wifi);
      const name = link.active ? link.name : null;
      wifi.lastName = name;
      const inRange = new Map<string, ScanEntry>();
      if (wifi.power) {
        for (const entry of snapshot.scan.get(device) ?? []) {
          // Never merge hidden or redacted neighbours into one configuration: skip them.
          if (entry.redacted || entry.ssid === '') continue;
          const key = entry.ssidHex ?? `=${entry.ssid}`;
          if (!inRange.has(key)) inRange.set(key, entry);
        }
      }
      const base = {
        type: 'InternetAccessPoint',
        bearerType: 'WLAN',
        purpose: 'UnknownPurpose',
      } as const;
      for (const ssid of wifi.preferred) {
        const active = name === ssid;
        const identifier = knownIdentifier(ssid);
        if (active) activeByDevice.set(device, identifier);
        put(
          {
            ...base,
            identifier,
            name: ssid,
            state: active ? 'Active' : inRange.has(`=${ssid}`) ? 'Discovered' : 'Defined',
            interfaceName: active ? device : null,
          },
          { kind: 'wifi', device, ssid, ssidHex: null },
        );
      }
      const known = new Set(wifi.preferred);
      for (const entry of inRange.values()) {
        if (entry.ssidHex === null && known.has(entry.ssid)) continue;
        const active = entry.ssidHex === null && name === entry.ssid;
        const identifier = seenIdentifier(entry.ssid, entry.ssidHex);
        if (active) activeByDevice.set(device, identifier);
        put(
          {
            ...base,
            identifier,
            name: entry.ssid,
            state: active ? 'Active' : 'Discovered',
            interfaceName: active ? device : null,
          },
          { kind: 'wifi', device, ssid: entry.ssid, ssidHex: entry.ssidHex },
        );
      }
      if (link.active && name !== null && !activeByDevice.has(device)) {
        const identifier = seenIdentifier(name);
        activeByDevice.set(device, identifier);
        put(
          { ...base, identifier, name, state: 'Active', interfaceName: device },
          { kind: 'wifi', device, ssid: name, ssidHex: null },
        );
      }
      if (link.active && name === null) {
        // Up, but macOS will not say on which network: Active and unknown, never disconnected.
        const identifier = currentIdentifier(device);
        activeByDevice.set(device, identifier);
        put(
          {
            ...base,
            identifier,
            name: `Wi-Fi (${device})`,
            state: 'Active',
            interfaceName: device,
            unknownReason: link.redacted ? 'redacted' : 'service-unavailable',
          },
          { kind: 'current', device },
        );
      }
    }
    const up = new Set(snapshot.nwi?.interfaces ?? []);
    for (const port of snapshot.ports) {
      if (snapshot.wifi.has(port.device)) continue;
      const kind = classifyPort(port.port, port.device);
      const identifier = interfaceIdentifier(port.device);
      const active = up.has(port.device);
      if (active) activeByDevice.set(port.device, identifier);
      put(
        {
          identifier,
          name: port.port,
          type: 'InternetAccessPoint',
          state: active ? 'Active' : 'Defined',
          bearerType: kind.bearerType,
          purpose: 'UnknownPurpose',
          interfaceName: active ? port.device : null,
          capabilities: [],
          ...(kind.virtual ? { virtual: true } : {}),
        },
        { kind: 'port', device: port.device },
      );
    }
    const previous = this.#configurations;
    this.#configurations = next;
    this.#targets = targets;
    this.#default = null;
    let medium: TransportMedium = 'Unknown';
    for (const device of snapshot.nwi?.interfaces ?? []) {
      const identifier = activeByDevice.get(device);
      if (!identifier) continue;
      this.#default = identifier;
      const bearer = next.get(identifier)?.bearerType;
      medium =
        bearer === 'WLAN'
          ? 'WiFi'
          : bearer === 'Ethernet'
            ? 'Ethernet'
            : bearer === 'Bluetooth'
              ? 'Bluetooth'
              : 'Unknown';
      break;
    }
    const information: NetworkInformation = {
      reachability: reachabilityOf(snapshot.nwi),
      behindCaptivePortal: false,
      transportMedium: medium,
      metered: false,
    };
    const informationChanged =
      information.reachability !== this.#information.reachability ||
      information.transportMedium !== this.#information.transportMedium;
    this.#information = information;
    if (!sink) return;
    for (const [identifier, configuration] of next) {
      const before = previous.get(identifier);
      if (before && !sameConfiguration(before, configuration)) {
        sink.configurationChanged(configuration);
      }
    }
    for (const [identifier, configuration] of next) {
      if (!previous.has(identifier)) sink.configurationAdded(configuration);
    }
    for (const identifier of previous.keys()) {
      if (!next.has(identifier)) sink.configurationRemoved(identifier);
    }
    if (informationChanged) sink.networkInformationChanged(information);
  }

  /** Whether a Wi-Fi link is up and on which network, from the facts that are never redacted. */
  #linkOf(
    device: string,
    wifi: WifiState,
  ): { active: boolean; name: string | null; redacted: boolean } {
    const snapshot = this.#snapshot;
    const summary = wifi.summary;
    const info = [...snapshot.wifi.keys()][0] === device ? snapshot.airportInfo : null;
    const wd = snapshot.wdutil?.device === device ? snapshot.wdutil : null;
    const profiled = snapshot.profiled.get(device) ?? null;
    let active: boolean;
    if (!wifi.power) active = false;
    else if (summary?.linkActive != null) active = summary.linkActive;
    else if (info) active = info.associated;
    else if (wd) active = wd.associated;
    else active = profiled !== null || (snapshot.nwi?.interfaces.includes(device) ?? false);
    if (!active) return { active, name: null, redacted: false };
    const candidates = [
      summary?.ssid,
      info?.ssid,
      wd?.ssid,
      profiled && !profiled.redacted && profiled.ssidHex === null ? profiled.ssid : null,
    ];
    const name = candidates.find((n): n is string => typeof n === 'string' && n !== '') ?? null;
    const redacted =
      summary?.redacted === true ||
      info?.redacted === true ||
      wd?.ssidRedacted === true ||
      profiled?.redacted === true;
    // A name found while the link stayed up remains true until the link goes down.
    return { active, name: name ?? wifi.lastName, redacted };
  }
}

function reachabilityOf(nwi: NetworkInformationSummary | null): Reachability {
  if (!nwi) return 'Unknown';
  const reach = (nwi.ipv4Reach ?? 0) | (nwi.ipv6Reach ?? 0);
  if (reach & reachableFlag) return 'Online';
  if (nwi.interfaces.length === 0) return 'Disconnected';
  return 'Unknown';
}

function describe(what: string, result: ExecResult): string {
  if (result.spawnError) return `${what} could not run: ${result.spawnError}`;
  if (result.timedOut) return `${what} timed out.`;
  const text = `${toText(result.stderr)} ${toText(result.stdout)}`.trim().split(/\r?\n/)[0];
  return `${what} failed (exit ${result.code ?? result.signal})${text ? `: ${text}` : '.'}`;
}

function commandFailure(
  kind: 'ConnectError' | 'DisconnectionError',
  what: string,
  result: ExecResult,
): EngineError {
  return new EngineError(kind, describe(what, result));
}

/** The macOS engine (see the package README for what each macOS version offers). */
export function createAirportEngine(options: AirportEngineOptions = {}): AirportEngine {
  return new Airport(options);
}
