import type { BearerType, ConfigurationState, EngineConfiguration } from '@netbearer/core';
import { type InterfaceAddress, isRoutable } from './addresses.js';
import type { LinkFacts } from './sysfs.js';

/**
 * Identifiers are `generic:` + the interface name: stable for as long as the OS keeps the
 * name (predictable names survive reboots); a renamed interface is a new configuration.
 */
export const identifierPrefix = 'generic:';

export function identifierOf(interfaceName: string): string {
  return identifierPrefix + interfaceName;
}

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

const virtualDevtypes = new Set([
  'bridge',
  'bond',
  'veth',
  'vlan',
  'tun',
  'tap',
  'wireguard',
  'vxlan',
  'geneve',
  'macvlan',
  'macvtap',
  'ipvlan',
]);

const virtualNamePrefixes = [
  ...['docker', 'veth', 'br-', 'virbr', 'tun', 'tap', 'wg', 'vboxnet', 'vmnet'],
  ...['zt', 'tailscale', 'utun'],
  // macOS pseudo-interfaces: Apple Wireless Direct Link, low-latency WLAN, tunnels, bridges.
  ...['awdl', 'llw', 'gif', 'stf', 'bridge'],
  // Windows: Hyper-V and WSL virtual switches.
  'vEthernet',
];

/** Facts about a Linux interface beyond its own sysfs directory. */
export interface LinkContext {
  readonly addresses: readonly InterfaceAddress[];
  /** It carries a default route: the system's way out, whatever kind of device it is. */
  readonly routesDefault: boolean;
  /** Some device below it (a bridge port, a bond slave, a VLAN's parent) is hardware. */
  readonly hasPhysicalLower: boolean;
}

/** A Linux interface as a configuration; undefined for loopback, which is none. */
export function classifyLink(
  facts: LinkFacts,
  context: LinkContext,
): EngineConfiguration | undefined {
  if (isLoopback(facts)) return undefined;
  const state: ConfigurationState = !linkIsUp(facts)
    ? 'Defined'
    : context.addresses.some(isRoutable)
      ? 'Active'
      : 'Discovered';
  const virtual = !(context.routesDefault || context.hasPhysicalLower) && looksVirtual(facts);
  return accessPoint(facts.name, state, bearerOf(facts), virtual);
}

/**
 * Where only `os.networkInterfaces()` is known: it lists interfaces that are up and running
 * (libuv filters the rest out), so a listed one is at least Discovered and a down one is not
 * seen at all. Loopback shows as internal addresses only.
 */
export function classifyListed(
  name: string,
  addresses: readonly InterfaceAddress[],
): EngineConfiguration | undefined {
  if (addresses.every((a) => a.internal)) return undefined;
  const state = addresses.some(isRoutable) ? 'Active' : 'Discovered';
  return accessPoint(name, state, 'Unknown', nameLooksVirtual(name));
}

export function isLoopback(facts: LinkFacts): boolean {
  if (facts.type === undefined && facts.flags === undefined) return facts.name === 'lo';
  return facts.type === ARPHRD_LOOPBACK || ((facts.flags ?? 0) & IFF_LOOPBACK) !== 0;
}

/** Administratively up and with a carrier; an unreadable flag is no evidence either way. */
export function linkIsUp(facts: LinkFacts): boolean {
  if (facts.flags !== undefined && (facts.flags & IFF_UP) === 0) return false;
  if (facts.operstate === 'up') return true;
  // Drivers that do not track an operational state (tun, dummy) report "unknown".
  if (facts.operstate === 'unknown' || facts.operstate === undefined) return facts.carrier === true;
  return false;
}

export function bearerOf(facts: LinkFacts): BearerType {
  if (facts.wireless) return 'WLAN';
  if (facts.devtype === 'bluetooth') return 'Bluetooth';
  // A modem in Ethernet mode: cellular, but of a generation the kernel does not tell.
  if (facts.devtype === 'wwan') return 'Unknown';
  return facts.type === ARPHRD_ETHER ? 'Ethernet' : 'Unknown';
}

/** No hardware of its own, by the kernel's placement, its device type, or a known name. */
export function looksVirtual(facts: LinkFacts): boolean {
  if (facts.virtualDevice) return true;
  if (facts.devtype !== undefined && virtualDevtypes.has(facts.devtype)) return true;
  return nameLooksVirtual(facts.name);
}

export function nameLooksVirtual(name: string): boolean {
  return virtualNamePrefixes.some((prefix) => name.startsWith(prefix));
}

/** Whether hardware sits somewhere below `name`, following lower_* links, cycles ignored. */
export function hasPhysicalLower(
  name: string,
  links: ReadonlyMap<string, LinkFacts>,
  seen: Set<string> = new Set([name]),
): boolean {
  for (const lower of links.get(name)?.lowers ?? []) {
    const facts = links.get(lower);
    if (!facts || seen.has(lower)) continue;
    seen.add(lower);
    if (!looksVirtual(facts) || hasPhysicalLower(lower, links, seen)) return true;
  }
  return false;
}

function accessPoint(
  name: string,
  state: ConfigurationState,
  bearerType: BearerType,
  virtual: boolean,
): EngineConfiguration {
  return {
    identifier: identifierOf(name),
    name,
    type: 'InternetAccessPoint',
    state,
    bearerType,
    purpose: 'UnknownPurpose',
    interfaceName: name,
    virtual,
  };
}
