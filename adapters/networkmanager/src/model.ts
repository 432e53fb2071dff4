/**
 * From a snapshot of NetworkManager to the engine's configurations (pure). Qt's rules, with
 * NetworkManager's own notion of "could be activated here" (Device.AvailableConnections:
 * carrier for Ethernet, a visible access point for Wi-Fi) deciding Discovered.
 */
import type { ConfigurationState, EngineConfiguration, Purpose } from '@netbearer/core';
import { profileIdentifier, ssidName, wifiIdentifier } from './identifiers.js';
import { bearerOf, isLoopback, isVirtualProfileType } from './mapping.js';
import { ActiveState, DeviceState, DeviceType, NmState } from './nm-constants.js';
import type { NmActiveConnection, NmDevice, NmProfile } from './nm-records.js';
import type { NmSnapshot } from './snapshot.js';

export interface ModelEntry {
  readonly configuration: EngineConfiguration;
  /** connection.autoconnect-priority; null for networks without a saved profile. */
  readonly priority: number | null;
  readonly profile: NmProfile | null;
  /** The active connection of this profile, in whatever state, if any. */
  readonly active: NmActiveConnection | null;
}

export interface Model {
  readonly present: boolean;
  readonly entries: ReadonlyMap<string, ModelEntry>;
  /** The configuration holding the default route (Default, else Default6), if any. */
  readonly defaultIdentifier: string | null;
}

export function buildModel(snapshot: NmSnapshot): Model {
  const entries = new Map<string, ModelEntry>();
  for (const profile of snapshot.profiles) {
    if (isLoopback(profile.type)) continue;
    const entry = profileEntry(snapshot, profile);
    entries.set(entry.configuration.identifier, entry);
  }
  for (const entry of unsavedWifiEntries(snapshot))
    entries.set(entry.configuration.identifier, entry);
  return {
    present: snapshot.present,
    entries,
    defaultIdentifier: defaultIdentifierOf(snapshot, entries),
  };
}

function profileEntry(snapshot: NmSnapshot, profile: NmProfile): ModelEntry {
  const active = snapshot.present ? activeOf(snapshot, profile.uuid) : null;
  const device = active ? firstDevice(snapshot, active) : null;
  const state = profileState(snapshot, profile, active);
  const configuration: EngineConfiguration = {
    identifier: profileIdentifier(profile.uuid),
    name: profile.name,
    type: 'InternetAccessPoint',
    state,
    bearerType: bearerOf(profile.type, device?.modemCapabilities ?? 0),
    purpose: purposeOf(snapshot, active),
    interfaceName: state === 'Active' && device ? device.ipInterface || device.interfaceName : null,
    virtual: isVirtualProfileType(profile.type),
  };
  return { configuration, priority: profile.priority, profile, active };
}

function profileState(
  snapshot: NmSnapshot,
  profile: NmProfile,
  active: NmActiveConnection | null,
): ConfigurationState {
  if (!snapshot.present) return 'Defined';
  if (active?.state === ActiveState.Activated) return 'Active';
  for (const device of snapshot.devices.values()) {
    if (canCarry(device) && device.availableConnections.includes(profile.path)) return 'Discovered';
  }
  return 'Defined';
}

/** A device NetworkManager manages and that has what it needs (carrier, firmware). */
export function canCarry(device: NmDevice): boolean {
  return (
    device.deviceType !== DeviceType.Loopback &&
    device.state >= DeviceState.Disconnected &&
    device.state !== DeviceState.Unknown
  );
}

/**
 * Prefer the activated one, then one on its way up: a profile being re-activated (or started
 * by another client while it goes down) can briefly have two.
 */
export function activeOf(snapshot: NmSnapshot, uuid: string): NmActiveConnection | null {
  let found: NmActiveConnection | null = null;
  for (const active of snapshot.actives.values()) {
    if (active.uuid !== uuid) continue;
    if (!found || rank(active) > rank(found)) found = active;
  }
  return found;
}

function rank(active: NmActiveConnection): number {
  if (active.state === ActiveState.Activated) return 2;
  return active.state === ActiveState.Activating ? 1 : 0;
}

export function firstDevice(snapshot: NmSnapshot, active: NmActiveConnection): NmDevice | null {
  for (const path of active.devices) {
    const device = snapshot.devices.get(path);
    if (device) return device;
  }
  return null;
}

/** Qt: the connection holding the default route is private until NM reaches the Internet. */
function purposeOf(snapshot: NmSnapshot, active: NmActiveConnection | null): Purpose {
  const holdsDefault =
    active?.state === ActiveState.Activated && (active.default4 || active.default6);
  const global = (snapshot.manager?.state ?? NmState.Unknown) >= NmState.ConnectedGlobal;
  return holdsDefault && !global ? 'PrivatePurpose' : 'PublicPurpose';
}

/** Networks in range with no saved profile (Qt listed them as Undefined). */
function unsavedWifiEntries(snapshot: NmSnapshot): ModelEntry[] {
  if (!snapshot.present) return [];
  const saved = new Set(
    snapshot.profiles.flatMap((p) => (p.ssid ? [Buffer.from(p.ssid).toString('hex')] : [])),
  );
  const seen = new Map<string, ModelEntry>();
  for (const device of snapshot.devices.values()) {
    if (device.deviceType !== DeviceType.WiFi || !canCarry(device)) continue;
    for (const path of device.accessPoints) {
      const ap = snapshot.accessPoints.get(path);
      if (!ap || ap.ssid.length === 0) continue;
      const hex = Buffer.from(ap.ssid).toString('hex');
      if (saved.has(hex) || seen.has(hex)) continue;
      seen.set(hex, unsavedWifiEntry(ap.ssid));
    }
  }
  return [...seen.values()];
}

function unsavedWifiEntry(ssid: Uint8Array): ModelEntry {
  const configuration: EngineConfiguration = {
    identifier: wifiIdentifier(ssid),
    name: ssidName(ssid),
    type: 'InternetAccessPoint',
    state: 'Undefined',
    bearerType: 'WLAN',
    purpose: 'PublicPurpose',
    interfaceName: null,
    virtual: false,
    capabilities: [],
  };
  return { configuration, priority: null, profile: null, active: null };
}

function defaultIdentifierOf(
  snapshot: NmSnapshot,
  entries: ReadonlyMap<string, ModelEntry>,
): string | null {
  if (!snapshot.present) return null;
  const activated = [...snapshot.actives.values()].filter((a) => a.state === ActiveState.Activated);
  const holder = activated.find((a) => a.default4) ?? activated.find((a) => a.default6);
  const identifier = holder ? profileIdentifier(holder.uuid) : null;
  return identifier && entries.has(identifier) ? identifier : null;
}
