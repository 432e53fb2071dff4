import { isIPv4, isIPv6 } from 'node:net';

/** One address of an interface, as far as the engine needs it. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly internal: boolean;
}

/** The shape of `os.networkInterfaces()`: what an injected source must return. */
export type InterfaceTable = Readonly<Record<string, readonly unknown[] | undefined>>;

/**
 * Groups a table like `os.networkInterfaces()` by interface. `ownerOf` maps a listed name to
 * the interface that owns it (Linux lists IPv4 alias labels such as `eth0:1`). Entries that
 * do not look like addresses are dropped rather than trusted.
 */
export function groupAddresses(
  table: unknown,
  ownerOf: (listedName: string) => string = (name) => name,
): Map<string, InterfaceAddress[]> {
  const groups = new Map<string, InterfaceAddress[]>();
  if (typeof table !== 'object' || table === null) return groups;
  for (const [listedName, entries] of Object.entries(table)) {
    if (!Array.isArray(entries)) continue;
    const owner = ownerOf(listedName);
    const list = groups.get(owner) ?? [];
    for (const entry of entries) {
      const address = toAddress(entry);
      if (address) list.push(address);
    }
    groups.set(owner, list);
  }
  return groups;
}

/**
 * Whether an address can reach beyond the link: not loopback, not unspecified, not IPv4
 * link-local (169.254/16, what a failed DHCP leaves) and not IPv6 link-local (fe80::/10,
 * which every IPv6 link gets by itself).
 */
export function isRoutable(address: InterfaceAddress): boolean {
  if (address.internal) return false;
  if (address.family === 'IPv4') return isRoutableIPv4(address.address);
  return isRoutableIPv6(address.address);
}

function isRoutableIPv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  if (a === 0 || a === 127) return false;
  return !(a === 169 && b === 254);
}

function isRoutableIPv6(address: string): boolean {
  const bare = address.toLowerCase();
  if (bare === '::' || bare === '::1') return false;
  const first = Number.parseInt(bare.split(':')[0] || '0', 16);
  return (first & 0xffc0) !== 0xfe80;
}

function toAddress(entry: unknown): InterfaceAddress | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { address, family, internal } = entry as Record<string, unknown>;
  if (typeof address !== 'string') return undefined;
  // Node 18.0-18.3 reported family as a number; accept both spellings.
  const isV4 = (family === 'IPv4' || family === 4) && isIPv4(address);
  const isV6 = (family === 'IPv6' || family === 6) && isIPv6(address.split('%')[0] ?? '');
  if (!isV4 && !isV6) return undefined;
  return {
    address: address.split('%')[0] ?? address,
    family: isV4 ? 'IPv4' : 'IPv6',
    internal: internal === true,
  };
}
