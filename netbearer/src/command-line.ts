import { parseArgs } from 'node:util';
import { createDemoWorld } from '@netbearer/adapter-simulated';
import {
  InvalidArgumentError,
  NetworkConfigurationManager as Manager,
  NetBearerError,
  type NetworkConfigurationManager,
  type ProcessRunner,
} from '@netbearer/core';
import { type Redaction, redactions } from './capture/bundle-format.js';
import { readBundle } from './capture/bundle-reader.js';
import { createReplayRunner, type ReplayRunner } from './capture/replay-runner.js';
import { captureCommand } from './commands/capture.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand } from './commands/list.js';
import { openCommand } from './commands/open.js';
import { watchCommand } from './commands/watch.js';
import { type CreateManagerOptions, createManager, knownEngineChoice } from './create-manager.js';
import { getCommand } from './get/get-command.js';
import { type GetFlags, GetUsageError, getFlagSpec, getOptions } from './get/get-options.js';
import { isRunnerEngineName } from './runner-engines.js';
import { usage } from './usage.js';

/** Where a command writes, what it reads, and when it must stop. */
export interface Terminal {
  out(line: string): void;
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C or SIGTERM. */
  readonly interrupted: AbortSignal;
  /** stdout for bytes (`get` writes the body there); without it `get` writes no body. */
  readonly stdout?: NodeJS.WritableStream;
  /** stderr when it is a terminal: `get` draws its progress bar there. */
  readonly progress?: { write(text: string): unknown; readonly columns?: number };
}

