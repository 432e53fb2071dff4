import { describe, expect, it } from 'vitest';
import { wifiIdentifier } from './identifiers.js';
import { buildModel } from './model.js';
import { ActiveState, DeviceState, DeviceType, NmState } from './nm-constants.js';
import { accessPoint, active, device, manager, profile, snapshot } from './snapshot.fixture.js';

const configurations = (s: Parameters<typeof buildModel>[0]) =>
  new Map([...buildModel(s).entries].map(([id, e]) => [id, e.configuration]));
const idOf = (p: { uuid: string }) => `networkmanager:${p.uuid}`;

describe('buildModel: Ethernet', () => {
  const wired = profile(1, { name: 'wired' });

  it('Defined without a device that can carry it, Discovered with one, Active when activated', () => {
    expect(configurations(snapshot({ profiles: [wired] })).get(idOf(wired))?.state).toBe('Defined');

    const noCarrier = device(1, {
      state: DeviceState.Unavailable,
      availableConnections: [wired.path],
    });
    expect(
      configurations(snapshot({ profiles: [wired], devices: [noCarrier] })).get(idOf(wired))?.state,
    ).toBe('Defined');

    const carrier = device(1, { availableConnections: [wired.path] });
    expect(
      configurations(snapshot({ profiles: [wired], devices: [carrier] })).get(idOf(wired)),
    ).toMatchObject({
      state: 'Discovered',
      interfaceName: null,
    });

    const up = device(1, {
      state: DeviceState.Activated,
      availableConnections: [wired.path],
      ipInterface: 'eth1',
    });
    const activeConnection = active(1, wired, { devices: [up.path] });
    const s = snapshot({ profiles: [wired], devices: [up], actives: [activeConnection] });
    expect(configurations(s).get(idOf(wired))).toMatchObject({
      state: 'Active',
      interfaceName: 'eth1',
      bearerType: 'Ethernet',
      purpose: 'PublicPurpose',
      virtual: false,
      type: 'InternetAccessPoint',
    });
  });

  it('is not Active while activating or deactivating', () => {
    const d = device(1, { availableConnections: [wired.path] });
    for (const state of [ActiveState.Activating, ActiveState.Deactivating]) {
      const s = snapshot({
        profiles: [wired],
        devices: [d],
        actives: [active(1, wired, { state, devices: [d.path] })],
      });
      expect(configurations(s).get(idOf(wired))?.state).toBe('Discovered');
    }
  });

  it('drops the loopback profile and never treats the loopback device as a carrier', () => {
    const lo = profile(2, { type: 'loopback', name: 'lo' });
    const loDevice = device(9, {
      deviceType: DeviceType.Loopback,
      state: DeviceState.Activated,
      availableConnections: [lo.path, wired.path],
    });
    const c = configurations(snapshot({ profiles: [lo, wired], devices: [loDevice] }));
    expect(c.has(idOf(lo))).toBe(false);
    expect(c.get(idOf(wired))?.state).toBe('Defined');
  });

  it('keeps everything Defined while NetworkManager is away', () => {
    const d = device(1, { availableConnections: [wired.path] });
    const s = snapshot({
      present: false,
      profiles: [wired],
      devices: [d],
      actives: [active(1, wired, { devices: [d.path] })],
    });
    expect(configurations(s).get(idOf(wired))?.state).toBe('Defined');
    expect(buildModel(s).defaultIdentifier).toBeNull();
  });

  it('makes the default-route holder Private until NetworkManager reaches the Internet (Qt)', () => {
    const d = device(1, { state: DeviceState.Activated });
    const a = active(1, wired, { devices: [d.path], default4: true });
    const site = snapshot({
      manager: manager({ state: NmState.ConnectedSite }),
      profiles: [wired],
      devices: [d],
      actives: [a],
    });
    expect(configurations(site).get(idOf(wired))?.purpose).toBe('PrivatePurpose');
    const global = snapshot({ profiles: [wired], devices: [d], actives: [a] });
    expect(configurations(global).get(idOf(wired))?.purpose).toBe('PublicPurpose');
  });
});

