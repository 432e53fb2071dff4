import { describe, expect, it } from 'vitest';
import {
  networkInformationOf,
  sameInformation,
  unknownInformation,
} from './network-information.js';
import { Connectivity, DeviceType, Metered, NmState } from './nm-constants.js';
import { active, device, manager, profile, snapshot } from './snapshot.fixture.js';

describe('networkInformationOf (fake data)', () => {
  const wifi = profile(1, { type: '802-11-wireless' });
  const wlan = device(1, { deviceType: DeviceType.WiFi });
  const primary = active(1, wifi, { devices: [wlan.path] });

  it('reports Wi-Fi behind a captive portal, metered by guess', () => {
    const s = snapshot({
      manager: manager({
        state: NmState.ConnectedSite,
        connectivity: Connectivity.Portal,
        metered: Metered.GuessYes,
        primaryConnection: primary.path,
      }),
      profiles: [wifi],
      devices: [wlan],
      actives: [primary],
    });
    expect(networkInformationOf(s)).toEqual({
      reachability: 'Site',
      behindCaptivePortal: true,
      transportMedium: 'WiFi',
      metered: true,
    });
  });

  it('takes the medium from the primary connection, its type when it has no device', () => {
    const gsm = profile(2, { type: 'gsm' });
    const deviceless = active(2, gsm);
    const s = snapshot({
      manager: manager({ primaryConnection: deviceless.path }),
      profiles: [gsm],
      actives: [deviceless],
    });
    expect(networkInformationOf(s).transportMedium).toBe('Cellular');
    const none = snapshot({ manager: manager({ primaryConnection: '/' }) });
    expect(networkInformationOf(none).transportMedium).toBe('Unknown');
  });

  it('knows nothing while NetworkManager is away or unreadable', () => {
    expect(networkInformationOf(snapshot({ present: false }))).toEqual(unknownInformation);
    expect(networkInformationOf(snapshot({ manager: null }))).toEqual(unknownInformation);
  });

  it('compares field by field', () => {
    expect(sameInformation(unknownInformation, { ...unknownInformation })).toBe(true);
    expect(sameInformation(unknownInformation, { ...unknownInformation, metered: true })).toBe(
      false,
    );
  });
});
