/**
 * requestUpdate's Wi-Fi part: RequestScan on every Wi-Fi device NetworkManager can use, then
 * wait (bounded) until each one's LastScan moves, i.e. the scan results are in.
 */

import { canCarry } from './model.js';
import type { NmAccess } from './nm-access.js';
import { DeviceType, iface } from './nm-constants.js';
import type { NmSnapshot } from './snapshot.js';
import type { Waiters } from './waiters.js';

export type ScanContext = NmAccess;

/** NetworkManager's own scans take a few seconds; this only bounds a stuck driver. */
export const scanTimeoutMs = 30_000;

export async function requestScans(ctx: ScanContext, waiters: Waiters): Promise<void> {
  const devices = [...ctx.published().devices.values()].filter(
    (d) => d.deviceType === DeviceType.WiFi && canCarry(d),
  );
  const asked = await Promise.all(
    devices.map(async (device) => {
      try {
        await ctx.call(device.path, iface.wireless, 'RequestScan', 'a{sv}', [{}]);
        return [device.path, device.lastScan] as const;
      } catch {
        // Scanning not allowed right now (e.g. while connecting): the current list stands.
        return null;
      }
    }),
  );
  const pending = asked.filter((entry) => entry !== null);
  if (pending.length === 0) return;
  const deadline = AbortSignal.timeout(scanTimeoutMs);
  await waiters
    .wait(
      () =>
        pending.every(([path, before]) => scanned(ctx.published(), path, before))
          ? { done: undefined }
          : undefined,
      deadline,
      () => new Error('scan timed out'),
    )
    .catch(() => {
      // A scan that never finishes leaves the previous results; the update still completes.
    });
}

function scanned(snapshot: NmSnapshot, path: string, before: number): boolean {
  const device = snapshot.devices.get(path);
  return !device || !snapshot.present || device.lastScan !== before;
}
