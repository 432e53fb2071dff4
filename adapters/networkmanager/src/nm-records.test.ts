import { describe, expect, it } from 'vitest';
import { NmReplyError } from './dbus-values.js';
import { readActiveConnection, readDevice, readManager, readProfile } from './nm-records.js';

const v = (signature: string, value: unknown) => ({ signature, value });
const path = '/org/freedesktop/NetworkManager/Settings/7';

describe('readProfile (GetSettings a{sa{sv}})', () => {
  it('reads the connection group with NetworkManager defaults for absent keys', () => {
    const profile = readProfile(path, {
      connection: { id: v('s', 'office'), uuid: v('s', 'u-1'), type: v('s', '802-3-ethernet') },
    });
    expect(profile).toEqual({
      path,
      uuid: 'u-1',
      name: 'office',
      type: '802-3-ethernet',
      interfaceName: null,
      autoconnect: true,
      priority: 0,
      metered: 0,
      ssid: null,
    });
  });

  it('passes hostile names through untouched, up to 255 bytes and beyond', () => {
    const names = [
      '$(rm -rf /) `id` "quoted" \'single\'',
      'line\nbreak\r\nand\ttab\u0000nul',
      `${'é'.repeat(127)}x`,
      'x'.repeat(4096),
      '\u202Eright-to-left override',
    ];
    for (const name of names) {
      const profile = readProfile(path, {
        connection: { id: v('s', name), uuid: v('s', 'u'), type: v('s', 'vpn') },
      });
      expect(profile.name).toBe(name);
    }
  });

  it('reads Wi-Fi SSIDs as bytes and the roaming-relevant keys', () => {
    const ssid = Buffer.from([0xde, 0xad, 0x00, 0x20]);
    const profile = readProfile(path, {
      connection: {
        id: v('s', 'cafe'),
        uuid: v('s', 'u-2'),
        type: v('s', '802-11-wireless'),
        'interface-name': v('s', 'wlan0'),
        autoconnect: v('b', false),
        'autoconnect-priority': v('i', -3),
        metered: v('i', 1),
      },
      '802-11-wireless': { ssid: v('ay', ssid), mode: v('s', 'infrastructure') },
    });
    expect(profile).toMatchObject({
      interfaceName: 'wlan0',
      autoconnect: false,
      priority: -3,
      metered: 1,
    });
    expect([...(profile.ssid ?? [])]).toEqual([0xde, 0xad, 0x00, 0x20]);
  });

  it('rejects replies that are not profiles with typed errors', () => {
    const bad: unknown[] = [
      null,
      'settings',
      [],
      {},
      { connection: 'x' },
      { connection: { id: v('s', 'a'), type: v('s', 't') } },
      { connection: { id: v('s', 'a'), uuid: v('s', ''), type: v('s', 't') } },
      { connection: { id: v('u', 5), uuid: v('s', 'u'), type: v('s', 't') } },
      {
        connection: {
          id: v('s', 'a'),
          uuid: v('s', 'u'),
          type: v('s', 't'),
          autoconnect: v('s', 'yes'),
        },
      },
      {
        connection: { id: v('s', 'a'), uuid: v('s', 'u'), type: v('s', 't') },
        '802-11-wireless': { ssid: v('s', 'x') },
      },
    ];
    for (const settings of bad) expect(() => readProfile(path, settings)).toThrow(NmReplyError);
  });
});

describe('readDevice, readActiveConnection, readManager', () => {
  const props = (o: Record<string, unknown>) => Object.assign(Object.create(null), o);

  it('reads a Wi-Fi device with its access points and scan time', () => {
    const device = readDevice('/d/3', {
      device: props({
        Interface: 'wlan0',
        DeviceType: 2,
        State: 30,
        AvailableConnections: ['/s/1'],
      }),
      wireless: props({ AccessPoints: ['/ap/1', '/ap/2'], LastScan: 123456 }),
      statistics: props({ RefreshRateMs: 0, TxBytes: 10n, RxBytes: 20n }),
    });
    expect(device).toMatchObject({
      interfaceName: 'wlan0',
      ipInterface: '',
      accessPoints: ['/ap/1', '/ap/2'],
      lastScan: 123456,
      statistics: { refreshRateMs: 0, txBytes: 10, rxBytes: 20 },
      activeConnection: '/',
    });
  });

  it('reads a modem device capabilities', () => {
    const device = readDevice('/d/4', {
      device: props({ Interface: 'cdc-wdm0', DeviceType: 8, State: 100 }),
      modem: props({ CurrentCapabilities: 8 }),
    });
    expect(device.modemCapabilities).toBe(8);
    expect(device.statistics).toBeNull();
  });

  it('rejects malformed objects with the field in the message', () => {
    expect(() =>
      readDevice('/d/5', { device: props({ Interface: 'x', DeviceType: '1', State: 30 }) }),
    ).toThrow(/DeviceType/);
    expect(() => readActiveConnection('/a/1', props({ Uuid: 'u', State: -1 }))).toThrow(/State/);
    expect(() =>
      readActiveConnection('/a/1', props({ Uuid: 'u', State: 2, Devices: ['not a path'] })),
    ).toThrow(/Devices/);
    expect(() => readManager(props({ State: 'connected' }))).toThrow(NmReplyError);
    expect(() => readManager(props({ State: 70, Startup: 'yes' }))).toThrow(/Startup/);
  });

  it('reads the manager with defaults, Startup false when absent', () => {
    expect(readManager(props({ State: 70 }))).toEqual({
      state: 70,
      connectivity: 0,
      metered: 0,
      primaryConnection: '/',
      startup: false,
    });
    expect(readManager(props({ State: 20, Startup: true })).startup).toBe(true);
  });

  it('reads an active connection with defaults', () => {
    expect(readActiveConnection('/a/2', props({ Uuid: 'u', State: 2, Default: true }))).toEqual({
      path: '/a/2',
      connection: '/',
      uuid: 'u',
      name: '',
      type: '',
      devices: [],
      state: 2,
      default4: true,
      default6: false,
    });
  });
});
