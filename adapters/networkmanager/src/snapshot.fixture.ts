/**
 * Fake NetworkManager *data* for unit tests of the pure parts: snapshots as the engine reads
 * them from D-Bus, including Wi-Fi and modems, which the sandbox cannot have. Not a fake NM.
 */
import {
  ActiveState,
  Connectivity,
  DeviceState,
  DeviceType,
  Metered,
  NmState,
  noObject,
} from './nm-constants.js';
import type {
  NmAccessPoint,
  NmActiveConnection,
  NmDevice,
  NmManager,
  NmProfile,
} from './nm-records.js';
import type { NmSnapshot } from './snapshot.js';

export const manager = (over: Partial<NmManager> = {}): NmManager => ({
  state: NmState.ConnectedGlobal,
  connectivity: Connectivity.Full,
  metered: Metered.GuessNo,
  primaryConnection: noObject,
  startup: false,
  ...over,
});

export const profile = (n: number, over: Partial<NmProfile> = {}): NmProfile => ({
  path: `/org/freedesktop/NetworkManager/Settings/${n}`,
  uuid: `00000000-0000-4000-8000-00000000000${n}`,
  name: `profile ${n}`,
  type: '802-3-ethernet',
  interfaceName: null,
  autoconnect: true,
  priority: 0,
  metered: Metered.Unknown,
  ssid: null,
  ...over,
});

export const device = (n: number, over: Partial<NmDevice> = {}): NmDevice => ({
  path: `/org/freedesktop/NetworkManager/Devices/${n}`,
  interfaceName: `eth${n}`,
  ipInterface: `eth${n}`,
  deviceType: DeviceType.Ethernet,
  state: DeviceState.Disconnected,
  availableConnections: [],
  activeConnection: noObject,
  statistics: { refreshRateMs: 0, txBytes: 0, rxBytes: 0 },
  accessPoints: [],
  lastScan: -1,
  modemCapabilities: 0,
  ...over,
});

export const active = (
  n: number,
  of: NmProfile,
  over: Partial<NmActiveConnection> = {},
): NmActiveConnection => ({
  path: `/org/freedesktop/NetworkManager/ActiveConnection/${n}`,
  connection: of.path,
  uuid: of.uuid,
  name: of.name,
  type: of.type,
  devices: [],
  state: ActiveState.Activated,
  default4: false,
  default6: false,
  ...over,
});

export const accessPoint = (n: number, ssid: string | Uint8Array): NmAccessPoint => ({
  path: `/org/freedesktop/NetworkManager/AccessPoint/${n}`,
  ssid: typeof ssid === 'string' ? Buffer.from(ssid) : ssid,
  strength: 70,
});

export interface SnapshotParts {
  readonly present?: boolean;
  readonly manager?: NmManager | null;
  readonly devices?: readonly NmDevice[];
  readonly actives?: readonly NmActiveConnection[];
  readonly accessPoints?: readonly NmAccessPoint[];
  readonly profiles?: readonly NmProfile[];
}

export const snapshot = (parts: SnapshotParts = {}): NmSnapshot => ({
  present: parts.present ?? true,
  manager: parts.manager === undefined ? manager() : parts.manager,
  devices: new Map((parts.devices ?? []).map((d) => [d.path, d])),
  actives: new Map((parts.actives ?? []).map((a) => [a.path, a])),
  accessPoints: new Map((parts.accessPoints ?? []).map((a) => [a.path, a])),
  profiles: parts.profiles ?? [],
});
