import type { EngineConfiguration } from '@netbearer/core';
import { groupAddresses, type InterfaceAddress } from './addresses.js';
import { classifyLink, classifyListed, hasPhysicalLower } from './classify.js';
import { readDefaultRoutes } from './routes.js';
import { type LinkFacts, listLinkNames, readLinkFacts } from './sysfs.js';

/** Where the engine reads the machine from; every part can be replaced in tests. */
export interface InventorySource {
  readonly platform: NodeJS.Platform;
  readonly sysfsRoot: string;
  readonly procNetRoot: string;
  /** Something shaped like `os.networkInterfaces()`. */
  readonly interfaces: () => unknown;
}

/** sysfs: Linux with /sys/class/net readable; interfaces: `os.networkInterfaces()` only. */
export type InventoryMethod = 'sysfs' | 'interfaces';

/** One complete reading of the machine. */
export interface Inventory {
  readonly configurations: readonly EngineConfiguration[];
  /** The interface of the best default route, when it is one of the configurations. */
  readonly defaultInterface: string | undefined;
}

export function isLinuxLike(platform: NodeJS.Platform): boolean {
  return platform === 'linux' || platform === 'android';
}

/** sysfs where the kernel offers it; a container or Android may hide it. */
export async function chooseMethod(source: InventorySource): Promise<InventoryMethod> {
  if (!isLinuxLike(source.platform)) return 'interfaces';
  return listLinkNames(source.sysfsRoot).then(
    () => 'sysfs',
    () => 'interfaces',
  );
}

/** Rejects only when the sysfs root cannot be listed; anything else unreadable is unknown. */
export async function takeInventory(
  source: InventorySource,
  method: InventoryMethod,
): Promise<Inventory> {
  const routes = isLinuxLike(source.platform)
    ? (await readDefaultRoutes(source.procNetRoot)).interfaces
    : [];
  const configurations =
    method === 'sysfs' ? await fromSysfs(source, routes) : fromInterfaces(source);
  const named = new Set(configurations.map((c) => c.name));
  return { configurations, defaultInterface: routes.find((name) => named.has(name)) };
}

async function fromSysfs(
  source: InventorySource,
  routes: readonly string[],
): Promise<EngineConfiguration[]> {
  const names = await listLinkNames(source.sysfsRoot);
  const read = await Promise.all(names.map((name) => readLinkFacts(source.sysfsRoot, name)));
  const links = new Map<string, LinkFacts>();
  for (const facts of read) if (facts) links.set(facts.name, facts);
  const addresses = groupAddresses(readTable(source), (name) => ownerOnLinux(name, links));
  return sortedNames(links.keys()).flatMap(
    (name) =>
      classifyLink(links.get(name)!, {
        addresses: addresses.get(name) ?? [],
        routesDefault: routes.includes(name),
        hasPhysicalLower: hasPhysicalLower(name, links),
      }) ?? [],
  );
}

function fromInterfaces(source: InventorySource): EngineConfiguration[] {
  const addresses = groupAddresses(readTable(source));
  return sortedNames(addresses.keys()).flatMap(
    (name) => classifyListed(name, addresses.get(name) as InterfaceAddress[]) ?? [],
  );
}

/**
 * Linux names cannot contain ':', so `eth0:1` is an IPv4 alias label of eth0 (getifaddrs
 * reports the label, not the device).
 */
function ownerOnLinux(listedName: string, links: ReadonlyMap<string, LinkFacts>): string {
  if (links.has(listedName)) return listedName;
  const device = listedName.split(':')[0] ?? listedName;
  return links.has(device) ? device : listedName;
}

// uv_interface_addresses fails in some sandboxes; then no address is known, nothing more.
function readTable(source: InventorySource): unknown {
  try {
    return source.interfaces();
  } catch {
    return {};
  }
}

function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
