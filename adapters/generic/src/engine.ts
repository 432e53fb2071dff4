import {
  type Capability,
  type Engine,
  type EngineConfiguration,
  EngineError,
  type EngineSink,
  type NetworkInformationFeature,
  type TrafficStatistics,
} from '@netbearer/core';
import { identifierOf } from './classify.js';
import { byIdentifier, type ConfigurationMap, reportDifferences } from './diff.js';
import {
  chooseMethod,
  type InventoryMethod,
  type InventorySource,
  isLinuxLike,
  takeInventory,
} from './inventory.js';
import { type GenericEngineOptions, resolveOptions, type WatchMode } from './options.js';
import { readDefaultRoutesSync } from './routes.js';
import { readLinkStatistics } from './sysfs.js';
import { ChangeWatcher, type WatcherOptions, type WatchKind } from './watcher.js';

/** The generic engine, plus what it is watching with (for diagnostics and tests). */
export interface GenericEngine extends Engine {
  readonly watching: WatchKind;
}

type Phase = 'new' | 'starting' | 'started' | 'disposed';

class Generic implements GenericEngine {
  readonly name = 'generic';
  readonly #source: InventorySource;
  readonly #watchMode: WatchMode;
  readonly #watcherOptions: WatcherOptions;
  #method: InventoryMethod;
  #phase: Phase = 'new';
  #sink: EngineSink | undefined;
  #current: ConfigurationMap = new Map();
  #defaultInterface: string | undefined;
  #watcher: ChangeWatcher | undefined;
  #running: Promise<boolean> | undefined;
  /** Until core says otherwise, someone listens: the sink given to start(). */
  #listened = true;
  /** The watcher begins on the turn after start(), so core's watch(false) comes first. */
  #begin: NodeJS.Immediate | undefined;
  #queued: Promise<boolean> | undefined;
  /** When the last reading completed (performance.now()). */
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(source: InventorySource, watchMode: WatchMode, watcher: WatcherOptions) {
    this.#source = source;
    this.#watchMode = watchMode;
    this.#watcherOptions = watcher;
    this.#method = isLinuxLike(source.platform) ? 'sysfs' : 'interfaces';
  }

  get watching(): WatchKind {
    return this.#watcher?.kind ?? 'none';
  }

