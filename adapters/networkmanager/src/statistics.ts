/**
 * Byte counters from Device.Statistics. NetworkManager only refreshes them while some client
 * sets RefreshRateMs (0 = frozen), and the setting is shared by every client, so it is set on
 * the first read and put back when nobody has read for a while or the link went down. One
 * unref'd timer exists only while such a lease does: an idle link sends no signal to go by.
 */
import type { TrafficStatistics } from '@netbearer/core';
import dbus from 'dbus-next';
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
  readonly previous: number;
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
    // Another client already asked for a refresh rate: use it, never slow it down.
    if (current !== 0) return;
    this.#leases.set(path, { uuid, previous: current, until });
    void this.#setRate(path, this.#options.refreshMs);
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

  async #restore(path: string, lease: Lease): Promise<void> {
    if (this.#leases.get(path) !== lease) return;
    this.#leases.delete(path);
    const device = this.#ctx.published().devices.get(path);
    // Someone else changed it since: theirs now, last writer wins.
    if (device?.statistics && device.statistics.refreshRateMs !== this.#options.refreshMs) return;
    await this.#setRate(path, lease.previous);
  }

  async #setRate(path: string, rateMs: number): Promise<void> {
    try {
      await this.#ctx.call(path, iface.properties, 'Set', 'ssv', [
        iface.statistics,
        'RefreshRateMs',
        new dbus.Variant('u', rateMs),
      ]);
    } catch {
      // Not allowed, or the device is gone: the counters stay as NetworkManager keeps them.
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
