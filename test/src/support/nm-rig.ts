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
import { type EngineConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import type { MessageBus } from 'dbus-next';
import { afterAll } from 'vitest';
import { openBus } from './nm-dbus.js';
import { type NmSandbox, type NmSandboxOptions, startNmSandbox } from './nm-sandbox.js';
import { RecordingSink } from './recording-sink.js';

/** The identifier of a NetworkManager profile, as the engine names it: by its UUID. */
export const nmId = (uuid: string): string => `networkmanager:${uuid}`;

/** A signal for calls that are never aborted. */
export const noAbort = (): AbortSignal => new AbortController().signal;

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
  /** Starts an engine on the sandbox's bus, reporting to a new RecordingSink. */
  startEngine(
    options?: Omit<NetworkManagerEngineOptions, 'busAddress' | 'bus'>,
  ): Promise<StartedEngine>;
  /** A manager over one NetworkManager engine on the sandbox's bus. */
  createManager(): Promise<NetworkConfigurationManager>;
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

    async startEngine(options = {}) {
      const engine = createNetworkManagerEngine({ ...options, busAddress: sandbox().busAddress });
      cleanup.push(() => engine.dispose());
      const sink = new RecordingSink();
      const initial = await engine.start(sink);
      sink.seed(initial);
      return { engine, sink, initial };
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
