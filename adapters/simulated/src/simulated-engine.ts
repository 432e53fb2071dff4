import {
  type Capability,
  type ConnectOptions,
  type ConnectOutcome,
  type DisconnectOptions,
  type DisconnectOutcome,
  type Engine,
  type EngineConfiguration,
  type EngineSink,
  type NetworkInformation,
  type NetworkInformationFeature,
  networkInformationFeatures,
  type TrafficStatistics,
} from '@netbearer/core';
import type { SimulatedWorld } from './simulated-world.js';

/** One process's view of a simulated world. */
export class SimulatedEngine implements Engine {
  #sink: EngineSink | undefined;
  readonly #queue: Array<() => void> = [];
  #flushing = false;
  #disposed = false;

  constructor(
    readonly world: SimulatedWorld,
    readonly name: string,
  ) {}

  capabilities(): readonly Capability[] {
    return this.world.capabilities;
  }

  async start(sink: EngineSink): Promise<readonly EngineConfiguration[]> {
    this.#sink = sink;
    return this.world.attach(this);
  }

  requestUpdate(): Promise<void> {
    return this.world.update();
  }

  connect(identifier: string, options: ConnectOptions): Promise<ConnectOutcome> {
    return this.world.connect(this, identifier, options.signal);
  }

  disconnect(identifier: string, options: DisconnectOptions): Promise<DisconnectOutcome> {
    return this.world.disconnect(this, identifier, options.mode, options.signal);
  }

  claim(identifier: string): void {
    this.world.claim(this, identifier);
  }

  statistics(identifier: string): TrafficStatistics | undefined {
    return this.world.statistics(identifier);
  }

  activeSince(identifier: string): number | undefined {
    return this.world.activeSince(identifier);
  }

  defaultConfiguration(): string | null {
    return this.world.defaultIdentifier();
  }

  supportedFeatures(): readonly NetworkInformationFeature[] {
    return this.world.information() ? networkInformationFeatures : [];
  }

  networkInformation(): NetworkInformation {
    return (
      this.world.information() ?? {
        reachability: 'Unknown',
        behindCaptivePortal: false,
        transportMedium: 'Unknown',
        metered: false,
      }
    );
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#queue.length = 0;
    this.world.detach(this);
  }

  /** @internal The world changed; tell core on a later microtask, in order. */
  notify(kind: 'added' | 'changed' | 'removed', identifier: string): void {
    this.#post(() => {
      if (kind === 'removed') return this.#sink?.configurationRemoved(identifier);
      // Describe at delivery time: a later change in the same tick is reported once more.
      const description = this.world.describe(identifier);
      if (!description) return;
      if (kind === 'added') this.#sink?.configurationAdded(description);
      else this.#sink?.configurationChanged(description);
    });
  }

  /** @internal */
  notifyUnavailable(): void {
    this.#post(() => this.#sink?.unavailable('The simulated network service is down.'));
  }

  /** @internal */
  notifyAvailable(): void {
    this.#post(() => {
      const list = this.world.identifiers().map((id) => this.world.describe(id)!);
      this.#sink?.available(list);
    });
  }

  /** @internal */
  notifyPreferred(from: string, to: string, seamless: boolean): void {
    this.#post(() => this.#sink?.preferredConfiguration(from, to, seamless));
  }

  /** @internal */
  notifyInformation(information: NetworkInformation): void {
    this.#post(() => this.#sink?.networkInformationChanged(information));
  }

  #post(task: () => void): void {
    if (this.#disposed || !this.#sink) return;
    this.#queue.push(task);
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      for (let i = 0; i < this.#queue.length; i++) this.#queue[i]!();
      this.#queue.length = 0;
      this.#flushing = false;
    });
  }
}
