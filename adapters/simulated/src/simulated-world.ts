import {
  type BearerType,
  type Capability,
  type ConfigurationState,
  type ConnectOutcome,
  type DisconnectOutcome,
  type EngineConfiguration,
  EngineError,
  type EngineErrorKind,
  InvalidArgumentError,
  type NetworkInformation,
  type Purpose,
  type UnknownReason,
  type UsagePolicy,
} from '@netbearer/core';
import { SimulatedEngine } from './simulated-engine.js';

export interface WorldOptions {
  /** What every engine of this world can do; see `fullCapabilities`. */
  readonly capabilities?: readonly Capability[];
  /** Default milliseconds a connect takes; 0 completes on the next microtask. */
  readonly connectDelay?: number;
  /** Default milliseconds a disconnect takes. */
  readonly disconnectDelay?: number;
  /** Milliseconds an update (scan) takes. */
  readonly updateDelay?: number;
}

export interface AccessPointOptions {
  readonly name: string;
  /** Defaults to `sim:<name>`. */
  readonly identifier?: string;
  readonly bearerType?: BearerType;
  readonly purpose?: Purpose;
  /** In reach (Discovered) or only known (Defined). Default true. */
  readonly inRange?: boolean;
  /** Already up when the world starts. */
  readonly active?: boolean;
  /** Only comes in reach after the next update (a scan). */
  readonly foundByScan?: boolean;
  readonly interfaceName?: string;
  readonly virtual?: boolean;
  readonly connectDelay?: number;
  readonly disconnectDelay?: number;
  readonly usagePolicies?: readonly UsagePolicy[];
  /** The platform withholds part of its state (a permission, a redaction). */
  readonly unknownReason?: UnknownReason;
}

export interface ServiceNetworkOptions {
  readonly name: string;
  readonly identifier?: string;
  /** Member identifiers, most preferred first. */
  readonly children: readonly string[];
}

/** Everything a platform can offer, for a world that exercises every code path. */
export const fullCapabilities: readonly Capability[] = [
  'CanStartAndStopInterfaces',
  'SystemSessionSupport',
  'ApplicationLevelRoaming',
  'ForcedRoaming',
  'DataStatistics',
];

interface Entry {
  description: Omit<EngineConfiguration, 'state'>;
  state: ConfigurationState;
  inRange: boolean;
  foundByScan: boolean;
  connectDelay: number;
  disconnectDelay: number;
  /** Engines (processes) holding the link up, for SystemSessionSupport. */
  holders: Set<SimulatedEngine>;
  /** A process's connect brought this activation up (not the user, not `activate`). */
  broughtUp: boolean;
  connectFailures: Array<{ kind: EngineErrorKind; message: string }>;
  stopRefusals: Array<{ kind: EngineErrorKind; message: string }>;
  pending: Set<() => void>;
  activeSince: number | undefined;
  bytesReceived: number;
  bytesWritten: number;
}

/**
 * A deterministic, scriptable network world. Each `engine()` is one process's view of it:
 * several managers over one world see each other's links come and go. Every change reaches
 * the engines on a later microtask, in the order it happened; delays run on timers, so fake
 * timers drive them.
 */
export class SimulatedWorld {
  readonly capabilities: readonly Capability[];
  readonly #entries = new Map<string, Entry>();
  readonly #engines = new Set<SimulatedEngine>();
  readonly #connectDelay: number;
  readonly #disconnectDelay: number;
  readonly #updateDelay: number;
  #default: string | null = null;
  #information: NetworkInformation | undefined;
  #serviceDown = false;

  constructor(options: WorldOptions = {}) {
    this.capabilities = [...(options.capabilities ?? fullCapabilities)];
    this.#connectDelay = delay(options.connectDelay ?? 0, 'connectDelay');
    this.#disconnectDelay = delay(options.disconnectDelay ?? 0, 'disconnectDelay');
    this.#updateDelay = delay(options.updateDelay ?? 0, 'updateDelay');
  }

  /** A new process's view of this world, to hand to a NetworkConfigurationManager. */
  engine(name = 'simulated'): SimulatedEngine {
    const engine = new SimulatedEngine(this, name);
    return engine;
  }

