/**
 * The NetworkManager engine: NetworkManager's saved profiles as configurations, kept current by
 * its D-Bus signals, brought up and down with ActivateConnection / DeactivateConnection.
 */
import {
  type Capability,
  type ConnectOptions,
  type ConnectOutcome,
  type DisconnectOptions,
  type DisconnectOutcome,
  type Engine,
  type EngineConfiguration,
  EngineError,
  type EngineSink,
  type NetworkInformation,
  type NetworkInformationFeature,
  type TrafficStatistics,
} from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { type ActivationContext, activate, deactivate } from './activation.js';
import { diffConfigurations } from './diff.js';
import { engineErrorFrom } from './errors.js';
import { Holds, type HoldsContext } from './holds.js';
import { engineName } from './identifiers.js';
import { type MirrorListener, NmMirror } from './mirror.js';
import { buildModel, type Model } from './model.js';
import {
  networkInformationOf,
  sameInformation,
  supportedFeatures,
  unknownInformation,
} from './network-information.js';
import { Reconnector } from './reconnect.js';
import { type RoamingOffer, roamingOffers } from './roaming.js';
import { absentSnapshot, type NmSnapshot, type SnapshotReading } from './snapshot.js';
import { type StatisticsContext, StatisticsRefresh } from './statistics.js';
import { Waiters } from './waiters.js';
import { requestScans } from './wifi-scan.js';

export interface NetworkManagerEngineOptions {
  /** D-Bus address; default: DBUS_SYSTEM_BUS_ADDRESS, else the system bus socket. */
  readonly busAddress?: string;
  /**
   * A dbus-next connection the caller opened and keeps (e.g. to share one connection with its
   * own subscribers). The engine then uses it instead of opening one (`busAddress` is ignored),
   * and `dispose()` removes the engine's match rules and listeners from it but leaves it
   * connected: closing it is the caller's business. If it closes while the engine runs (closed
   * by the caller, or the bus daemon went away), the engine cannot reopen a connection it does
   * not own: it reports `unavailable` (saying so) and stays unavailable until disposed; a
   * connection of the engine's own is reopened with back-off instead.
   */
  readonly bus?: MessageBus;
  /** Device.Statistics RefreshRateMs while statistics are being read (default 1000). */
  readonly statisticsRefreshMs?: number;
  /** How long refreshing continues after the last statistics() call (default 10 s). */
  readonly statisticsLeaseMs?: number;
  /**
   * The directory of the holds registry that every netbearer process of the user shares
   * (SystemSessionSupport); default `$XDG_RUNTIME_DIR/netbearer/holds`, else
   * `/tmp/netbearer-<uid>/holds`. Created 0700; one that is not safe (another owner, a
   * symlink, writable by others) is refused, and the engine then counts holders in this
   * process only and does not offer SystemSessionSupport.
   */
  readonly holdsDirectory?: string;
}

const systemBusAddress = 'unix:path=/var/run/dbus/system_bus_socket';
const leftTheBus = 'NetworkManager left the bus';

const engineCapabilities: readonly Capability[] = [
  'CanStartAndStopInterfaces',
  'ApplicationLevelRoaming',
  'ForcedRoaming',
  'DataStatistics',
];

export function createNetworkManagerEngine(
  options: NetworkManagerEngineOptions = {},
): NetworkManagerEngine {
  return new NetworkManagerEngine(options);
}

export class NetworkManagerEngine implements Engine {
  readonly name = engineName;
  /** The address connected to; with a caller's `bus`, 'caller-provided'. */
  readonly busAddress: string;
  readonly #bus: MessageBus | undefined;
  readonly #waiters = new Waiters();
  readonly #statistics: StatisticsRefresh;
  readonly #activeSince = new Map<string, number>();
  readonly #warned = new Set<string>();
  readonly #holds: Holds;
  #mirror: NmMirror | null = null;
  /** The mirror whose events count: a replaced or half-opened one's are ignored. */
  #current: MirrorListener | null = null;
  /** Reopens a connection of the engine's own that was lost; a timer only while it waits. */
  readonly #reconnector = new Reconnector(() => this.#reconnect());
  /** The reconnection attempt under way, for dispose() to abort. */
  #reconnecting: AbortController | null = null;
  #sink: EngineSink | null = null;
  #snapshot: NmSnapshot = absentSnapshot([]);
  #model: Model = buildModel(this.#snapshot);
  #published = new Map<string, EngineConfiguration>();
  #information: NetworkInformation = unknownInformation;
  /**
   * NetworkManager is gone (or back but still starting) and the sink was told `unavailable`;
   * nothing is published until `available`. The information the sink knew before is kept to
   * tell whether it changed across the outage.
   */
  #away: { readonly information: NetworkInformation } | null = null;
  #started = false;
  #disposed = false;

