/** NetworkManager's D-Bus names and the enums of its API (libnm's NM* constants). */

export const nmService = 'org.freedesktop.NetworkManager';
export const nmPath = '/org/freedesktop/NetworkManager';
export const objectManagerPath = '/org/freedesktop';
export const settingsPath = `${nmPath}/Settings`;

export const iface = {
  manager: nmService,
  device: `${nmService}.Device`,
  wireless: `${nmService}.Device.Wireless`,
  modem: `${nmService}.Device.Modem`,
  statistics: `${nmService}.Device.Statistics`,
  active: `${nmService}.Connection.Active`,
  accessPoint: `${nmService}.AccessPoint`,
  settings: `${nmService}.Settings`,
  profile: `${nmService}.Settings.Connection`,
  properties: 'org.freedesktop.DBus.Properties',
  objectManager: 'org.freedesktop.DBus.ObjectManager',
} as const;

/** NMDeviceType (only the values this engine tells apart). */
export const DeviceType = {
  Ethernet: 1,
  WiFi: 2,
  Bluetooth: 5,
  Modem: 8,
  Veth: 20,
  Loopback: 32,
} as const;

/** NMDeviceState */
export const DeviceState = {
  Unknown: 0,
  Unmanaged: 10,
  Unavailable: 20,
  Disconnected: 30,
  /** Waiting for secrets from a secret agent (which may be asking the user). */
  NeedAuth: 60,
  Activated: 100,
  Failed: 120,
} as const;

/** NMDeviceStateReason (only the values this engine acts on). */
export const DeviceStateReason = { NoSecrets: 7 } as const;

/** NMActiveConnectionStateReason (only the values this engine acts on). */
export const ActiveStateReason = { NoSecrets: 9 } as const;

/** NMActiveConnectionState */
export const ActiveState = {
  Unknown: 0,
  Activating: 1,
  Activated: 2,
  Deactivating: 3,
  Deactivated: 4,
} as const;

/** NMState: the global state. */
export const NmState = {
  Unknown: 0,
  Asleep: 10,
  Disconnected: 20,
  Disconnecting: 30,
  Connecting: 40,
  ConnectedLocal: 50,
  ConnectedSite: 60,
  ConnectedGlobal: 70,
} as const;

/** NMConnectivityState */
export const Connectivity = { Unknown: 0, None: 1, Portal: 2, Limited: 3, Full: 4 } as const;

/** NMMetered */
export const Metered = { Unknown: 0, Yes: 1, No: 2, GuessYes: 3, GuessNo: 4 } as const;

/** NMDeviceModemCapabilities bits. */
export const ModemCapability = { CdmaEvdo: 0x2, GsmUmts: 0x4, Lte: 0x8, FiveG: 0x40 } as const;

/** The D-Bus "no object" path, as NM's API uses it. */
export const noObject = '/';