  addAccessPoint(options: AccessPointOptions): string {
    const identifier = this.#newIdentifier(options.identifier, options.name);
    const inRange = (options.inRange ?? true) && !options.foundByScan;
    this.#entries.set(identifier, {
      description: {
        identifier,
        name: options.name,
        type: 'InternetAccessPoint',
        bearerType: options.bearerType ?? 'WLAN',
        purpose: options.purpose ?? 'PublicPurpose',
        interfaceName: options.interfaceName ?? null,
        virtual: options.virtual ?? false,
        usagePolicies: options.usagePolicies ?? ['NoPolicy'],
        ...(options.unknownReason ? { unknownReason: options.unknownReason } : {}),
      },
      state: options.active && inRange ? 'Active' : inRange ? 'Discovered' : 'Defined',
      inRange,
      foundByScan: options.foundByScan ?? false,
      connectDelay: delay(options.connectDelay ?? this.#connectDelay, 'connectDelay'),
      disconnectDelay: delay(options.disconnectDelay ?? this.#disconnectDelay, 'disconnectDelay'),
      holders: new Set(),
      broughtUp: false,
      connectFailures: [],
      stopRefusals: [],
      pending: new Set(),
      activeSince: options.active && inRange ? Date.now() : undefined,
      bytesReceived: 0,
      bytesWritten: 0,
    });
    this.#announce('added', identifier);
    return identifier;
  }