describe('buildModel: default configuration', () => {
  const a = profile(1);
  const b = profile(2);

  it('is the activated connection with Default, else Default6', () => {
    const v4 = active(1, a, { default4: true });
    const v6 = active(2, b, { default6: true });
    expect(buildModel(snapshot({ profiles: [a, b], actives: [v6, v4] })).defaultIdentifier).toBe(
      idOf(a),
    );
    expect(buildModel(snapshot({ profiles: [a, b], actives: [v6] })).defaultIdentifier).toBe(
      idOf(b),
    );
    const activating = active(3, a, { default4: true, state: ActiveState.Activating });
    expect(
      buildModel(snapshot({ profiles: [a, b], actives: [activating] })).defaultIdentifier,
    ).toBeNull();
  });

  it('is null for a default connection without a visible profile (e.g. loopback, or unreadable)', () => {
    const ghost = profile(5);
    expect(
      buildModel(snapshot({ profiles: [a], actives: [active(1, ghost, { default4: true })] }))
        .defaultIdentifier,
    ).toBeNull();
  });
});

describe('buildModel: Wi-Fi (fake data; no Wi-Fi hardware in the sandbox)', () => {
  const home = profile(1, { name: 'home', type: '802-11-wireless', ssid: Buffer.from('Home') });
  const wlan = (over = {}) =>
    device(2, {
      deviceType: DeviceType.WiFi,
      interfaceName: 'wlan0',
      ipInterface: 'wlan0',
      ...over,
    });

  it('a saved network in range is Discovered (NM lists it as available), out of range Defined', () => {
    const aps = [accessPoint(1, 'Home')];
    const inRange = wlan({ accessPoints: [aps[0]?.path], availableConnections: [home.path] });
    const c = configurations(snapshot({ profiles: [home], devices: [inRange], accessPoints: aps }));
    expect(c.get(idOf(home))).toMatchObject({ state: 'Discovered', bearerType: 'WLAN' });
    const outOfRange = wlan({ accessPoints: [] });
    expect(
      configurations(snapshot({ profiles: [home], devices: [outOfRange] })).get(idOf(home))?.state,
    ).toBe('Defined');
  });

  it('lists unsaved networks once per SSID as Undefined WLAN, not hidden ones, not saved ones', () => {
    const aps = [
      accessPoint(1, 'Home'),
      accessPoint(2, 'Cafe'),
      accessPoint(3, 'Cafe'),
      accessPoint(4, new Uint8Array()),
      accessPoint(5, Uint8Array.from([0xff, 0x22, 0x24, 0x28])),
    ];
    const d = wlan({ accessPoints: aps.map((ap) => ap.path), availableConnections: [home.path] });
    const c = configurations(snapshot({ profiles: [home], devices: [d], accessPoints: aps }));
    const unsaved = [...c.values()].filter((x) => x.state === 'Undefined');
    expect(unsaved.map((x) => x.identifier).sort()).toEqual(
      [
        wifiIdentifier(Buffer.from('Cafe')),
        wifiIdentifier(Uint8Array.from([0xff, 0x22, 0x24, 0x28])),
      ].sort(),
    );
    expect(c.get(wifiIdentifier(Buffer.from('Cafe')))).toMatchObject({
      name: 'Cafe',
      bearerType: 'WLAN',
      capabilities: [],
      purpose: 'PublicPurpose',
    });
    expect(c.get(wifiIdentifier(Uint8Array.from([0xff, 0x22, 0x24, 0x28])))?.name).toBe(
      '\uFFFD"$(',
    );
  });

  it('lists no access points of a Wi-Fi device NetworkManager cannot use', () => {
    const aps = [accessPoint(2, 'Cafe')];
    const off = wlan({ state: DeviceState.Unavailable, accessPoints: [aps[0]?.path] });
    expect(configurations(snapshot({ devices: [off], accessPoints: aps })).size).toBe(0);
  });
});

describe('buildModel: cellular and virtual (fake data)', () => {
  it('takes the generation from the modem the connection runs on', () => {
    const gsm = profile(1, { type: 'gsm' });
    const modem = device(3, {
      deviceType: DeviceType.Modem,
      state: DeviceState.Activated,
      modemCapabilities: 0x8,
    });
    expect(configurations(snapshot({ profiles: [gsm] })).get(idOf(gsm))?.bearerType).toBe('2G');
    const up = snapshot({
      profiles: [gsm],
      devices: [modem],
      actives: [active(1, gsm, { devices: [modem.path] })],
    });
    expect(configurations(up).get(idOf(gsm))?.bearerType).toBe('LTE');
  });

  it('marks bridges and VPNs virtual', () => {
    const vpn = profile(1, { type: 'vpn' });
    expect(configurations(snapshot({ profiles: [vpn] })).get(idOf(vpn))).toMatchObject({
      virtual: true,
      bearerType: 'Unknown',
    });
  });
});
