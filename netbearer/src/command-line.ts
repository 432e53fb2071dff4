import { parseArgs } from 'node:util';
import {
  InvalidArgumentError,
  NetBearerError,
  type NetworkConfigurationManager,
} from '@netbearer/core';
import { listCommand } from './commands/list.js';
import { openCommand } from './commands/open.js';
import { watchCommand } from './commands/watch.js';
import { type CreateManagerOptions, createManager, engineChoice } from './create-manager.js';
import { usage } from './usage.js';

/** Where a command writes, what it reads, and when it must stop. */
export interface Terminal {
  out(line: string): void;
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C or SIGTERM. */
  readonly interrupted: AbortSignal;
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
  list: { options: { json: { type: 'boolean' } }, positionals: 0 },
  watch: { options: { json: { type: 'boolean' } }, positionals: 0 },
  open: {
    options: { timeout: { type: 'string' }, hold: { type: 'string' }, stop: { type: 'boolean' } },
    positionals: 1,
  },
} as const;

type CommandName = keyof typeof commands;

/** Runs `netbearer` with these arguments; resolves with the exit code. */
export async function run(
  args: readonly string[],
  terminal: Terminal,
  create: ManagerFactory = createManager,
): Promise<number> {
  try {
    return await dispatch(args, terminal, create);
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
  const engine = parsed.engine === undefined ? undefined : checkedEngine(parsed.engine, command);
  const manager = await create({ ...(engine ? { engine } : {}), env: terminal.env });
  try {
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
  } finally {
    await manager.dispose();
  }
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
    const wanted = spec.positionals === 0 ? 'no arguments' : 'one configuration';
    throw new UsageError(`${command} takes ${wanted}, got ${positionals.length}`, command);
  }
  return { ...values, positionals } as { positionals: string[] } & Record<
    string,
    string | boolean | undefined
  >;
}

function checkedEngine(value: string | boolean, command: CommandName) {
  try {
    return engineChoice(String(value));
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
