/**
 * Plain dbus-next calls against a sandboxed NetworkManager, for tests that check the sandbox
 * itself or set up profiles the way an administrator would (Settings.AddConnection).
 */
import dbus, { type MessageBus, type Variant } from 'dbus-next';

export const nmName = 'org.freedesktop.NetworkManager';
export const nmPath = '/org/freedesktop/NetworkManager';

export type ManagedObjects = Record<string, Record<string, Record<string, Variant>>>;

/** A private bus is not the session bus, but dbus-next connects to any address this way. */
export function openBus(busAddress: string): MessageBus {
  const bus = dbus.sessionBus({ busAddress });
  bus.on('error', () => {});
  return bus;
}

export const variant = (signature: string, value: unknown): Variant =>
  new dbus.Variant(signature, value);

export async function call(
  bus: MessageBus,
  path: string,
  iface: string,
  member: string,
  signature = '',
  body: unknown[] = [],
): Promise<unknown[]> {
  const message = new dbus.Message({
    destination: nmName,
    path,
    interface: iface,
    member,
    signature,
    body,
  });
  const reply = await bus.call(message);
  return reply?.body ?? [];
}

export async function getProperty(
  bus: MessageBus,
  path: string,
  iface: string,
  name: string,
): Promise<unknown> {
  const [value] = await call(bus, path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [
    iface,
    name,
  ]);
  return (value as Variant).value;
}

export async function managedObjects(bus: MessageBus): Promise<ManagedObjects> {
  const [objects] = await call(
    bus,
    '/org/freedesktop',
    'org.freedesktop.DBus.ObjectManager',
    'GetManagedObjects',
  );
  return objects as ManagedObjects;
}

export function deviceNames(objects: ManagedObjects): string[] {
  return Object.values(objects).flatMap((ifaces) => {
    const device = ifaces[`${nmName}.Device`];
    return device?.Interface ? [String(device.Interface.value)] : [];
  });
}

export async function devicePath(bus: MessageBus, interfaceName: string): Promise<string> {
  const [path] = await call(bus, nmPath, nmName, 'GetDeviceByIpIface', 's', [interfaceName]);
  return String(path);
}

export interface ProfileSpec {
  readonly name: string;
  readonly interfaceName?: string;
  readonly autoconnect?: boolean;
  readonly priority?: number;
  readonly metered?: boolean;
}

/** Adds a DHCP Ethernet profile over D-Bus: names go through untouched, no shell, no nmcli. */
export function addEthernetProfile(bus: MessageBus, profile: ProfileSpec): Promise<string> {
  return addProfile(bus, '802-3-ethernet', profile, { '802-3-ethernet': {} });
}

/** Any profile type NetworkManager saves without hardware (Wi-Fi, GSM, bridge, ...). */
export async function addProfile(
  bus: MessageBus,
  type: string,
  profile: ProfileSpec,
  extra: Record<string, Record<string, Variant>> = {},
): Promise<string> {
  const uuid = crypto.randomUUID();
  const connection: Record<string, Variant> = {
    id: variant('s', profile.name),
    uuid: variant('s', uuid),
    type: variant('s', type),
    autoconnect: variant('b', profile.autoconnect ?? false),
    'autoconnect-priority': variant('i', profile.priority ?? 0),
  };
  if (profile.interfaceName) connection['interface-name'] = variant('s', profile.interfaceName);
  if (profile.metered !== undefined) connection.metered = variant('i', profile.metered ? 1 : 2);
  const settings = {
    connection,
    ipv4: { method: variant('s', 'auto') },
    ipv6: { method: variant('s', 'disabled') },
    ...extra,
  };
  await call(bus, `${nmPath}/Settings`, `${nmName}.Settings`, 'AddConnection', 'a{sa{sv}}', [
    settings,
  ]);
  return uuid;
}

/**
 * An Ethernet profile that must get IPv6 and does without IPv4. The sandbox's router sends no
 * IPv6 router advertisements: its activation waits `raTimeout` seconds, then fails.
 */
export function addIpv6OnlyProfile(
  bus: MessageBus,
  profile: ProfileSpec,
  raTimeout: number,
): Promise<string> {
  return addProfile(bus, '802-3-ethernet', profile, {
    '802-3-ethernet': {},
    ipv4: { method: variant('s', 'disabled') },
    ipv6: {
      method: variant('s', 'auto'),
      'may-fail': variant('b', false),
      'ra-timeout': variant('i', raTimeout),
    },
  });
}

export async function profilePath(bus: MessageBus, uuid: string): Promise<string> {
  const [path] = await call(
    bus,
    `${nmPath}/Settings`,
    `${nmName}.Settings`,
    'GetConnectionByUuid',
    's',
    [uuid],
  );
  return String(path);
}

export async function deleteProfile(bus: MessageBus, uuid: string): Promise<void> {
  await call(bus, await profilePath(bus, uuid), `${nmName}.Settings.Connection`, 'Delete');
}

/** Changes connection.* keys of a saved profile, keeping the rest. */
export async function updateProfile(
  bus: MessageBus,
  uuid: string,
  connection: Record<string, Variant>,
): Promise<void> {
  const path = await profilePath(bus, uuid);
  const [settings] = (await call(bus, path, `${nmName}.Settings.Connection`, 'GetSettings')) as [
    Record<string, Record<string, Variant>>,
  ];
  settings.connection = { ...settings.connection, ...connection };
  await call(bus, path, `${nmName}.Settings.Connection`, 'Update', 'a{sa{sv}}', [settings]);
}
