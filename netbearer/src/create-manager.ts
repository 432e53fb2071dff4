import { createGenericEngine } from '@netbearer/adapter-generic';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { createDemoWorld } from '@netbearer/adapter-simulated';
import {
  createProcessRunner,
  type Engine,
  EngineError,
  InvalidArgumentError,
  NetworkConfigurationManager,
  type NetworkConfigurationManagerOptions,
  type ProcessRunner,
} from '@netbearer/core';
import {
  defaultRunnerEngines,
  platformRunnerEngine,
  type RunnerEngineName,
  type RunnerEngines,
  runnerEngineNames,
} from './runner-engines.js';

const builtinEngineChoices = ['auto', 'networkmanager', 'generic', 'simulated'] as const;
export type EngineChoice = (typeof builtinEngineChoices)[number] | RunnerEngineName;

/** The engine names this build takes: the built-in ones and its runner-based engines. */
export const engineChoices: readonly EngineChoice[] = choicesOf(defaultRunnerEngines);

export interface CreateManagerOptions
  extends Partial<Omit<NetworkConfigurationManagerOptions, 'engines'>> {
  /**
   * Which engine: 'auto' (default) takes the platform's own — netsh on Windows, airport on
   * macOS (where this build has them), on Linux NetworkManager when its bus name answers,
   * else 'generic'; 'simulated' is the demo world. Default: NETBEARER_ENGINE, else 'auto'.
   */
  readonly engine?: EngineChoice;
  /** The D-Bus system bus address for NetworkManager; default DBUS_SYSTEM_BUS_ADDRESS. */
  readonly busAddress?: string;
  /** Where NETBEARER_ENGINE is read from; default process.env (never written). */
  readonly env?: NodeJS.ProcessEnv;
  /** The platform 'auto' picks for (a `process.platform` value); default this one. */
  readonly platform?: string;
  /**
   * Runs the engine's platform commands through this runner (a recording or a replay). The
   * engine must then be runner-based (netsh, airport): any other is an InvalidArgumentError,
   * never a silent fall-back to this machine's own network.
   */
  readonly runner?: ProcessRunner;
  /** The runner-based engines to choose from; default the ones this build has. */
  readonly runnerEngines?: RunnerEngines;
}

/**
 * A manager on this machine's platform engine. Resolves once its configurations are listed;
 * `dispose()` it to let the process exit. With NETBEARER_INSPECT=1 (or a port number) in the
 * environment it also serves the inspector on 127.0.0.1, prints its URL on stderr, and
 * closes it when the manager is disposed.
 */
export async function createManager(
  options: CreateManagerOptions = {},
): Promise<NetworkConfigurationManager> {
  const port = inspectPort(options.env ?? process.env);
  const manager = await createPlatformManager(options);
  if (port === undefined) return manager;
  try {
    const { startInspector } = await import('@netbearer/inspector');
    const inspector = await startInspector(manager, { port });
    process.stderr.write(`netbearer: inspector at ${inspector.url}\n`);
  } catch (error) {
    await manager.dispose();
    throw error;
  }
  return manager;
}

/** The port NETBEARER_INSPECT asks for (1: any free one), or undefined when it is off. */
export function inspectPort(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.NETBEARER_INSPECT;
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new InvalidArgumentError(
      `NETBEARER_INSPECT takes 1 (any free port) or a port number, not "${value}".`,
    );
  }
  return value === '1' ? 0 : Number(value);
}

async function createPlatformManager(
  options: CreateManagerOptions,
): Promise<NetworkConfigurationManager> {
  const {
    engine: asked,
    busAddress,
    env = process.env,
    platform = process.platform,
    runner,
    runnerEngines = defaultRunnerEngines,
    ...managerOptions
  } = options;
  // Any engine name is taken here: one this build lacks is refused below, saying so.
  const choice = knownEngineChoice(asked ?? env.NETBEARER_ENGINE ?? 'auto');
  const resolved = resolveEngine(choice, platform, runnerEngines);
  const create = (engine: Engine) =>
    NetworkConfigurationManager.create({ ...managerOptions, engines: [engine] });
  if (runner !== undefined && !isRunnerEngine(resolved)) {
    throw new InvalidArgumentError(notRunnerBased(resolved, platform, runnerEngines));
  }
  if (isRunnerEngine(resolved)) {
    const factory = runnerEngines[resolved];
    if (factory === undefined) {
      throw new InvalidArgumentError(`This build of netbearer has no ${resolved} engine.`);
    }
    return create(factory(runner ?? createProcessRunner()));
  }
  switch (resolved) {
    case 'generic':
      return create(createGenericEngine());
    case 'simulated':
      return create(createDemoWorld().world.engine());
    case 'networkmanager':
      return create(networkManager(busAddress));
    case 'networkmanager-or-generic':
      try {
        return await create(networkManager(busAddress));
      } catch (error) {
        if (!(error instanceof EngineError) || error.kind !== 'EngineUnavailable') throw error;
        return create(createGenericEngine());
      }
  }
}

/** Which engine a choice means on a platform; 'auto' on Linux tries NetworkManager first. */
export function resolveEngine(
  choice: EngineChoice,
  platform: string,
  runnerEngines: RunnerEngines = defaultRunnerEngines,
): Exclude<EngineChoice, 'auto'> | 'networkmanager-or-generic' {
  if (choice !== 'auto') return choice;
  const own = platformRunnerEngine[platform];
  if (own !== undefined) return runnerEngines[own] ? own : 'generic';
  return platform === 'linux' ? 'networkmanager-or-generic' : 'generic';
}

/** Checks a user's engine name; a clear error for anything else. */
export function engineChoice(
  name: string,
  runnerEngines: RunnerEngines = defaultRunnerEngines,
): EngineChoice {
  const choices = choicesOf(runnerEngines);
  if ((choices as readonly string[]).includes(name)) return name as EngineChoice;
  throw new InvalidArgumentError(`Unknown engine "${name}": use one of ${choices.join(', ')}.`);
}

/** Checks a name against every engine netbearer knows, whether this build has it or not. */
export function knownEngineChoice(name: string): EngineChoice {
  const all = Object.fromEntries(runnerEngineNames.map((n) => [n, unreachable]));
  return engineChoice(name, all);
}

function unreachable(): never {
  throw new Error('unreachable');
}

function choicesOf(runnerEngines: RunnerEngines): EngineChoice[] {
  return [...builtinEngineChoices, ...runnerEngineNames.filter((n) => runnerEngines[n])];
}

function isRunnerEngine(name: string): name is RunnerEngineName {
  return (runnerEngineNames as readonly string[]).includes(name);
}

function notRunnerBased(resolved: string, platform: string, runnerEngines: RunnerEngines) {
  const which =
    resolved === 'networkmanager-or-generic'
      ? `On ${platform} the engine is NetworkManager (else generic), which reads D-Bus and the interfaces`
      : `The ${resolved} engine reads ${resolved === 'networkmanager' ? 'D-Bus' : resolved === 'simulated' ? 'nothing but itself' : 'the interfaces'}`;
  const available = runnerEngineNames.filter((n) => runnerEngines[n]);
  return `${which}, not platform commands: it cannot be captured or replayed. Capture and replay work with the runner-based engines (${runnerEngineNames.join(' on Windows, ')} on macOS${available.length === 0 ? '; this build has neither yet' : `; this build has ${available.join(', ')}`}).`;
}

function networkManager(busAddress: string | undefined): Engine {
  return createNetworkManagerEngine(busAddress === undefined ? {} : { busAddress });
}
