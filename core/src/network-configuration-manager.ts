import type { ConfigurationState } from '@netbearer/machines';
import type { InspectionEvent } from 'xstate';
import { onAbort } from './abort-listener.js';
import { ConfigurationRecord, stateMatches } from './configuration-record.js';
import { rankDefault } from './default-configuration.js';
import { Emitter } from './emitter.js';
import type {
  Engine,
  EngineConfiguration,
  EngineSink,
  NetworkInformationFeature,
  Reachability,
  TransportMedium,
} from './engine.js';
import { DisposedError, InvalidArgumentError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { Inspection } from './inspection.js';
import type {
  EngineInspectionEvent,
  ManagerInspection,
  ManagerInspectionObserver,
} from './inspection-types.js';
import { recordOf, registerEnvironment, type SessionEnvironment } from './internal.js';
import { handleFor, NetworkConfiguration } from './network-configuration.js';
import { type NetworkInformationEvents, NetworkInformationTracker } from './network-information.js';
import { SessionHost } from './session-host.js';
import {
  capabilities as allCapabilities,
  type Capability,
  configurationStates,
} from './vocabulary.js';

export interface NetworkConfigurationManagerEvents extends NetworkInformationEvents {
  configurationAdded: [configuration: NetworkConfiguration];
  configurationRemoved: [configuration: NetworkConfiguration];
  configurationChanged: [configuration: NetworkConfiguration];
  onlineStateChanged: [isOnline: boolean];
  updateCompleted: [];
}

export interface NetworkConfigurationManagerOptions {
  /** The engines to aggregate, in order of precedence. */
  readonly engines: readonly Engine[];
  /**
   * Resolves a UserChoice configuration when a session on it opens (Qt showed a dialog).
   * Gets the discovered configurations, best first; by default the first is taken.
   */
  readonly chooseConfiguration?: (
    candidates: readonly NetworkConfiguration[],
  ) => NetworkConfiguration | undefined;
  /**
   * Receives XState's own inspection events of every session and link machine (and their
   * invoked actors) from creation on: the creator's hook, for coverage and tests. The events
   * carry the live actors: never send them events, or sessions fall out of step with their
   * links. To attach later, or to hand events to other code, use `manager.inspect()`, which
   * shows read-only views of the actors.
   */
  readonly inspect?: (event: InspectionEvent) => void;
}

export interface UpdateOptions {
  readonly signal?: AbortSignal;
}

/**
 * Knows the configurations of every engine it aggregates (QNetworkConfigurationManager).
 * Create it with `await NetworkConfigurationManager.create({ engines })`: it resolves once
 * every engine has listed its configurations, so `allConfigurations()` is complete at once.
 */
export class NetworkConfigurationManager extends Emitter<NetworkConfigurationManagerEvents> {
  readonly #host: SessionHost;
  readonly #inspection: Inspection;
  readonly #queue = new EventQueue();
  /** What sessions and handles need from this manager (kept out of the public type). */
  readonly #environment: SessionEnvironment;
  readonly #engines: readonly Engine[];
  readonly #records = new Map<string, ConfigurationRecord>();
  readonly #handles = new WeakMap<ConfigurationRecord, NetworkConfiguration>();
  readonly #choose: NetworkConfigurationManagerOptions['chooseConfiguration'];
  readonly #information: NetworkInformationTracker;
  #online = false;
  #reportedOnline = false;
  #watching: boolean | undefined;
  /** Engines whose platform source is gone for now (see EngineSink.unavailable). */
  readonly #away = new Set<Engine>();
  #disposed = false;

  private constructor(options: NetworkConfigurationManagerOptions) {
    super(() => this.#updateWatching());
    if (!Array.isArray(options?.engines)) {
      throw new InvalidArgumentError('NetworkConfigurationManager needs { engines: Engine[] }.');
    }
    this.#engines = [...options.engines];
    this.#choose = options.chooseConfiguration;
    this.#information = new NetworkInformationTracker(this.#engines, (e) => this.#away.has(e));
    this.#host = new SessionHost(
      {
        record: (id) => this.#records.get(id),
        resolveUserChoice: () => this.#resolveUserChoice(),
      },
      undefined,
      () => this.#updateWatching(),
    );
    this.#inspection = new Inspection(this.#host, options.inspect);
    this.#environment = {
      host: this.#host,
      queue: this.#queue,
      handleOf: (identifier) => this.configurationFromIdentifier(identifier),
    };
    registerEnvironment(this, this.#environment);
  }

  static async create(
    options: NetworkConfigurationManagerOptions,
  ): Promise<NetworkConfigurationManager> {
    const manager = new NetworkConfigurationManager(options);
    try {
      const lists = await Promise.all(manager.#engines.map((e) => e.start(manager.#sinkFor(e))));
      manager.#engines.forEach((engine, i) => {
        for (const c of lists[i] ?? []) manager.#add(engine, c, false);
      });
    } catch (error) {
      await manager.dispose();
      throw error;
    }
    manager.#deriveServiceNetworks(false);
    manager.#information.refresh(() => {});
    manager.#online = manager.#reportedOnline = manager.#computeOnline();
    manager.#updateWatching();
    return manager;
  }

  /**
   * Access points and service networks whose state includes `filter` (cumulative: Discovered
   * also returns Active ones); all of them without a filter. Never user choices.
   */
  allConfigurations(filter?: ConfigurationState): NetworkConfiguration[] {
    if (filter !== undefined && !configurationStates.includes(filter)) {
      throw new InvalidArgumentError(`Unknown configuration state filter: ${String(filter)}`);
    }
    const out: NetworkConfiguration[] = [];
    for (const record of this.#records.values()) {
      if (!record.valid || record.type === 'UserChoice') continue;
      if (filter === undefined || stateMatches(record.state, filter))
        out.push(this.#handle(record));
    }
    return out;
  }

  /** The configuration with that identifier, or an invalid one. */
  configurationFromIdentifier(identifier: string): NetworkConfiguration {
    const record = typeof identifier === 'string' ? this.#records.get(identifier) : undefined;
    return record ? this.#handle(record) : new NetworkConfiguration();
  }

  /**
   * Always a discovered configuration (state Discovered or Active), else an invalid one, as
   * Qt promises: what the platform routes through if an engine knows and it is discovered,
   * else an offered user choice, else the deterministic ranking of `rankDefault`.
   */
  defaultConfiguration(): NetworkConfiguration {
    const discovered = (record: ConfigurationRecord | undefined) =>
      record?.valid === true && stateMatches(record.state, 'Discovered');
    for (const engine of this.#engines) {
      if (this.#away.has(engine)) continue;
      const id = engine.defaultConfiguration?.();
      const record = id ? this.#records.get(id) : undefined;
      if (record?.engine === engine && discovered(record)) return this.#handle(record);
    }
    const records = [...this.#records.values()];
    const userChoice = records.find((r) => r.type === 'UserChoice' && discovered(r));
    const best = userChoice ?? rankDefault(records);
    return best && discovered(best) ? this.#handle(best) : new NetworkConfiguration();
  }

  /**
   * Whether some non-virtual configuration is Active, as of the last `onlineStateChanged`
   * delivered: the getter and the event never disagree.
   */
  isOnline(): boolean {
    return this.#reportedOnline;
  }

  /**
   * Whether some engine really knows this network-information feature (Qt 6's
   * QNetworkInformation); an unsupported feature reads as Unknown / false and never changes.
   */
  supports(feature: NetworkInformationFeature): boolean {
    return this.#information.supports(feature);
  }

  /** How far the network reaches: Unknown, Disconnected, Local, Site or Online. */
  reachability(): Reachability {
    return this.#information.current().reachability;
  }

  isBehindCaptivePortal(): boolean {
    return this.#information.current().behindCaptivePortal;
  }

  transportMedium(): TransportMedium {
    return this.#information.current().transportMedium;
  }

  isMetered(): boolean {
    return this.#information.current().metered;
  }

  /** The names of the engines this manager aggregates, in order. */
  engineNames(): string[] {
    return this.#engines.map((e) => e.name);
  }

  /** Every capability of at least one engine (Qt's OR); per configuration, see its capabilities(). */
  capabilities(): Capability[] {
    const have = new Set(this.#engines.flatMap((e) => e.capabilities()));
    return allCapabilities.filter((c) => have.has(c));
  }

  /** Asks every engine to refresh (e.g. scan); resolves at this round's `updateCompleted`. */
  async updateConfigurations(options: UpdateOptions = {}): Promise<void> {
    if (this.#disposed) throw new DisposedError('The manager was disposed.');
    options.signal?.throwIfAborted();
    const round = this.#updateRound();
    if (!options.signal) return round;
    const signal = options.signal;
    return new Promise<void>((resolve, reject) => {
      const withdraw = onAbort(signal, () => reject(signal.reason));
      round.then(resolve, reject).finally(withdraw);
    });
  }

  /**
   * Watches every session and link machine of this manager, existing and future, and what the
   * engines report, from now until `unsubscribe()`; lists sessions and links meanwhile. The
   * events show read-only views of the actors. Nothing is recorded and nothing is installed on
   * any actor while nobody watches; an observer that throws is ignored.
   */
  inspect(observer: ManagerInspectionObserver): ManagerInspection {
    if (this.#disposed) throw new DisposedError('The manager was disposed.');
    return this.#inspection.attach(observer);
  }

  /** Stops every machine, releases the engines and listeners; the process can then exit. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#inspection.dispose();
    this.#host.dispose();
    this.#queue.clear();
    this.removeAllListeners();
    await Promise.allSettled(this.#engines.map((e) => e.dispose()));
  }

  async #updateRound(): Promise<void> {
    const results = await Promise.allSettled(this.#engines.map((e) => e.requestUpdate()));
    await new Promise<void>((resolve) =>
      this.#queue.post(() => {
        this.emit('updateCompleted');
        resolve();
      }),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'An engine failed to update.');
  }

  #handle(record: ConfigurationRecord): NetworkConfiguration {
    let handle = this.#handles.get(record);
    if (!handle) {
      handle = handleFor(record, this.#environment);
      this.#handles.set(record, handle);
    }
    return handle;
  }

  #sinkFor(engine: Engine): EngineSink {
    const live = (act: () => void) => {
      if (!this.#disposed) act();
    };
    // Told to the inspection, when someone watches, before it takes effect.
    const heard = (event: () => EngineInspectionEvent) => {
      if (this.#inspection.active && !this.#disposed) this.#inspection.engine(engine.name, event());
    };
    return {
      configurationAdded: (c) => {
        heard(() => ({ type: 'configurationAdded', configuration: { ...c } }));
        live(() => this.#add(engine, c, true));
      },
      configurationChanged: (c) => {
        heard(() => ({ type: 'configurationChanged', configuration: { ...c } }));
        live(() => this.#change(engine, c));
      },
      configurationRemoved: (identifier) => {
        heard(() => ({ type: 'configurationRemoved', identifier }));
        live(() => this.#remove(engine, identifier));
      },
      preferredConfiguration: (from, to, seamless) => {
        heard(() => ({ type: 'preferredConfiguration', from, to, seamless }));
        live(() => this.#host.preferred(from, to, seamless));
      },
      networkInformationChanged: () => {
        live(() => this.#refreshInformation());
        heard(() => ({ type: 'networkInformation', information: this.#information.current() }));
      },
      unavailable: () => {
        heard(() => ({ type: 'unavailable' }));
        live(() => this.#engineGone(engine));
      },
      available: (list) => {
        heard(() => ({ type: 'available', configurations: list.length }));
        live(() => this.#engineBack(engine, list));
      },
    };
  }

  /**
   * While an engine is away its configurations read as Undefined (unknown), but their links
   * are left as they were: open sessions ride through a restart of the platform service.
   */
  #engineGone(engine: Engine): void {
    if (this.#away.has(engine)) return;
    this.#away.add(engine);
    for (const record of this.#records.values()) {
      if (record.engine !== engine || record.state === 'Undefined') continue;
      record.state = 'Undefined';
      const handle = this.#handle(record);
      this.#queue.post(() => this.emit('configurationChanged', handle));
    }
    this.#deriveServiceNetworks(true);
    this.#updateOnline();
    this.#refreshInformation();
  }

  /** The engine is back with its complete list: reconcile, and let the links follow it. */
  #engineBack(engine: Engine, list: readonly EngineConfiguration[]): void {
    this.#away.delete(engine);
    const present = new Set(list.map((c) => c.identifier));
    for (const record of [...this.#records.values()]) {
      if (record.engine === engine && !present.has(record.identifier)) {
        this.#remove(engine, record.identifier);
      }
    }
    for (const c of list) {
      const record = this.#records.get(c.identifier);
      // A record shown as Undefined while away must be re-announced even if nothing changed.
      if (record?.engine === engine) record.state = 'Undefined';
      this.#change(engine, c);
    }
    this.#refreshInformation();
  }

  /** Engines that must poll poll only while someone listens or a session exists. */
  #updateWatching(): void {
    if (this.#disposed || !this.#host) return;
    const wanted = this.hasListeners() || this.#host.hasSessions;
    if (wanted === this.#watching) return;
    this.#watching = wanted;
    for (const engine of this.#engines) engine.watch?.(wanted);
  }

  #refreshInformation(): void {
    this.#information.refresh((event, ...args) =>
      this.#queue.post(() =>
        this.emit(event, ...(args as NetworkConfigurationManagerEvents[typeof event])),
      ),
    );
  }

  #add(engine: Engine, c: EngineConfiguration, announce: boolean): void {
    const existing = this.#records.get(c.identifier);
    if (existing) {
      if (existing.engine === engine) this.#change(engine, c);
      else
        process.emitWarning(`netbearer: engine ${engine.name} reused identifier ${c.identifier}`);
      return;
    }
    const record = new ConfigurationRecord(c.identifier, engine, c);
    this.#records.set(c.identifier, record);
    if (!announce) return;
    const handle = this.#handle(record);
    this.#queue.post(() => this.emit('configurationAdded', handle));
    this.#afterChange(record);
  }

  #change(engine: Engine, c: EngineConfiguration): void {
    const record = this.#records.get(c.identifier);
    if (!record || record.engine !== engine) {
      this.#add(engine, c, true);
      return;
    }
    const changed = record.update(c);
    if (record.type === 'ServiceNetwork') record.state = this.#serviceNetworkState(record);
    if (changed.any) {
      const handle = this.#handle(record);
      this.#queue.post(() => this.emit('configurationChanged', handle));
    }
    if (changed.usagePolicies) {
      for (const b of this.#host.bindings()) b.owner.usagePoliciesMayHaveChanged();
    }
    this.#afterChange(record);
  }

  #remove(engine: Engine, identifier: string): void {
    const record = this.#records.get(identifier);
    if (!record || record.engine !== engine) return;
    this.#records.delete(identifier);
    record.invalidate();
    const handle = this.#handle(record);
    this.#queue.post(() => this.emit('configurationRemoved', handle));
    this.#afterChange(record);
  }

  #afterChange(record: ConfigurationRecord): void {
    this.#deriveServiceNetworks(true);
    this.#host.observed(record);
    this.#updateOnline();
  }

  #updateOnline(): void {
    const online = this.#computeOnline();
    if (online === this.#online) return;
    this.#online = online;
    this.#queue.post(() => {
      this.#reportedOnline = online;
      this.emit('onlineStateChanged', online);
    });
  }

  #deriveServiceNetworks(announce: boolean): void {
    for (const record of this.#records.values()) {
      if (record.type !== 'ServiceNetwork' || !record.valid) continue;
      const state = this.#serviceNetworkState(record);
      if (state === record.state) continue;
      record.state = state;
      if (!announce) continue;
      const handle = this.#handle(record);
      this.#queue.post(() => this.emit('configurationChanged', handle));
    }
  }

  /** A service network is as far along as its furthest member; Defined with none in reach. */
  #serviceNetworkState(record: ConfigurationRecord): ConfigurationState {
    let best: ConfigurationState = 'Defined';
    for (const id of record.children) {
      const child = this.#records.get(id);
      if (!child?.valid) continue;
      if (child.state === 'Active') return 'Active';
      if (child.state === 'Discovered') best = 'Discovered';
    }
    return best;
  }

  #computeOnline(): boolean {
    for (const record of this.#records.values()) {
      if (record.valid && record.state === 'Active' && !record.virtual) {
        if (record.type === 'InternetAccessPoint') return true;
      }
    }
    return false;
  }

  #resolveUserChoice(): ConfigurationRecord | undefined {
    const records = [...this.#records.values()].filter((r) => r.type !== 'UserChoice');
    const ranked = rankDefault(records);
    const candidates = this.allConfigurations('Discovered').sort((a, b) =>
      a === (ranked && this.#handle(ranked)) ? -1 : b === (ranked && this.#handle(ranked)) ? 1 : 0,
    );
    const chosen = this.#choose ? this.#choose(candidates) : candidates[0];
    if (!chosen) return undefined;
    const record = recordOf(chosen);
    return record.valid && this.#records.get(record.identifier) === record ? record : undefined;
  }
}
