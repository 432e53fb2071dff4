import { isIPv4 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** Builds what `os.networkInterfaces()` would return for these addresses. */
export function interfaceTable(
  addresses: Record<string, readonly string[]>,
): Record<string, NetworkInterfaceInfo[]> {
  const table: Record<string, NetworkInterfaceInfo[]> = {};
  for (const [name, list] of Object.entries(addresses)) {
    table[name] = list.map((address) => entry(address));
  }
  return table;
}

function entry(address: string): NetworkInterfaceInfo {
  const internal = address.startsWith('127.') || address === '::1';
  const common = { mac: '02:00:00:00:00:01', internal, cidr: null };
  if (isIPv4(address)) return { ...common, address, netmask: '255.255.255.0', family: 'IPv4' };
  return { ...common, address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', scopeid: 0 };
}
