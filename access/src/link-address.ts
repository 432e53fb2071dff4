import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { buildConnector } from 'undici';

/** The local address a connection is bound to, and the family its target is looked up in. */
export interface SourceAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Where connections to a host get their source address from. */
export interface LinkSource {
  /** The address to bind a connection to `hostname` to; undefined: leave it to the kernel. */
  sourceFor(hostname: string): Promise<SourceAddress | undefined>;
}

export interface LinkAddressOptions {
  /** Milliseconds to wait for the link's address to reach the kernel (default 3 s). */
  readonly wait?: number;
  /** Milliseconds between looks while waiting (default 25). */
  readonly every?: number;
  /** The machine's interfaces (os.networkInterfaces; replaceable in tests). */
  readonly interfaces?: typeof networkInterfaces;
  /** Whether an interface exists, with or without addresses (default: /sys/class/net on Linux). */
  readonly present?: (name: string) => boolean;
}

/**
 * The source addresses of one link (interface), for binding the connections a roam moves onto
 * it: Linux routes by destination, not by link (weak host, nam.md §4.5), so while the old link's
 * routes still win, an unbound connection would leave from the old link's address and be
 * stranded when that link goes. Bound to the new link's address, it survives: once the old
 * routes are gone its packets follow the new link's, and replies come back to that address.
 *
 * A link can read Active before its address is in the kernel, and Node has no event for
 * addresses: while the interface exists, a connection waits a short, bounded time for it,
 * looking again every few milliseconds, and then goes out unbound rather than not at all. An
 * interface that is not there (gone, or a simulated one) costs no wait.
 */
export class LinkAddress implements LinkSource {
  readonly interfaceName: string;
  readonly #wait: number;
  readonly #every: number;
  readonly #interfaces: typeof networkInterfaces;
  readonly #present: (name: string) => boolean;

  constructor(interfaceName: string, options: LinkAddressOptions = {}) {
    this.interfaceName = interfaceName;
    this.#wait = options.wait ?? 3_000;
    this.#every = options.every ?? 25;
    this.#interfaces = options.interfaces ?? networkInterfaces;
    this.#present = options.present ?? inSysfs;
  }

  /**
   * The address to bind a connection to `hostname` to: one of the link's own addresses in the
   * family of the target (an IP literal), else IPv4 before IPv6. Undefined for loopback targets
   * (they never use a link), or when the link has no usable address in time.
   */
  async sourceFor(hostname: string): Promise<SourceAddress | undefined> {
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isLoopback(host)) return undefined;
    const literal = isIP(host);
    const families: ReadonlyArray<4 | 6> = literal === 4 ? [4] : literal === 6 ? [6] : [4, 6];
    const deadline = Date.now() + this.#wait;
    for (;;) {
      const found = this.#pick(families);
      if (found || !this.#exists() || Date.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, this.#every));
    }
  }

  /** Whether the interface is there at all, so that an address may still come. */
  #exists(): boolean {
    return (
      this.#interfaces()[this.interfaceName] !== undefined || this.#present(this.interfaceName)
    );
  }

  #pick(families: ReadonlyArray<4 | 6>): SourceAddress | undefined {
    const own = this.#interfaces()[this.interfaceName] ?? [];
    for (const family of families) {
      const usable = own.find(
        (a) =>
          !a.internal &&
          (family === 4 ? a.family === 'IPv4' : a.family === 'IPv6' && a.scopeid === 0),
      );
      if (usable) return { address: usable.address, family };
    }
    return undefined;
  }
}

type Connector = buildConnector.connector;

/**
 * A connector whose connections are bound to the address `link` gives for the host they go to
 * (undici hands its own, unset, localAddress to a connector: the binding is made here), the
 * host looked up in that address's family. `connectorFor` makes the connector of a family,
 * once each. Without a link: `connectorFor`'s own, unbound.
 */
export function linkBound(
  link: LinkSource | undefined,
  connectorFor: (family: 4 | 6 | undefined) => Connector,
): Connector {
  const connectors = new Map<4 | 6 | undefined, Connector>();
  const connector = (family: 4 | 6 | undefined) => {
    let made = connectors.get(family);
    if (!made) {
      made = connectorFor(family);
      connectors.set(family, made);
    }
    return made;
  };
  if (!link) return (options, callback) => connector(undefined)(options, callback);
  return (options, callback) => {
    link.sourceFor(options.hostname).then(
      (source) =>
        connector(source?.family)(
          source ? { ...options, localAddress: source.address } : options,
          callback,
        ),
      (error: Error) => callback(error, null),
    );
  };
}

/** os.networkInterfaces() lists only interfaces with addresses; Linux lists them all here. */
function inSysfs(name: string): boolean {
  return !name.includes('/') && existsSync(join('/sys/class/net', name));
}

/** Loopback hosts never need a session or a link (Qt sent them at once). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}
