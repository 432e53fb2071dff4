import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Interfaces that carry a default route of the main table, best (lowest metric) first. */
export interface DefaultRoutes {
  readonly interfaces: readonly string[];
}

interface Route {
  readonly name: string;
  readonly metric: number;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/**
 * Reads /proc/net/route and /proc/net/ipv6_route (per network namespace). IPv4 defaults
 * rank before IPv6 ones; an unreadable or garbled file simply contributes nothing.
 */
export async function readDefaultRoutes(procNetRoot: string): Promise<DefaultRoutes> {
  const read = (file: string) => readFile(join(procNetRoot, file), 'utf8').catch(() => '');
  const [v4, v6] = await Promise.all([read('route'), read('ipv6_route')]);
  return rank(v4, v6);
}

/** The same, read synchronously: two small files, for a getter that must answer now. */
export function readDefaultRoutesSync(procNetRoot: string): DefaultRoutes {
  const read = (file: string) => {
    try {
      return readFileSync(join(procNetRoot, file), 'utf8');
    } catch {
      return '';
    }
  };
  return rank(read('route'), read('ipv6_route'));
}

function rank(v4: string, v6: string): DefaultRoutes {
  const ranked = [...parseIPv4Defaults(v4), ...parseIPv6Defaults(v6)];
  return { interfaces: [...new Set(ranked.map((r) => r.name))] };
}

/** Columns: Iface Destination Gateway Flags RefCnt Use Metric Mask …, hex in host order. */
export function parseIPv4Defaults(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [name, destination, , flags, , , metric, mask] = line.trim().split(/\s+/);
    if (!name || destination !== '00000000' || mask !== '00000000') continue;
    if (!hasFlags(flags, RTF_UP) || !metric || !/^\d{1,10}$/.test(metric)) continue;
    routes.push({ name, metric: Number(metric) });
  }
  return byMetric(routes);
}

/** Columns: dest destlen src srclen nexthop metric refcnt use flags dev, all hex. */
export function parseIPv6Defaults(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n')) {
    const [destination, length, , , , metric, , , flags, name] = line.trim().split(/\s+/);
    if (!name || name === 'lo' || destination !== '0'.repeat(32) || length !== '00') continue;
    if (!hasFlags(flags, RTF_UP) || hasFlags(flags, RTF_REJECT)) continue;
    if (!metric || !/^[0-9a-f]{8}$/i.test(metric)) continue;
    routes.push({ name, metric: Number.parseInt(metric, 16) });
  }
  return byMetric(routes);
}

function hasFlags(text: string | undefined, flag: number): boolean {
  if (!text || !/^[0-9a-f]{1,8}$/i.test(text)) return false;
  return (Number.parseInt(text, 16) & flag) !== 0;
}

function byMetric(routes: Route[]): Route[] {
  return routes.sort((a, b) => a.metric - b.metric);
}
