import { createGenericEngine } from '@netbearer/adapter-generic';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { createDemoWorld } from '@netbearer/adapter-simulated';
import {
  type Engine,
  EngineError,
  InvalidArgumentError,
  NetworkConfigurationManager,
  type NetworkConfigurationManagerOptions,
} from '@netbearer/core';

export const engineChoices = ['auto', 'networkmanager', 'generic', 'simulated'] as const;
export type EngineChoice = (typeof engineChoices)[number];

export interface CreateManagerOptions
  extends Partial<Omit<NetworkConfigurationManagerOptions, 'engines'>> {
  /**
   * Which engine: 'auto' (default) takes NetworkManager when its bus name answers and falls
   * back to 'generic'; 'simulated' is the demo world. Default: NETBEARER_ENGINE, else 'auto'.
   */
  readonly engine?: EngineChoice;
  /** The D-Bus system bus address for NetworkManager; default DBUS_SYSTEM_BUS_ADDRESS. */
  readonly busAddress?: string;
  /** Where NETBEARER_ENGINE is read from; default process.env (never written). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A manager on this machine's platform engine. Resolves once its configurations are listed;
 * `dispose()` it to let the process exit.
 */
export async function createManager(
  options: CreateManagerOptions = {},
): Promise<NetworkConfigurationManager> {
  const { engine: asked, busAddress, env = process.env, ...managerOptions } = options;
  const choice = engineChoice(asked ?? env.NETBEARER_ENGINE ?? 'auto');
  const create = (engine: Engine) =>
    NetworkConfigurationManager.create({ ...managerOptions, engines: [engine] });
  switch (choice) {
    case 'generic':
      return create(createGenericEngine());
    case 'simulated':
      return create(createDemoWorld().world.engine());
    case 'networkmanager':
      return create(networkManager(busAddress));
    case 'auto':
      try {
        return await create(networkManager(busAddress));
      } catch (error) {
        if (!(error instanceof EngineError) || error.kind !== 'EngineUnavailable') throw error;
        return create(createGenericEngine());
      }
  }
}

/** Checks a user's engine name; a clear error for anything else. */
export function engineChoice(name: string): EngineChoice {
  if ((engineChoices as readonly string[]).includes(name)) return name as EngineChoice;
  throw new InvalidArgumentError(
    `Unknown engine "${name}": use one of ${engineChoices.join(', ')}.`,
  );
}

function networkManager(busAddress: string | undefined): Engine {
  return createNetworkManagerEngine(busAddress === undefined ? {} : { busAddress });
}
