import { networkInterfaces } from 'node:os';
import { InvalidArgumentError } from '@netbearer/core';
import type { InventorySource } from './inventory.js';
import type { WatcherOptions } from './watcher.js';

export interface GenericEngineOptions {
  /**
   * How changes are noticed. `true` (default): `ip monitor` on Linux, costing nothing until
   * the kernel reports a change, and polling with back-off where it cannot run or elsewhere;
   * `'poll'`: polling only; `false`: never, only `requestUpdate()` re-reads.
   */
  readonly watch?: boolean | 'poll';
  /** Default '/sys/class/net'. */
  readonly sysfsRoot?: string;
  /** Default '/proc/net' (default routes). */
  readonly procNetRoot?: string;
  /** Default `os.networkInterfaces`; anything returning the same shape. */
  readonly interfaces?: () => unknown;
  /** Default `process.platform`; decides whether sysfs and /proc are consulted. */
  readonly platform?: NodeJS.Platform;
  /** Default 'ip' (iproute2), looked up on PATH. */
  readonly ipCommand?: string;
  /** How long a burst of kernel events is gathered before one re-read. Default 50. */
  readonly debounceMs?: number;
  /** Polling interval bounds: starts at min, doubles while nothing changes. Default 1 s–30 s. */
  readonly pollIntervalMs?: { readonly min: number; readonly max: number };
}

export type WatchMode = 'auto' | 'poll' | 'none';

export interface ResolvedOptions {
  readonly source: InventorySource;
  readonly watchMode: WatchMode;
  readonly watcher: WatcherOptions;
}

/** Defaults filled in; throws InvalidArgumentError on options the engine cannot run with. */
export function resolveOptions(options: GenericEngineOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('createGenericEngine takes an options object.');
  }
  const { watch, interfaces, debounceMs = 50 } = options;
  const poll = options.pollIntervalMs ?? { min: 1000, max: 30_000 };
  if (watch !== undefined && watch !== true && watch !== false && watch !== 'poll') {
    throw new InvalidArgumentError(`watch must be true, false or 'poll', not ${String(watch)}.`);
  }
  if (interfaces !== undefined && typeof interfaces !== 'function') {
    throw new InvalidArgumentError('interfaces must be a function like os.networkInterfaces.');
  }
  if (!isDelay(debounceMs) || !isDelay(poll.min) || !isDelay(poll.max) || poll.min > poll.max) {
    throw new InvalidArgumentError(
      'debounceMs and pollIntervalMs need 0 ≤ min ≤ max milliseconds.',
    );
  }
  return {
    source: {
      platform: options.platform ?? process.platform,
      sysfsRoot: path('sysfsRoot', options.sysfsRoot, '/sys/class/net'),
      procNetRoot: path('procNetRoot', options.procNetRoot, '/proc/net'),
      interfaces: interfaces ?? networkInterfaces,
    },
    watchMode: watch === false ? 'none' : watch === 'poll' ? 'poll' : 'auto',
    watcher: {
      ipCommand: path('ipCommand', options.ipCommand, 'ip'),
      debounceMs,
      settleMs: Math.max(debounceMs, 250),
      pollMinMs: Math.max(1, poll.min),
      pollMaxMs: Math.max(1, poll.max),
    },
  };
}

function path(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value.length > 0 && !value.includes('\0')) return value;
  throw new InvalidArgumentError(`${name} must be a non-empty path.`);
}

function isDelay(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2 ** 31 - 1;
}