  addServiceNetwork(options: ServiceNetworkOptions): string {
    for (const child of options.children) this.#accessPoint(child);
    const identifier = this.#newIdentifier(options.identifier, options.name);
    this.#entries.set(identifier, {
      ...this.#plainEntry(),
      description: {
        identifier,
        name: options.name,
        type: 'ServiceNetwork',
        bearerType: 'Unknown',
        purpose: 'PublicPurpose',
        children: [...options.children],
      },
      state: 'Defined',
    });
    this.#announce('added', identifier);
    return identifier;
  }

  /** Offers Qt's UserChoice configuration: sessions on it resolve to a real one at open. */
  addUserChoice(identifier = 'sim:UserChoice'): string {
    const id = this.#newIdentifier(identifier, 'UserChoice');
    this.#entries.set(id, {
      ...this.#plainEntry(),
      description: {
        identifier: id,
        name: 'UserChoice',
        type: 'UserChoice',
        bearerType: 'Unknown',
        purpose: 'UnknownPurpose',
      },
      state: 'Discovered',
    });
    this.#announce('added', id);
    return id;
  }

  /** What the platform itself says the default is (null: let core rank). */
  setDefault(identifier: string | null): void {
    if (identifier !== null) this.#entry(identifier);
    this.#default = identifier;
  }

  remove(identifier: string): void {
    const entry = this.#entry(identifier);
    this.#cancelPending(entry);
    this.#entries.delete(identifier);
    this.#announce('removed', identifier);
  }

  rename(identifier: string, name: string): void {
    const entry = this.#entry(identifier);
    entry.description = { ...entry.description, name };
    this.#announce('changed', identifier);
  }

  /** Moves an access point in or out of reach; out of reach drops its link. */
  setInRange(identifier: string, inRange: boolean): void {
    const entry = this.#accessPoint(identifier);
    entry.inRange = inRange;
    if (!inRange) this.#cancelPending(entry);
    this.#setState(
      identifier,
      inRange ? (entry.state === 'Active' ? 'Active' : 'Discovered') : 'Defined',
    );
  }

  /** Someone else (the user, another program) brought the link up; it is in reach now. */
  activate(identifier: string): void {
    this.#accessPoint(identifier).inRange = true;
    this.#setState(identifier, 'Active');
  }

  /** The link drops (carrier lost, AP gone quiet); it stays in reach. */
  loseLink(identifier: string): void {
    const entry = this.#accessPoint(identifier);
    this.#cancelPending(entry);
    this.#setState(identifier, entry.inRange ? 'Discovered' : 'Defined');
  }

  /** The next connect to this access point fails with an engine error of that kind. */
  failNextConnect(
    identifier: string,
    kind: EngineErrorKind = 'ConnectError',
    message?: string,
  ): void {
    this.#accessPoint(identifier).connectFailures.push({
      kind,
      message: message ?? `Simulated ${kind} connecting ${identifier}.`,
    });
  }

  /** The next disconnect of this access point is refused. */
  refuseNextStop(
    identifier: string,
    kind: EngineErrorKind = 'OperationNotSupported',
    message?: string,
  ): void {
    this.#accessPoint(identifier).stopRefusals.push({
      kind,
      message: message ?? `Simulated refusal to stop ${identifier}.`,
    });
  }

  /** Tells every engine that `to` is a better access point than `from`. */
  offerBetter(from: string, to: string, seamless = this.state(to) === 'Active'): void {
    this.#accessPoint(from);
    this.#accessPoint(to);
    if (this.#serviceDown) return;
    for (const engine of this.#engines) engine.notifyPreferred(from, to, seamless);
  }

  /** Adds traffic to an active access point's counters. */
  transfer(identifier: string, traffic: { received?: number; written?: number }): void {
    const entry = this.#accessPoint(identifier);
    entry.bytesReceived += traffic.received ?? 0;
    entry.bytesWritten += traffic.written ?? 0;
  }

  setUsagePolicies(identifier: string, policies: readonly UsagePolicy[]): void {
    const entry = this.#accessPoint(identifier);
    entry.description = { ...entry.description, usagePolicies: [...policies] };
    this.#announce('changed', identifier);
  }

  /** Sets the Qt 6 style network information engines report (unset: not supported). */
  setNetworkInformation(information: NetworkInformation): void {
    this.#information = { ...information };
    for (const engine of this.#engines) engine.notifyInformation(information);
  }

  /**
   * The platform's network service goes away (like NetworkManager stopping): engines say so
   * and report nothing until `serviceUp()`; links stay as they are, changes made meanwhile
   * are reported when it is back. Connects and disconnects fail while it is down.
   */
  serviceDown(): void {
    if (this.#serviceDown) return;
    this.#serviceDown = true;
    for (const engine of this.#engines) engine.notifyUnavailable();
  }

  serviceUp(): void {
    if (!this.#serviceDown) return;
    this.#serviceDown = false;
    for (const engine of this.#engines) engine.notifyAvailable();
  }

  /** @internal */
  isServiceDown(): boolean {
    return this.#serviceDown;
  }

  state(identifier: string): ConfigurationState {
    return this.#entry(identifier).state;
  }

  identifiers(): string[] {
    return [...this.#entries.keys()];
  }

  /** @internal engine side */
  attach(engine: SimulatedEngine): EngineConfiguration[] {
    this.#engines.add(engine);
    return [...this.#entries.keys()].map((id) => this.describe(id)!);
  }
  /** @internal */
  detach(engine: SimulatedEngine): void {
    this.#engines.delete(engine);
    for (const entry of this.#entries.values()) entry.holders.delete(engine);
  }
  /** @internal */
  describe(identifier: string): EngineConfiguration | undefined {
    const entry = this.#entries.get(identifier);
    return entry && { ...entry.description, state: entry.state };
  }
  /** @internal */
  defaultIdentifier(): string | null {
    return this.#default !== null && this.#entries.has(this.#default) ? this.#default : null;
  }
  /** @internal */
  information(): NetworkInformation | undefined {
    return this.#information;
  }
  /** @internal */
  statistics(identifier: string) {
    const entry = this.#entries.get(identifier);
    if (entry?.state !== 'Active') return undefined;
    return { bytesReceived: entry.bytesReceived, bytesWritten: entry.bytesWritten };
  }
  /** @internal */
  activeSince(identifier: string): number | undefined {
    return this.#entries.get(identifier)?.activeSince;
  }

  /** @internal A process asks for a link: brings it up, or joins it if it is up already. */
  async connect(
    engine: SimulatedEngine,
    identifier: string,
    signal: AbortSignal,
  ): Promise<ConnectOutcome> {
    const entry = this.#entries.get(identifier);
    if (!entry) throw new EngineError('InterfaceLookupError', `No access point ${identifier}.`);
    if (this.#serviceDown)
      throw new EngineError('EngineUnavailable', 'The network service is down.');
    if (entry.state === 'Active') return this.#join(engine, entry);
    if (!this.capabilities.includes('CanStartAndStopInterfaces')) {
      throw new EngineError('OperationNotSupported', 'This world cannot start interfaces.');
    }
    await this.#wait(entry, entry.connectDelay, signal);
    const failure = entry.connectFailures.shift();
    if (failure) throw new EngineError(failure.kind, failure.message);
    if (!this.#entries.has(identifier) || !entry.inRange) {
      throw new EngineError('ConnectError', `${entry.description.name} is out of range.`);
    }
    // Another process brought it up while this one waited.
    if (this.state(identifier) === 'Active') return this.#join(engine, entry);
    this.#setState(identifier, 'Active');
    entry.holders.add(engine);
    entry.broughtUp = true;
    return 'started';
  }

  #join(engine: SimulatedEngine, entry: Entry): ConnectOutcome {
    entry.holders.add(engine);
    return 'joined';
  }

  /** @internal A process uses a link someone else brought up. */
  claim(engine: SimulatedEngine, identifier: string): void {
    const entry = this.#entries.get(identifier);
    if (entry?.state === 'Active') entry.holders.add(engine);
  }

  /** How many processes hold a link (SystemSessionSupport's count). */
  holderCount(identifier: string): number {
    return this.#entry(identifier).holders.size;
  }

  /**
   * @internal A process lets a link go, or stops it for everyone. A release takes the link
   * down only when a process brought it up and no process holds it any more: a link the
   * user brought up (`activate`) stays up.
   */
  async disconnect(
    engine: SimulatedEngine,
    identifier: string,
    mode: 'release' | 'stop',
    signal: AbortSignal,
  ): Promise<DisconnectOutcome> {
    const entry = this.#entries.get(identifier);
    if (!entry) return 'down';
    if (this.#serviceDown)
      throw new EngineError('EngineUnavailable', 'The network service is down.');
    if (mode === 'release') {
      entry.holders.delete(engine);
      const up = entry.state === 'Active';
      if (up && (!entry.broughtUp || entry.holders.size > 0)) return 'kept';
    }
    if (!this.capabilities.includes('CanStartAndStopInterfaces')) {
      throw new EngineError('OperationNotSupported', 'This world cannot stop interfaces.');
    }
    // A link lost or removed meanwhile is down, which is all a disconnect wanted.
    await this.#wait(entry, entry.disconnectDelay, signal).catch((error) => {
      if (signal.aborted || this.#entries.get(identifier)?.state === 'Active') throw error;
    });
    const refusal = entry.stopRefusals.shift();
    if (refusal) throw new EngineError(refusal.kind, refusal.message);
    // A process that joined while this release waited keeps the link up.
    if (mode === 'release' && entry.state === 'Active' && entry.holders.size > 0) return 'kept';
    entry.holders.clear();
    if (entry.state === 'Active')
      this.#setState(identifier, entry.inRange ? 'Discovered' : 'Defined');
    return 'down';
  }

  /** @internal A scan: brings access points that only a scan finds into reach. */
  async update(): Promise<void> {
    if (this.#updateDelay > 0) await new Promise((r) => setTimeout(r, this.#updateDelay));
    for (const [id, entry] of this.#entries) {
      if (!entry.foundByScan) continue;
      entry.foundByScan = false;
      entry.inRange = true;
      this.#setState(id, 'Discovered');
    }
  }

  #setState(identifier: string, state: ConfigurationState): void {
    const entry = this.#entry(identifier);
    if (entry.state === state) return;
    if (state === 'Active') {
      entry.activeSince = Date.now();
      entry.bytesReceived = entry.bytesWritten = 0;
    } else {
      entry.activeSince = undefined;
      entry.holders.clear();
      entry.broughtUp = false;
    }
    entry.state = state;
    this.#announce('changed', identifier);
  }

  #announce(kind: 'added' | 'changed' | 'removed', identifier: string): void {
    // While the service is down nobody hears; serviceUp() reports the whole list.
    if (this.#serviceDown) return;
    for (const engine of this.#engines) engine.notify(kind, identifier);
  }

  #wait(entry: Entry, ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const done = () => {
        entry.pending.delete(cancel);
        signal.removeEventListener('abort', abort);
      };
      const cancel = () => {
        done();
        if (ms > 0) clearTimeout(timer);
        reject(new EngineError('ConnectError', `${entry.description.name} went away.`));
      };
      const abort = () => {
        cancel();
      };
      const timer =
        ms > 0
          ? setTimeout(() => {
              done();
              resolve();
            }, ms)
          : undefined;
      entry.pending.add(cancel);
      signal.addEventListener('abort', abort, { once: true });
      if (ms === 0)
        queueMicrotask(() => {
          if (!entry.pending.has(cancel)) return;
          done();
          resolve();
        });
    });
  }

  #cancelPending(entry: Entry): void {
    for (const cancel of [...entry.pending]) cancel();
  }

  #plainEntry(): Omit<Entry, 'description' | 'state'> {
    return {
      inRange: true,
      foundByScan: false,
      connectDelay: 0,
      disconnectDelay: 0,
      holders: new Set(),
      broughtUp: false,
      connectFailures: [],
      stopRefusals: [],
      pending: new Set(),
      activeSince: undefined,
      bytesReceived: 0,
      bytesWritten: 0,
    };
  }

  #newIdentifier(identifier: string | undefined, name: string): string {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('A simulated configuration needs a non-empty name.');
    }
    const id = identifier ?? `sim:${name}`;
    if (this.#entries.has(id)) throw new InvalidArgumentError(`${id} exists already.`);
    return id;
  }

  #entry(identifier: string): Entry {
    const entry = this.#entries.get(identifier);
    if (!entry) throw new InvalidArgumentError(`No simulated configuration ${identifier}.`);
    return entry;
  }

  #accessPoint(identifier: string): Entry {
    const entry = this.#entry(identifier);
    if (entry.description.type !== 'InternetAccessPoint') {
      throw new InvalidArgumentError(`${identifier} is not an access point.`);
    }
    return entry;
  }
}

/** Node fires a timer of 2^31 ms or more at once: such a delay is refused, not shortened. */
const longestDelay = 2 ** 31 - 1;

function delay(ms: number, what: string): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > longestDelay) {
    throw new InvalidArgumentError(
      `${what} must be a whole number of milliseconds from 0 to ${longestDelay}.`,
    );
  }
  return ms;
}
