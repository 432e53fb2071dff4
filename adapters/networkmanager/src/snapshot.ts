/** One consistent, typed picture of NetworkManager, read from the mirror and the profiles. */
import { NmReplyError } from './dbus-values.js';
import { iface, nmPath } from './nm-constants.js';
import type { NmObjectStore } from './nm-objects.js';
import {
  type NmAccessPoint,
  type NmActiveConnection,
  type NmDevice,
  type NmManager,
  type NmProfile,
  readAccessPoint,
  readActiveConnection,
  readDevice,
  readManager,
} from './nm-records.js';

export interface NmSnapshot {
  /** False while NetworkManager is not on the bus: nothing else here is current then. */
  readonly present: boolean;
  readonly manager: NmManager | null;
  readonly devices: ReadonlyMap<string, NmDevice>;
  readonly actives: ReadonlyMap<string, NmActiveConnection>;
  readonly accessPoints: ReadonlyMap<string, NmAccessPoint>;
  readonly profiles: readonly NmProfile[];
}

export interface SnapshotReading {
  readonly snapshot: NmSnapshot;
  /** Objects left out because NetworkManager described them in a shape it does not document. */
  readonly problems: readonly NmReplyError[];
}

export function readSnapshot(
  store: NmObjectStore,
  profiles: readonly NmProfile[],
  present: boolean,
): SnapshotReading {
  const problems: NmReplyError[] = [];
  const attempt = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof NmReplyError)) throw error;
      problems.push(error);
      return null;
    }
  };
  const managerProps = store.get(nmPath, iface.manager);
  const snapshot: NmSnapshot = {
    present,
    manager: managerProps ? attempt(() => readManager(managerProps)) : null,
    devices: collect(store, iface.device, (path, device) =>
      attempt(() =>
        readDevice(path, {
          device,
          statistics: store.get(path, iface.statistics),
          wireless: store.get(path, iface.wireless),
          modem: store.get(path, iface.modem),
        }),
      ),
    ),
    actives: collect(store, iface.active, (path, props) =>
      attempt(() => readActiveConnection(path, props)),
    ),
    accessPoints: collect(store, iface.accessPoint, (path, props) =>
      attempt(() => readAccessPoint(path, props)),
    ),
    profiles,
  };
  return { snapshot, problems };
}

export const absentSnapshot = (profiles: readonly NmProfile[]): NmSnapshot => ({
  present: false,
  manager: null,
  devices: new Map(),
  actives: new Map(),
  accessPoints: new Map(),
  profiles,
});

function collect<T>(
  store: NmObjectStore,
  name: string,
  read: (path: string, props: Readonly<Record<string, unknown>>) => T | null,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const [path, props] of store.withInterface(name)) {
    const record = read(path, props);
    if (record !== null) out.set(path, record);
  }
  return out;
}