/** What the commands would otherwise take from this process; tests put their own. */
export interface Host {
  /** `process.platform` of the machine captured. */
  readonly platform?: string;
  /** The runner a capture records (default: the real one). */
  readonly runner?: ProcessRunner;
  /** Where a relative `--out` is resolved; default the current directory. */
  readonly cwd?: string;
  /** The replay clock: waits `ms` of recorded time (default: real timers). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type ManagerFactory = (
  options: CreateManagerOptions,
) => Promise<NetworkConfigurationManager>;

/** A command line that makes no sense: usage on stderr, exit 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly topic: keyof typeof usage,
  ) {
    super(message);
  }
}

const commands = {
  list: { options: { json: { type: 'boolean' }, replay: { type: 'string' } }, positionals: 0 },
  watch: { options: { json: { type: 'boolean' }, replay: { type: 'string' } }, positionals: 0 },
  capture: {
    options: { out: { type: 'string' }, redact: { type: 'string' }, seconds: { type: 'string' } },
    positionals: 0,
  },
  open: {
    options: { timeout: { type: 'string' }, hold: { type: 'string' }, stop: { type: 'boolean' } },
    positionals: 1,
  },
  inspect: { options: { port: { type: 'string' }, control: { type: 'boolean' } }, positionals: 0 },
  get: { options: getFlagSpec, positionals: 1 },
} as const;

type CommandName = keyof typeof commands;

/** Runs `netbearer` with these arguments; resolves with the exit code. */
export async function run(
  args: readonly string[],
  terminal: Terminal,
  create: ManagerFactory = createManager,
  host: Host = {},
): Promise<number> {
  try {
    return await dispatch(args, terminal, create, host);
  } catch (error) {
    if (error instanceof UsageError) {
      terminal.err(`netbearer: ${error.message}\n\n${usage[error.topic]}`);
      return 2;
    }
    if (error instanceof NetBearerError) {
      terminal.err(`netbearer: ${error.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function dispatch(
  args: readonly string[],
  terminal: Terminal,
  create: ManagerFactory,
  host: Host,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? terminal.err : terminal.out)(usage.main);
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(commands, name)) throw new UsageError(`unknown command "${name}"`, 'main');
  const command = name as CommandName;
  const parsed = parse(command, rest);
  if (parsed.help) {
    terminal.out(usage[command]);
    return 0;
  }
  let engine = parsed.engine === undefined ? undefined : checkedEngine(parsed.engine, command);
  if (command === 'capture') {
    return captureCommand(
      {
        out: parsed.out as string | undefined,
        redaction: redaction(parsed.redact),
        seconds: seconds(parsed.seconds),
        engine,
      },
      terminal,
      create,
      host,
    );
  }
  if (command === 'inspect') return inspect(parsed, engine, terminal, create);
  if (command === 'get') return get(parsed, engine, terminal, create, host);
  let replay: ReplayRunner | undefined;
  let replayed: { runner?: ReplayRunner; platform?: string } = host.platform
    ? { platform: host.platform }
    : {};
  if (typeof parsed.replay === 'string') {
    const bundle = await readBundle(parsed.replay);
    replay = createReplayRunner(bundle, host.sleep ? { sleep: host.sleep } : {});
    replayed = { runner: replay, platform: bundle.manifest.platform };
    // The engine that made the bundle, where it is one of ours; else the platform's.
    if (engine === undefined && isRunnerEngineName(bundle.manifest.engine)) {
      engine = bundle.manifest.engine;
    }
  }
  const manager = await create({
    ...(engine ? { engine } : {}),
    env: terminal.env,
    ...replayed,
  });
  try {
    const code = await runCommand(command, manager, parsed, terminal);
    // The engine may have hidden a call the bundle could not answer: the replay is not faithful.
    for (const error of replay?.unmatched() ?? [])
      terminal.err(`netbearer: ${error.name}: ${error.message}`);
    return replay && replay.unmatched().length > 0 ? 1 : code;
  } finally {
    await manager.dispose();
  }
}

/**
 * `inspect` serves the inspector; on the simulated engine it builds the demo world itself, to
 * keep it busy. NETBEARER_INSPECT is left out: the command starts its own inspector.
 */
async function inspect(
  parsed: ReturnType<typeof parse>,
  engine: ReturnType<typeof checkedEngine> | undefined,
  terminal: Terminal,
  create: ManagerFactory,
): Promise<number> {
  const options = { port: port(parsed.port), control: parsed.control === true };
  const { NETBEARER_INSPECT: _, ...env } = terminal.env;
  const simulated = (engine ?? env.NETBEARER_ENGINE) === 'simulated';
  const demo = simulated ? createDemoWorld() : undefined;
  const manager = demo
    ? await Manager.create({ engines: [demo.world.engine()] })
    : await create({ ...(engine ? { engine } : {}), env });
  try {
    return await inspectCommand(manager, { ...options, demo }, terminal);
  } finally {
    await manager.dispose();
  }
}

/** `get`: its flags are checked (and `-d @file` read) before any manager is made. */
async function get(
  parsed: ReturnType<typeof parse>,
  engine: ReturnType<typeof checkedEngine> | undefined,
  terminal: Terminal,
  create: ManagerFactory,
  host: Host,
): Promise<number> {
  let options: Awaited<ReturnType<typeof getOptions>>;
  try {
    options = await getOptions(parsed.positionals[0]!, parsed as GetFlags, host.cwd);
  } catch (error) {
    if (error instanceof GetUsageError) throw new UsageError(error.message, 'get');
    throw error;
  }
  const manager = await create({ ...(engine ? { engine } : {}), env: terminal.env });
  try {
    return await getCommand(manager, options, terminal);
  } finally {
    await manager.dispose();
  }
}

function port(value: string | boolean | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new UsageError(
      `--port takes a port number 0 to 65535, got "${String(value)}"`,
      'inspect',
    );
  }
  return Number(value);
}

async function runCommand(
  command: Exclude<CommandName, 'capture' | 'inspect' | 'get'>,
  manager: NetworkConfigurationManager,
  parsed: ReturnType<typeof parse>,
  terminal: Terminal,
): Promise<number> {
  switch (command) {
    case 'list':
      return await listCommand(manager, { json: parsed.json === true }, terminal);
    case 'watch':
      return await watchCommand(manager, { json: parsed.json === true }, terminal);
    case 'open':
      return await openCommand(
        manager,
        {
          target: parsed.positionals[0]!,
          timeout: milliseconds(parsed.timeout, 'timeout', 30_000),
          hold: parsed.hold === undefined ? undefined : milliseconds(parsed.hold, 'hold', 0),
          stop: parsed.stop === true,
        },
        terminal,
      );
  }
}

function redaction(value: string | boolean | undefined): Redaction {
  if (value === undefined) return 'macs';
  if (redactions.includes(value as Redaction)) return value as Redaction;
  throw new UsageError(
    `--redact takes ${redactions.join(', ')}, got "${String(value)}"`,
    'capture',
  );
}

function seconds(value: string | boolean | undefined): number {
  if (value === undefined) return 10;
  if (typeof value !== 'string' || !/^\d{1,4}$/.test(value) || Number(value) > 3600) {
    throw new UsageError(
      `--seconds takes whole seconds up to 3600, got "${String(value)}"`,
      'capture',
    );
  }
  return Number(value);
}

function parse(command: CommandName, args: readonly string[]) {
  const spec = commands[command];
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        ...spec.options,
        engine: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
  if (!values.help && positionals.length !== spec.positionals) {
    const wanted =
      spec.positionals === 0 ? 'no arguments' : command === 'get' ? 'one URL' : 'one configuration';
    throw new UsageError(`${command} takes ${wanted}, got ${positionals.length}`, command);
  }
  return { ...values, positionals } as { positionals: string[] } & Record<
    string,
    string | boolean | undefined
  >;
}

function checkedEngine(value: string | boolean, command: CommandName) {
  try {
    // Every engine name is taken here; one this build lacks is refused when it is created.
    return knownEngineChoice(String(value));
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(error.message, command);
    throw error;
  }
}

function milliseconds(
  value: string | boolean | undefined,
  option: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (
    typeof value !== 'string' ||
    !/^\d+$/.test(value) ||
    !Number.isSafeInteger(n) ||
    n > 2 ** 31 - 1
  ) {
    throw new UsageError(`--${option} takes whole milliseconds, got "${String(value)}"`, 'open');
  }
  return n;
}
