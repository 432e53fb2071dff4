/**
 * Byte counters from Device.Statistics. NetworkManager only refreshes them while some client
 * sets RefreshRateMs (0 = frozen), and the setting is one per device, shared by every client.
 * So the engine sets it on the first read (only when it is off or slower than ours), remembers
 * what was there, and puts that back when nobody has read for a while, when the link went down,
 * or at dispose — unless another client changed it since (then it is theirs). One unref'd timer
 * exists only while such a lease does: an idle link sends no signal to go by.
 */
import type { TrafficStatistics } from '@netbearer/core';
import dbus from 'dbus-next';
import { unwrapVariant } from './dbus-values.js';
import { parseIdentifier } from './identifiers.js';
import { activeOf, firstDevice } from './model.js';
import type { NmAccess } from './nm-access.js';
import { ActiveState, iface } from './nm-constants.js';
import type { NmSnapshot } from './snapshot.js';

export type StatisticsContext = NmAccess;

export interface StatisticsOptions {
  /** RefreshRateMs while someone reads. */
  readonly refreshMs: number;
  /** How long after the last read the refresh stays on. */
  readonly leaseMs: number;
  readonly now?: () => number;
}

interface Lease {
  readonly uuid: string;
  /** The rate that was there before the engine touched it, put back at the end. */
  readonly previous: number;
  /** The engine's own Set, which a restore waits for (D-Bus calls may still be in flight). */
  readonly setting: Promise<boolean>;
  until: number;
}

export class StatisticsRefresh {
  readonly #ctx: StatisticsContext;
  readonly #options: StatisticsOptions;
  readonly #leases = new Map<string, Lease>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: StatisticsContext, options: StatisticsOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** The counters of the configuration's device while it is active; starts refreshing. */
  read(identifier: string): TrafficStatistics | undefined {
    const snapshot = this.#ctx.published();
    const parsed = parseIdentifier(identifier);
    if (parsed?.kind !== 'profile' || !snapshot.present) return undefined;
    const active = activeOf(snapshot, parsed.uuid);
    const device = active?.state === ActiveState.Activated ? firstDevice(snapshot, active) : null;
    if (!device?.statistics) return undefined;
    this.#renew(device.path, parsed.uuid, device.statistics.refreshRateMs);
    return { bytesReceived: device.statistics.rxBytes, bytesWritten: device.statistics.txBytes };
  }

  /** After each published change, and when a lease ends: give back what nobody needs. */
  changed(): void {
    if (this.#leases.size === 0) return;
    const snapshot = this.#ctx.published();
    const now = this.#now();
    for (const [path, lease] of this.#leases) {
      const expired = lease.until <= now || !this.#stillActive(snapshot, path, lease.uuid);
      if (expired) void this.#restore(path, lease);
    }
    this.#arm();
  }

  /** At dispose: every rate the engine changed goes back; resolves when NetworkManager has it. */
  async restoreAll(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const leases = [...this.#leases];
    await Promise.allSettled(leases.map(([path, lease]) => this.#restore(path, lease)));
  }

  #renew(path: string, uuid: string, current: number): void {
    const until = this.#now() + this.#options.leaseMs;
    const lease = this.#leases.get(path);
    if (lease) {
      lease.until = until;
      return;
    }
    // Another client already refreshes at least as often: use theirs, never slow it down.
    if (current !== 0 && current <= this.#options.refreshMs) return;
    const setting = this.#setRate(path, this.#options.refreshMs);
    this.#leases.set(path, { uuid, previous: current, setting, until });
    this.#arm();
  }

  /** Wakes up when the earliest lease ends (reads may have extended it meanwhile). */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#leases.size === 0) return;
    const until = Math.min(...[...this.#leases.values()].map((lease) => lease.until));
    this.#timer = setTimeout(() => this.changed(), Math.max(0, until - this.#now()) + 1);
    this.#timer.unref();
  }

  #stillActive(snapshot: NmSnapshot, path: string, uuid: string): boolean {
    const active = snapshot.present ? activeOf(snapshot, uuid) : null;
    return active?.state === ActiveState.Activated && active.devices.includes(path);
  }

  /**
   * Puts the previous rate back if the device still has ours. NetworkManager itself is asked
   * (after our own Set has been answered): the published picture may not have heard the echo
   * of our Set yet, and would make a restore right after the first read look like someone
   * else's change.
   */
  async #restore(path: string, lease: Lease): Promise<void> {
    if (this.#leases.get(path) !== lease) return;
    this.#leases.delete(path);
    if (!(await lease.setting)) return;
    const now = await this.#getRate(path);
    // Someone else changed it since: theirs now, last writer wins.
    if (now !== this.#options.refreshMs) return;
    await this.#setRate(path, lease.previous);
  }

  /** Resolves whether NetworkManager took the rate. */
  async #setRate(path: string, rateMs: number): Promise<boolean> {
    try {
      await this.#ctx.call(path, iface.properties, 'Set', 'ssv', [
        iface.statistics,
        'RefreshRateMs',
        new dbus.Variant('u', rateMs),
      ]);
      return true;
    } catch {
      // Not allowed, or the device is gone: the counters stay as NetworkManager keeps them.
      return false;
    }
  }

  async #getRate(path: string): Promise<number | undefined> {
    try {
      const reply = await this.#ctx.call(path, iface.properties, 'Get', 'ss', [
        iface.statistics,
        'RefreshRateMs',
      ]);
      const value = unwrapVariant(reply.body[0]);
      return typeof value === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
