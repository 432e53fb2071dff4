/**
 * Typed views of NetworkManager's objects, read from the mirrored properties. A malformed
 * object throws an NmReplyError naming the field; the snapshot leaves such objects out.
 */
import {
  isRecord,
  NmReplyError,
  optional,
  type Props,
  readBoolean,
  readBytes,
  readCounter,
  readInt,
  readObjectPath,
  readObjectPaths,
  readProps,
  readString,
  readUint,
} from './dbus-values.js';
import { Metered, noObject } from './nm-constants.js';

export interface NmManager {
  readonly state: number;
  readonly connectivity: number;
  readonly metered: number;
  readonly primaryConnection: string;
  /** Still starting: activating (or re-assuming) the connections it will have at startup. */
  readonly startup: boolean;
}

export interface NmStatistics {
  readonly refreshRateMs: number;
  readonly txBytes: number;
  readonly rxBytes: number;
}

export interface NmDevice {
  readonly path: string;
  readonly interfaceName: string;
  readonly ipInterface: string;
  readonly deviceType: number;
  readonly state: number;
  readonly availableConnections: readonly string[];
  readonly activeConnection: string;
  readonly statistics: NmStatistics | null;
  /** Wi-Fi only: access points in range and the time of the last completed scan. */
  readonly accessPoints: readonly string[];
  readonly lastScan: number;
  /** Modems only: NMDeviceModemCapabilities of the current technology. */
  readonly modemCapabilities: number;
}

export interface NmActiveConnection {
  readonly path: string;
  readonly connection: string;
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly devices: readonly string[];
  readonly state: number;
  readonly default4: boolean;
  readonly default6: boolean;
}

export interface NmAccessPoint {
  readonly path: string;
  readonly ssid: Uint8Array;
  readonly strength: number;
}

/** A saved connection profile (Settings.Connection.GetSettings), the engine's configurations. */
export interface NmProfile {
  readonly path: string;
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly interfaceName: string | null;
  readonly autoconnect: boolean;
  readonly priority: number;
  readonly metered: number;
  readonly ssid: Uint8Array | null;
}

export function readManager(props: Props): NmManager {
  const what = 'NetworkManager';
  return {
    state: readUint(props, 'State', what),
    connectivity: optional(props, 'Connectivity', what, readUint, 0),
    metered: optional(props, 'Metered', what, readUint, Metered.Unknown),
    primaryConnection: optional(props, 'PrimaryConnection', what, readObjectPath, noObject),
    startup: optional(props, 'Startup', what, readBoolean, false),
  };
}

export interface DeviceInterfaces {
  readonly device: Props;
  readonly statistics?: Props | undefined;
  readonly wireless?: Props | undefined;
  readonly modem?: Props | undefined;
}

export function readDevice(path: string, parts: DeviceInterfaces): NmDevice {
  const { device } = parts;
  return {
    path,
    interfaceName: readString(device, 'Interface', path),
    ipInterface: optional(device, 'IpInterface', path, readString, ''),
    deviceType: readUint(device, 'DeviceType', path),
    state: readUint(device, 'State', path),
    availableConnections: optional(device, 'AvailableConnections', path, readObjectPaths, []),
    activeConnection: optional(device, 'ActiveConnection', path, readObjectPath, noObject),
    statistics: parts.statistics ? readStatistics(parts.statistics, path) : null,
    accessPoints: parts.wireless
      ? optional(parts.wireless, 'AccessPoints', path, readObjectPaths, [])
      : [],
    lastScan: parts.wireless ? optional(parts.wireless, 'LastScan', path, readInt, -1) : -1,
    modemCapabilities: parts.modem
      ? optional(parts.modem, 'CurrentCapabilities', path, readUint, 0)
      : 0,
  };
}

function readStatistics(props: Props, path: string): NmStatistics {
  return {
    refreshRateMs: readUint(props, 'RefreshRateMs', path),
    txBytes: readCounter(props, 'TxBytes', path),
    rxBytes: readCounter(props, 'RxBytes', path),
  };
}

export function readActiveConnection(path: string, props: Props): NmActiveConnection {
  return {
    path,
    connection: optional(props, 'Connection', path, readObjectPath, noObject),
    uuid: readString(props, 'Uuid', path),
    name: optional(props, 'Id', path, readString, ''),
    type: optional(props, 'Type', path, readString, ''),
    devices: optional(props, 'Devices', path, readObjectPaths, []),
    state: readUint(props, 'State', path),
    default4: optional(props, 'Default', path, readBoolean, false),
    default6: optional(props, 'Default6', path, readBoolean, false),
  };
}

export function readAccessPoint(path: string, props: Props): NmAccessPoint {
  return {
    path,
    ssid: readBytes(props, 'Ssid', path),
    strength: optional(props, 'Strength', path, readUint, 0),
  };
}

/** GetSettings' a{sa{sv}}; the documented defaults where a key is absent. */
export function readProfile(path: string, settings: unknown): NmProfile {
  if (!isRecord(settings)) throw new NmReplyError(`${path} GetSettings: expected a{sa{sv}}`);
  const connection = readProps(settings.connection, `${path} connection`);
  const what = `${path} connection`;
  const wireless = isRecord(settings['802-11-wireless'])
    ? readProps(settings['802-11-wireless'], `${path} 802-11-wireless`)
    : null;
  const uuid = readString(connection, 'uuid', what);
  if (uuid.length === 0) throw new NmReplyError(`${what}.uuid: empty`);
  return {
    path,
    uuid,
    name: readString(connection, 'id', what),
    type: readString(connection, 'type', what),
    interfaceName:
      optional<string | null>(connection, 'interface-name', what, readString, null) || null,
    autoconnect: optional(connection, 'autoconnect', what, readBoolean, true),
    priority: optional(connection, 'autoconnect-priority', what, readInt, 0),
    metered: optional(connection, 'metered', what, readInt, Metered.Unknown),
    ssid: wireless
      ? optional<Uint8Array | null>(wireless, 'ssid', `${path} 802-11-wireless`, readBytes, null)
      : null,
  };
}
