/**
 * What the NetworkManager suites set up in every describe block: a sandbox, an administrator's
 * D-Bus connection to it (profiles are added through it), and the engines and managers the block
 * starts on it. Everything started through the rig is let go after the block's tests, the last
 * started first, even when the set-up failed half-way. (nm-sandbox.ts itself stays free of
 * vitest: the benchmarks start sandboxes too.)
 */
import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
  type NetworkManagerEngineOptions,
} from '@netbearer/adapter-networkmanager';
import {
  type EngineConfiguration,
  type NetworkConfiguration,
  NetworkConfigurationManager,
} from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { afterAll } from 'vitest';
import { addEthernetProfile, openBus } from './nm-dbus.js';
import { type NmSandbox, type NmSandboxOptions, startNmSandbox } from './nm-sandbox.js';
import { RecordingSink } from './recording-sink.js';
import { waitUntil } from './wait.js';

/** The identifier of a NetworkManager profile, as the engine names it: by its UUID. */
export const nmId = (uuid: string): string => `networkmanager:${uuid}`;

/** A signal for calls that are never aborted. */
export const noAbort = (): AbortSignal => new AbortController().signal;

/** Generous: the whole suite runs in parallel on 2 cores. Every wait ends on its condition. */
export const slowly = { timeoutMs: 25_000 };

export interface StartedEngine {
  readonly engine: NetworkManagerEngine;
  /** Records what the engine reports; seeded with the list `start` resolved with. */
  readonly sink: RecordingSink;
  /** The list `start` resolved with. */
  readonly initial: readonly EngineConfiguration[];
}

export interface NmRig {
  /** Starts the block's sandbox, and opens an administrator's bus on it. */
  start(options?: NmSandboxOptions): Promise<{ sandbox: NmSandbox; bus: MessageBus }>;
  /**
   * Starts the block's sandbox with an Ethernet profile for each entry of `profiles` (its name:
   * the index of its link, or an interface name the sandbox does not have), added in order
   * through an administrator's bus that is closed again. Resolves with their uuids by name.
   */
  startWithProfiles<N extends string>(
    options: NmSandboxOptions,
    profiles: Readonly<Record<N, number | string>>,
  ): Promise<{ sandbox: NmSandbox; uuids: Readonly<Record<N, string>> }>;
  /** Starts an engine on the sandbox's bus, reporting to a new RecordingSink. */
  startEngine(
    options?: Omit<NetworkManagerEngineOptions, 'busAddress' | 'bus'>,
  ): Promise<StartedEngine>;
  /** A manager over one NetworkManager engine on the sandbox's bus. */
  createManager(): Promise<NetworkConfigurationManager>;
  /**
   * Two links, a profile on each, the second preferred (autoconnect-priority 10 over 0) and
   * unplugged: plugging it in offers sessions on the first a roam. Starts the sandbox.
   */
  startPreferredPair(names: {
    readonly low: string;
    readonly high: string;
  }): Promise<PreferredPair>;
}

export interface PreferredPair {
  readonly sandbox: NmSandbox;
  readonly manager: NetworkConfigurationManager;
  readonly low: NetworkConfiguration;
  readonly high: NetworkConfiguration;
}

/** Call in a describe block; `start` in its beforeAll. */
export function useNmSandbox(): NmRig {
  const cleanup: Array<() => unknown> = [];
  let started: NmSandbox | undefined;
  const sandbox = () => {
    if (!started) throw new Error('start the sandbox first');
    return started;
  };

  afterAll(async () => {
    started = undefined;
    let failure: unknown;
    for (const step of cleanup.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure) throw failure;
  }, 30_000);

  return {
    async start(options = {}) {
      const sb = await startNmSandbox(options);
      started = sb;
      cleanup.push(() => sb.stop());
      const bus = openBus(sb.busAddress);
      cleanup.push(() => bus.disconnect());
      return { sandbox: sb, bus };
    },

    async startWithProfiles<N extends string>(
      options: NmSandboxOptions,
      profiles: Readonly<Record<N, number | string>>,
    ) {
      const { sandbox: sb, bus } = await this.start(options);
      const uuids = {} as Record<N, string>;
      for (const [name, link] of Object.entries(profiles) as [N, number | string][]) {
        const interfaceName = typeof link === 'number' ? sb.linkName(link) : link;
        uuids[name] = await addEthernetProfile(bus, { name, interfaceName });
      }
      bus.disconnect();
      return { sandbox: sb, uuids };
    },

    async startEngine(options = {}) {
      const engine = createNetworkManagerEngine({ ...options, busAddress: sandbox().busAddress });
      cleanup.push(() => engine.dispose());
      const sink = new RecordingSink();
      const initial = await engine.start(sink);
      sink.seed(initial);
      return { engine, sink, initial };
    },

    async startPreferredPair(names) {
      const { sandbox: sb, bus } = await this.start({ links: 2 });
      const [lowUuid, highUuid] = [
        await addEthernetProfile(bus, {
          name: names.low,
          interfaceName: sb.linkName(0),
          priority: 0,
        }),
        await addEthernetProfile(bus, {
          name: names.high,
          interfaceName: sb.linkName(1),
          priority: 10,
        }),
      ];
      bus.disconnect();
      await sb.linkDown(1);
      const manager = await this.createManager();
      const high = manager.configurationFromIdentifier(nmId(highUuid));
      await waitUntil(() => high.state() === 'Defined', 'the unplugged link to read Defined', {
        timeoutMs: 10_000,
      });
      return {
        sandbox: sb,
        manager,
        low: manager.configurationFromIdentifier(nmId(lowUuid)),
        high,
      };
    },

    async createManager() {
      const manager = await NetworkConfigurationManager.create({
        engines: [createNetworkManagerEngine({ busAddress: sandbox().busAddress })],
      });
      cleanup.push(() => manager.dispose());
      return manager;
    },
  };
}