  /**
   * Core says whether anyone listens: the monitor (or polling where there is none) runs only
   * then. With nobody listening nothing runs; `requestUpdate()` reads again, and so does a
   * read of `defaultConfiguration()` or `statistics()` once the last reading is stale.
   */
  watch(active: boolean): void {
    this.#listened = active;
    if (this.#phase === 'started') this.#watcher?.listen(active, this.#stale());
  }

  /** Counters come from sysfs; interfaces cannot be started or stopped from here. */
  capabilities(): readonly Capability[] {
    return this.#method === 'sysfs' ? ['DataStatistics'] : [];
  }

  async start(sink: EngineSink): Promise<readonly EngineConfiguration[]> {
    if (this.#phase !== 'new') {
      const why = this.#phase === 'disposed' ? 'it was disposed' : 'it was already started';
      throw new EngineError('EngineUnavailable', `The generic engine cannot start: ${why}.`);
    }
    this.#phase = 'starting';
    this.#method = await chooseMethod(this.#source);
    // Runs nothing yet. Once it does, its first reading (the monitor's settling reading, or
    // the first poll) also catches a change made during this one.
    const watcher = ChangeWatcher.create(
      this.#effectiveWatchMode(),
      () => this.#refresh(),
      this.#watcherOptions,
    );
    this.#watcher = watcher;
    try {
      this.#assertLive();
      await this.#refresh();
      this.#assertLive();
    } catch (error) {
      await watcher.stop();
      throw error;
    }
    this.#phase = 'started';
    this.#sink = sink;
    // Core tells whether anyone listens as soon as every engine has started: a monitor
    // spawned now would mostly be killed at once.
    this.#begin = setImmediate(() => {
      this.#begin = undefined;
      if (this.#phase === 'started') watcher.listen(this.#listened, this.#stale());
    });
    return [...this.#current.values()];
  }

  /** Re-reads the machine and reports what changed; resolves once the sink has heard it. */
  async requestUpdate(): Promise<void> {
    if (this.#phase !== 'started') {
      throw new EngineError(
        'EngineUnavailable',
        `The generic engine is not running: ${this.#phase}.`,
      );
    }
    await this.#refresh();
  }

  async connect(identifier: string): Promise<never> {
    throw notSupported('bring up', identifier);
  }

  async disconnect(identifier: string): Promise<never> {
    throw notSupported('take down', identifier);
  }

  statistics(identifier: string): TrafficStatistics | undefined {
    this.#readIfStale();
    const configuration = this.#current.get(identifier);
    if (this.#method !== 'sysfs' || !configuration) return undefined;
    return readLinkStatistics(this.#source.sysfsRoot, configuration.name);
  }

  /** The best default route's interface: as of the last reading, or read now if that is stale. */
  defaultConfiguration(): string | null {
    let name = this.#defaultInterface;
    if (this.#readIfStale() && isLinuxLike(this.#source.platform)) {
      const named = new Set([...this.#current.values()].map((c) => c.name));
      name = readDefaultRoutesSync(this.#source.procNetRoot).interfaces.find((n) => named.has(n));
    }
    return name === undefined ? null : identifierOf(name);
  }

  /** Interfaces and addresses say nothing true about reachability, portals or metering. */
  supportedFeatures(): readonly NetworkInformationFeature[] {
    return [];
  }

  async dispose(): Promise<void> {
    this.#phase = 'disposed';
    this.#sink = undefined;
    clearImmediate(this.#begin);
    this.#begin = undefined;
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.stop();
  }

  // Elsewhere `ip`, if there is one at all, has no monitor (iproute2mac) or is something else.
  #effectiveWatchMode(): WatchMode {
    if (this.#watchMode === 'auto' && !isLinuxLike(this.#source.platform)) return 'poll';
    return this.#watchMode;
  }

  /**
   * With nothing watching (nobody listens) the last reading ages: when older than the
   * debounce, start another one, whose differences reach core as any change would. Says
   * whether the last reading was stale. `watch: false` means only requestUpdate() reads.
   */
  #readIfStale(): boolean {
    if (this.#phase !== 'started' || this.#effectiveWatchMode() === 'none') return false;
    if (this.#watcher?.kind !== 'none' || this.#begin !== undefined) return false;
    if (!this.#stale()) return false;
    if (!this.#running) void this.#refresh().catch(() => false);
    return true;
  }

  /** The last reading is older than a burst of kernel events would be gathered for. */
  #stale(): boolean {
    return performance.now() - this.#readAt > this.#watcherOptions.debounceMs;
  }

  #assertLive(): void {
    if (this.#phase === 'disposed') {
      throw new EngineError('EngineUnavailable', 'The generic engine was disposed while starting.');
    }
  }

  /** One reading at a time; a call during a reading gets the next one, shared by all callers. */
  #refresh(): Promise<boolean> {
    if (this.#running) {
      this.#queued ??= this.#running
        .catch(() => false)
        .then(() => {
          this.#queued = undefined;
          return this.#refresh();
        });
      return this.#queued;
    }
    const run: Promise<boolean> = this.#read().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #read(): Promise<boolean> {
    const inventory = await takeInventory(this.#source, this.#method).catch((error: unknown) => {
      throw new EngineError(
        'InterfaceLookupError',
        `Cannot list the network interfaces in ${this.#source.sysfsRoot}: ${describe(error)}`,
        { cause: error },
      );
    });
    if (this.#phase === 'disposed') return false;
    this.#readAt = performance.now();
    const before = this.#current;
    this.#current = byIdentifier(inventory.configurations);
    this.#defaultInterface = inventory.defaultInterface;
    return reportDifferences(before, this.#current, this.#sink);
  }
}

function notSupported(action: string, identifier: string): EngineError {
  return new EngineError(
    'OperationNotSupported',
    `The generic engine cannot ${action} ${JSON.stringify(identifier)}: it only observes ` +
      'interfaces; the system brings them up and down.',
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The generic engine: every network interface of the machine as an access point. */
export function createGenericEngine(options: GenericEngineOptions = {}): GenericEngine {
  const { source, watchMode, watcher } = resolveOptions(options);
  return new Generic(source, watchMode, watcher);
}
