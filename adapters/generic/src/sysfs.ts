import { closeSync, constants, openSync, readSync } from 'node:fs';
import { open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrafficStatistics } from '@netbearer/core';

/** The kernel's RFC 2863 operational states, as /sys/class/net/<if>/operstate spells them. */
export const operStates = [
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
] as const;
export type OperState = (typeof operStates)[number];

/**
 * What sysfs says about one interface. A field is undefined where the file was missing,
 * unreadable or held something we do not recognise: unknown, never guessed.
 */
export interface LinkFacts {
  readonly name: string;
  readonly operstate: OperState | undefined;
  /** Undefined also while the link is administratively down: the kernel refuses the read. */
  readonly carrier: boolean | undefined;
  /** ARPHRD_* hardware type. */
  readonly type: number | undefined;
  /** IFF_* flags as the kernel stores them (IFF_UP, IFF_LOOPBACK, …). */
  readonly flags: number | undefined;
  readonly wireless: boolean;
  /** DEVTYPE from uevent: 'wlan', 'bridge', 'vlan', 'wireguard', … */
  readonly devtype: string | undefined;
  /** The device lives under /sys/devices/virtual: no hardware behind it. */
  readonly virtualDevice: boolean;
  /** Devices below this one (bridge ports, bond slaves, a VLAN's parent). */
  readonly lowers: readonly string[];
}

// Real attributes are a line or two; a bigger file is not a sysfs attribute.
const maxAttributeBytes = 4096;
// A FIFO planted where an attribute should be must not block a thread-pool thread for ever.
const readFlags = constants.O_RDONLY | constants.O_NONBLOCK;

/** Interface names under the sysfs root; rejects when the root itself cannot be listed. */
export async function listLinkNames(root: string): Promise<string[]> {
  return readdir(root);
}

/** Everything sysfs tells about one interface; undefined if it is not (or no longer) one. */
export async function readLinkFacts(root: string, name: string): Promise<LinkFacts | undefined> {
  const dir = join(root, name);
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return undefined; // vanished meanwhile, or a plain file such as bonding_masters
  const attribute = (file: string) => readAttribute(join(dir, file));
  const [operstate, carrier, type, flags, uevent, target] = await Promise.all([
    attribute('operstate'),
    attribute('carrier'),
    attribute('type'),
    attribute('flags'),
    attribute('uevent'),
    readlink(dir).catch(() => undefined),
  ]);
  const devtype = parseDevtype(uevent);
  return {
    name,
    operstate: parseOperState(operstate),
    carrier: parseCarrier(carrier),
    type: parseDecimal(type),
    flags: parseHex(flags),
    wireless: entries.includes('wireless') || entries.includes('phy80211') || devtype === 'wlan',
    devtype,
    virtualDevice: target !== undefined && /(^|\/)devices\/virtual\//.test(target),
    lowers: entries.filter((e) => e.startsWith('lower_')).map((e) => e.slice('lower_'.length)),
  };
}

/**
 * The kernel's byte counters of an interface, read synchronously because the engine contract
 * asks for them synchronously; undefined if either counter is missing or not a number.
 */
export function readLinkStatistics(root: string, name: string): TrafficStatistics | undefined {
  const counter = (file: string) =>
    parseCounter(readAttributeSync(join(root, name, 'statistics', file)));
  const bytesReceived = counter('rx_bytes');
  const bytesWritten = counter('tx_bytes');
  if (bytesReceived === undefined || bytesWritten === undefined) return undefined;
  return { bytesReceived, bytesWritten };
}

async function readAttribute(path: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, readFlags);
    const buffer = Buffer.alloc(maxAttributeBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxAttributeBytes, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => {});
  }
}

function readAttributeSync(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, readFlags);
    const buffer = Buffer.alloc(64);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function parseOperState(text: string | undefined): OperState | undefined {
  const value = text?.trim();
  return operStates.find((s) => s === value);
}

export function parseCarrier(text: string | undefined): boolean | undefined {
  const value = text?.trim();
  return value === '1' ? true : value === '0' ? false : undefined;
}

export function parseDecimal(text: string | undefined): number | undefined {
  const value = text?.trim();
  return value && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

export function parseHex(text: string | undefined): number | undefined {
  const value = text?.trim();
  return value && /^0x[0-9a-f]{1,8}$/i.test(value)
    ? Number.parseInt(value.slice(2), 16)
    : undefined;
}

/** u64 counters; beyond 2^53 they lose precision, which byte totals can afford. */
export function parseCounter(text: string | undefined): number | undefined {
  const value = text?.trim();
  return value && /^\d{1,20}$/.test(value) ? Number(value) : undefined;
}

export function parseDevtype(uevent: string | undefined): string | undefined {
  for (const line of uevent?.split('\n') ?? []) {
    const match = /^DEVTYPE=([A-Za-z0-9_.-]{1,32})$/.exec(line.trim());
    if (match) return match[1];
  }
  return undefined;
}
