import { describe, expect, it } from 'vitest';
import { buildModel } from './model.js';
import { DeviceState } from './nm-constants.js';
import type { NmProfile } from './nm-records.js';
import { roamingOffers } from './roaming.js';
import { active, device, profile, snapshot } from './snapshot.fixture.js';

const low = profile(1, { priority: 0, interfaceName: 'eth1' });
const high = profile(2, { priority: 10, interfaceName: 'eth2' });
const lower = profile(3, { priority: -5, interfaceName: 'eth3' });
const idOf = (p: NmProfile) => `networkmanager:${p.uuid}`;

/** A world where `low` is active on eth1 and the given profiles' links have carrier. */
function world(
  options: { carrier?: NmProfile[]; activated?: NmProfile[]; present?: boolean } = {},
) {
  const devices = [low, high, lower].map((p, i) =>
    device(i + 1, {
      state:
        options.carrier?.includes(p) || p === low
          ? DeviceState.Disconnected
          : DeviceState.Unavailable,
      availableConnections: options.carrier?.includes(p) || p === low ? [p.path] : [],
    }),
  );
  const actives = [low, ...(options.activated ?? [])].map((p, i) =>
    active(i + 1, p, { devices: [devices[[low, high, lower].indexOf(p)]?.path ?? '/'] }),
  );
  return buildModel(
    snapshot({ present: options.present ?? true, profiles: [low, high, lower], devices, actives }),
  );
}

describe('roamingOffers', () => {
  it('offers a higher-priority profile whose link got carrier, not seamless', () => {
    expect(roamingOffers(world(), world({ carrier: [high] }))).toEqual([
      { from: idOf(low), to: idOf(high), seamless: false },
    ]);
  });

  it('offers it seamlessly when it became active', () => {
    expect(
      roamingOffers(world({ carrier: [high] }), world({ carrier: [high], activated: [high] })),
    ).toEqual([{ from: idOf(low), to: idOf(high), seamless: true }]);
  });

  it('offers nothing for lower priorities, for no change, or around a NetworkManager restart', () => {
    expect(roamingOffers(world(), world({ carrier: [lower] }))).toEqual([]);
    expect(roamingOffers(world({ carrier: [high] }), world({ carrier: [high] }))).toEqual([]);
    expect(roamingOffers(world({ present: false }), world({ carrier: [high] }))).toEqual([]);
  });

  it('offers nothing when nothing is active to roam from', () => {
    const idle = buildModel(
      snapshot({ profiles: [high], devices: [device(2, { state: DeviceState.Unavailable })] }),
    );
    const plugged = buildModel(
      snapshot({ profiles: [high], devices: [device(2, { availableConnections: [high.path] })] }),
    );
    expect(roamingOffers(idle, plugged)).toEqual([]);
  });

  it('picks the best of several that appear at once', () => {
    const best = profile(4, { priority: 50 });
    const before = buildModel(
      snapshot({
        profiles: [low, high, best],
        devices: [device(1, { availableConnections: [low.path] })],
        actives: [active(1, low, { devices: ['/org/freedesktop/NetworkManager/Devices/1'] })],
      }),
    );
    const after = buildModel(
      snapshot({
        profiles: [low, high, best],
        devices: [device(1, { availableConnections: [low.path, high.path, best.path] })],
        actives: [active(1, low, { devices: ['/org/freedesktop/NetworkManager/Devices/1'] })],
      }),
    );
    expect(roamingOffers(before, after)).toEqual([
      { from: idOf(low), to: idOf(best), seamless: false },
    ]);
  });
});