  constructor(options: NetworkManagerEngineOptions = {}) {
    this.#bus = options.bus;
    this.busAddress = options.bus
      ? 'caller-provided'
      : options.busAddress || process.env.DBUS_SYSTEM_BUS_ADDRESS || systemBusAddress;
    this.#holds = new Holds(this.#holdsContext(), {
      directory: options.holdsDirectory,
      warn: (message) => this.#warn(message),
    });
    this.#statistics = new StatisticsRefresh(this.#statisticsContext(), {
      refreshMs: options.statisticsRefreshMs ?? 1000,
      leaseMs: options.statisticsLeaseMs ?? 10_000,
    });
  }

  capabilities(): readonly Capability[] {
    return this.#holds.shared
      ? [...engineCapabilities, 'SystemSessionSupport']
      : engineCapabilities;
  }

  /** The holds registry this engine shares with the user's other netbearer processes. */
  get holdsDirectory(): string | null {
    return this.#holds.directory;
  }

  async start(sink: EngineSink): Promise<readonly EngineConfiguration[]> {
    if (this.#started) {
      throw new EngineError(
        'OperationNotSupported',
        'The NetworkManager engine was already started.',
      );
    }
    this.#started = true;
    let mirror: NmMirror;
    try {
      mirror = await this.#open();
    } catch (error) {
      this.#started = false;
      throw error;
    }
    this.#mirror = mirror;
    this.#adopt(this.#read());
    this.#sink = sink;
    return [...this.#published.values()];
  }

  async requestUpdate(): Promise<void> {
    const mirror = this.#live();
    await requestScans(this.#context(), this.#waiters);
    try {
      await mirror.reload();
    } catch (error) {
      throw engineErrorFrom(error, 'EngineUnavailable', 'Re-reading NetworkManager failed');
    }
    this.#flush();
  }

  async connect(identifier: string, options: ConnectOptions): Promise<ConnectOutcome> {
    this.#live();
    const { signal } = options;
    return this.#holds.connect(identifier, signal, (hooks) =>
      activate(this.#context(), identifier, signal, hooks, {
        background: options.background === true,
      }),
    );
  }

  /** `release` goes through the shared count; `stop` takes the link down for everyone. */
  async disconnect(identifier: string, options: DisconnectOptions): Promise<DisconnectOutcome> {
    this.#live();
    const { signal } = options;
    if (options.mode === 'release') return this.#holds.release(identifier, signal);
    return this.#holds.stop(identifier, () => deactivate(this.#context(), identifier, signal));
  }

  /** Counts this process on a link that is up already; never throws (core calls it in an action). */
  claim(identifier: string): void {
    if (this.#disposed || !this.#mirror) return;
    try {
      this.#holds.claim(identifier);
    } catch (error) {
      this.#warn(`claim: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  statistics(identifier: string): TrafficStatistics | undefined {
    return this.#disposed ? undefined : this.#statistics.read(identifier);
  }

  activeSince(identifier: string): number | undefined {
    return this.#activeSince.get(identifier);
  }

  defaultConfiguration(): string | null {
    return this.#model.defaultIdentifier;
  }

  supportedFeatures(): readonly NetworkInformationFeature[] {
    return supportedFeatures;
  }

  networkInformation(): NetworkInformation {
    return this.#information;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#reconnector.stop();
    this.#reconnecting?.abort();
    // This process's holds vanish without taking anything down, as if it had exited.
    this.#holds.dispose();
    this.#waiters.failAll(
      () => new EngineError('EngineUnavailable', 'The NetworkManager engine was disposed.'),
    );
    // Give shared RefreshRateMs settings back, but never let a stuck bus hold up the exit.
    if (this.#mirror?.present) await settledWithin(this.#statistics.restoreAll(), 2_000);
    // A caller's connection stays open; the mirror takes back its match rules (bounded).
    await this.#mirror?.close();
    this.#sink = null;
  }

  async #open(): Promise<NmMirror> {
    const listener = this.#listener();
    let mirror: NmMirror;
    try {
      mirror = await NmMirror.open(this.#bus ?? this.busAddress, listener);
    } catch (error) {
      throw unavailable(error, this.#where());
    }
    if (this.#disposed || !mirror.present) {
      await mirror.close();
      throw new EngineError(
        'EngineUnavailable',
        `NetworkManager went away while starting (${this.#where()}).`,
      );
    }
    this.#current = listener;
    return mirror;
  }

  /** What a mirror reports; heard only while that mirror is the engine's current one. */
  #listener(): MirrorListener {
    const listener: MirrorListener = {
      changed: () => {
        if (this.#current === listener) this.#flush();
      },
      presence: (present) => {
        if (this.#current === listener) this.#flush(present ? undefined : leftTheBus);
      },
      closed: (error) => {
        if (this.#current === listener) this.#lost(error);
      },
      problem: (error) => this.#warn(error.message),
    };
    return listener;
  }

  /**
   * The D-Bus connection itself is gone (the bus daemon restarted, the socket dropped): the
   * sink hears `unavailable` once. A connection of the engine's own is reopened with back-off
   * (reconnect.ts); the caller's (`bus`) cannot be, and the engine stays unavailable.
   */
  #lost(error: Error): void {
    const closed = `The D-Bus connection was closed: ${error.message}`;
    this.#flush(
      this.#bus
        ? `${closed} It is the caller-provided connection (the bus option), which the engine cannot reopen: it stays unavailable until disposed.`
        : `${closed} Reconnecting to ${this.busAddress} with back-off.`,
    );
    if (!this.#bus) this.#reconnector.lost();
  }

  /**
   * One reconnection attempt: a new connection to the same address, subscribed before it looks.
   * NetworkManager need not be on the new bus yet: its NameOwnerChanged brings `available`
   * (once it has finished starting), signal-driven. Resolves whether the bus answered.
   */
  async #reconnect(): Promise<boolean> {
    if (this.#disposed) return true;
    const attempt = new AbortController();
    this.#reconnecting = attempt;
    const listener = this.#listener();
    let mirror: NmMirror;
    try {
      mirror = await NmMirror.open(this.busAddress, listener, {
        allowAbsent: true,
        signal: attempt.signal,
      });
    } catch {
      return false;
    } finally {
      this.#reconnecting = null;
    }
    if (this.#disposed) {
      await mirror.close();
      return true;
    }
    const old = this.#mirror;
    this.#mirror = mirror;
    this.#current = listener;
    void old?.close();
    this.#flush();
    return true;
  }

  #where(): string {
    return this.#bus
      ? 'the caller-provided D-Bus connection'
      : `the D-Bus bus at ${this.busAddress}`;
  }

  #live(): NmMirror {
    if (this.#disposed)
      throw new EngineError('EngineUnavailable', 'The NetworkManager engine was disposed.');
    if (!this.#mirror)
      throw new EngineError('EngineUnavailable', 'The NetworkManager engine was not started.');
    return this.#mirror;
  }

  #read(): SnapshotReading {
    const reading = this.#mirror?.snapshot() ?? { snapshot: absentSnapshot([]), problems: [] };
    for (const problem of reading.problems) this.#warn(problem.message);
    return reading;
  }

  /** Takes a picture as the published one, without telling the sink. */
  #adopt(reading: SnapshotReading): { previous: Model; information: NetworkInformation } {
    const previous = this.#model;
    const information = this.#information;
    this.#snapshot = reading.snapshot;
    this.#model = buildModel(reading.snapshot);
    this.#published = new Map(
      [...this.#model.entries].map(([id, entry]) => [id, entry.configuration]),
    );
    this.#information = networkInformationOf(reading.snapshot);
    this.#trackActiveSince(previous);
    return { previous, information };
  }

  /**
   * Settles waits, then publishes what changed since the last flush, in a stable order; or,
   * across a NetworkManager outage, `unavailable` once and `available` with the full list.
   */
  #flush(reason = leftTheBus): void {
    const sink = this.#sink;
    if (this.#disposed || !sink) return;
    const reading = this.#read();
    if (!reading.snapshot.present) this.#gone(sink, reading, reason);
    else if (this.#away) this.#back(sink, reading);
    else this.#publish(sink, reading);
    this.#statistics.changed();
  }

  #publish(sink: EngineSink, reading: SnapshotReading): void {
    const before = this.#published;
    const { previous, information } = this.#adopt(reading);
    const diff = diffConfigurations(before, this.#published);
    const offers = roamingOffers(previous, this.#model);
    // Settle waits first: a sink listener that reacts to "Active" by aborting the connect it
    // no longer needs (core's link machine does) must not make us roll the link back.
    this.#waiters.checkAll();
    this.#holds.settle(this.#snapshot);
    for (const c of diff.added) this.#tell(() => sink.configurationAdded(c));
    for (const c of diff.changed) this.#tell(() => sink.configurationChanged(c));
    for (const id of diff.removed) this.#tell(() => sink.configurationRemoved(id));
    for (const offer of offers) this.#tell(() => this.#offer(sink, offer));
    if (!sameInformation(information, this.#information)) {
      const now = this.#information;
      this.#tell(() => sink.networkInformationChanged(now));
    }
  }

  /**
   * NetworkManager left: pending waits fail (EngineUnavailable), and the sink hears
   * `unavailable` once — not a Defined for every configuration, since NetworkManager leaves
   * the links up and re-assumes them when it is back.
   */
  #gone(sink: EngineSink, reading: SnapshotReading, reason: string): void {
    const { information } = this.#adopt(reading);
    this.#waiters.checkAll();
    if (this.#away) return;
    this.#away = { information };
    this.#tell(() => sink.unavailable(reason));
  }

  /**
   * A new NetworkManager is on the bus and loaded. Until it has finished starting (its
   * Startup property) it is still re-assuming links and would show them half way up, so the
   * engine stays unavailable; then the sink gets the complete list, and core reconciles it.
   */
  #back(sink: EngineSink, reading: SnapshotReading): void {
    const away = this.#away;
    if (!away || reading.snapshot.manager?.startup) return;
    this.#away = null;
    this.#adopt(reading);
    this.#holds.reassumed(this.#snapshot);
    this.#waiters.checkAll();
    const list = [...this.#published.values()];
    this.#tell(() => sink.available(list));
    if (!sameInformation(away.information, this.#information)) {
      const now = this.#information;
      this.#tell(() => sink.networkInformationChanged(now));
    }
  }

  #offer(sink: EngineSink, offer: RoamingOffer): void {
    sink.preferredConfiguration(offer.from, offer.to, offer.seamless);
  }

  /**
   * Only a rise seen live has a known time: one already up at start has none, and one that
   * NetworkManager re-assumes after a restart keeps the time it had.
   */
  #trackActiveSince(previous: Model): void {
    if (!this.#model.present) return;
    for (const [id, entry] of this.#model.entries) {
      if (entry.configuration.state !== 'Active') this.#activeSince.delete(id);
      else if (!this.#activeSince.has(id) && previous.present && this.#sink) {
        if (previous.entries.get(id)?.configuration.state !== 'Active')
          this.#activeSince.set(id, Date.now());
      }
    }
  }

  /** A throwing listener must not stop the engine from following NetworkManager. */
  #tell(deliver: () => void): void {
    try {
      deliver();
    } catch (error) {
      this.#warn(
        `a sink listener threw: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #warn(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    process.emitWarning(`netbearer networkmanager: ${message}`);
  }

  /**
   * Statistics may still call NetworkManager while dispose() runs: giving back the shared
   * RefreshRateMs is the last thing the engine does on the bus.
   */
  #statisticsContext(): StatisticsContext {
    return {
      published: () => this.#snapshot,
      call: (path, iface, member, signature, body) => {
        const mirror = this.#mirror;
        if (!mirror)
          throw new EngineError('EngineUnavailable', 'The NetworkManager engine was not started.');
        return mirror.call(path, iface, member, signature, body);
      },
    };
  }

  #holdsContext(): HoldsContext {
    return {
      ...this.#context(),
      scope: () => ({ bus: this.#mirror?.busId ?? '', owner: this.#mirror?.owner ?? null }),
    };
  }

  #context(): ActivationContext {
    return {
      published: () => this.#snapshot,
      call: (path, iface, member, signature, body) => {
        const mirror = this.#live();
        return mirror.call(path, iface, member, signature, body);
      },
      activeReason: (path) => this.#mirror?.activeReason(path),
      deviceFailure: (path) => this.#mirror?.deviceFailure(path),
      activeGone: (path) => this.#mirror?.activeGone(path) ?? false,
      waiters: this.#waiters,
    };
  }
}

function unavailable(error: unknown, where: string): EngineError {
  const name = (error as { errorName?: unknown })?.errorName;
  if (
    name === 'org.freedesktop.DBus.Error.NameHasNoOwner' ||
    name === 'org.freedesktop.DBus.Error.ServiceUnknown'
  ) {
    return new EngineError('EngineUnavailable', `NetworkManager is not running on ${where}.`, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new EngineError(
    'EngineUnavailable',
    `Cannot reach NetworkManager on ${where}: ${detail}`,
    {
      cause: error,
    },
  );
}

function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });
}
