/**
 * HTTP caching rules for a private cache (RFC 9111): what may be stored, how fresh it is, and
 * how a request's cache-load control decides between cache and network. Pure functions; the
 * files live in network-disk-cache.ts.
 *
 * API: `CacheLoadControl` (Qt's four), `HeaderInput` (undici-style header records),
 * `headerValue(headers, name)`, `parseCacheControl(value)`, `freshness(stored, now)`,
 * `isStorable(request, response)`, `cacheableRequest(method, headers)`.
 */

/** Qt's QNetworkRequest::CacheLoadControl. */
export type CacheLoadControl = 'AlwaysNetwork' | 'PreferNetwork' | 'PreferCache' | 'AlwaysCache';

/** Headers as undici takes and gives them: names in any case, repeated values as arrays. */
export type HeaderInput = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A header's value, repeated values joined with ', ' (set-cookie aside); undefined if absent. */
export function headerValue(headers: HeaderInput | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value.filter((v) => typeof v === 'string'));
  }
  return values.length > 0 ? values.join(', ') : undefined;
}

/** Cache-Control directives, names in lower case, quoted values unquoted; junk is skipped. */
export function parseCacheControl(value: string | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  if (!value || value.length > 8192) return directives;
  const pattern =
    /\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*(?:,|$)/gy;
  for (let match = pattern.exec(value); match && match[0] !== ''; match = pattern.exec(value)) {
    const name = match[1]!.toLowerCase();
    const raw = match[2] ?? '';
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (!directives.has(name)) directives.set(name, unquoted);
  }
  return directives;
}

/** A delta-seconds value (RFC 9111 §1.2.2); undefined if absent or invalid. */
export function deltaSeconds(directives: Map<string, string>, name: string): number | undefined {
  const raw = directives.get(name);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Math.min(Number(raw), 2 ** 31);
}

/** An HTTP date in ms; undefined if absent or invalid. */
export function httpDate(value: string | undefined): number | undefined {
  if (!value || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** What the cache remembers of a response, enough to judge its freshness. */
export interface StoredTiming {
  readonly status: number;
  readonly headers: HeaderInput;
  /** When the request was sent and the response headers came (ms since the epoch). */
  readonly requestTime: number;
  readonly responseTime: number;
}

/** Heuristic freshness is capped: a week, as browsers do. */
const maxHeuristicMs = 7 * 24 * 3600 * 1000;

/** Statuses a cache may store without explicit freshness (RFC 9110 §15.1). */
const heuristicallyCacheable = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** Freshness lifetime and current age in ms (RFC 9111 §4.2.1, §4.2.3). */
export function freshness(stored: StoredTiming, now: number): { lifetime: number; age: number } {
  const cc = parseCacheControl(headerValue(stored.headers, 'cache-control'));
  const date = httpDate(headerValue(stored.headers, 'date')) ?? stored.responseTime;
  let lifetime: number;
  const maxAge = deltaSeconds(cc, 'max-age');
  // s-maxage is for shared caches only: a private cache ignores it.
  if (maxAge !== undefined) lifetime = maxAge * 1000;
  else if (cc.has('max-age')) lifetime = 0;
  else if (headerValue(stored.headers, 'expires') !== undefined) {
    const expires = httpDate(headerValue(stored.headers, 'expires'));
    lifetime = expires === undefined ? 0 : Math.max(0, expires - date);
  } else {
    const lastModified = httpDate(headerValue(stored.headers, 'last-modified'));
    lifetime =
      lastModified !== undefined && heuristicallyCacheable.has(stored.status)
        ? Math.min(maxHeuristicMs, Math.max(0, (date - lastModified) / 10))
        : 0;
  }
  const ageHeader = Number(headerValue(stored.headers, 'age') ?? '0');
  const ageValue = Number.isFinite(ageHeader) && ageHeader >= 0 ? ageHeader * 1000 : 0;
  const apparentAge = Math.max(0, stored.responseTime - date);
  const responseDelay = Math.max(0, stored.responseTime - stored.requestTime);
  const correctedInitialAge = Math.max(apparentAge, ageValue + responseDelay);
  const residentTime = Math.max(0, now - stored.responseTime);
  return { lifetime, age: correctedInitialAge + residentTime };
}

/** Whether a stored response may be served without revalidation now. */
export function isFresh(stored: StoredTiming, now: number): boolean {
  const cc = parseCacheControl(headerValue(stored.headers, 'cache-control'));
  if (cc.has('no-cache')) return false;
  const { lifetime, age } = freshness(stored, now);
  return lifetime > age;
}

/** Whether a stale response must not be served without revalidation (must-revalidate/no-cache). */
export function mustRevalidate(stored: StoredTiming): boolean {
  const cc = parseCacheControl(headerValue(stored.headers, 'cache-control'));
  return cc.has('must-revalidate') || cc.has('no-cache');
}

/** Why a request does not use the cache at all, or undefined if it may. */
export function cacheableRequest(
  method: string,
  headers: HeaderInput | undefined,
): string | undefined {
  const m = method.toUpperCase();
  if (m !== 'GET' && m !== 'HEAD') return `${m} is not cached`;
  if (headerValue(headers, 'range') !== undefined) return 'Range requests bypass the cache';
  for (const name of [
    'if-none-match',
    'if-modified-since',
    'if-match',
    'if-unmodified-since',
    'if-range',
  ]) {
    if (headerValue(headers, name) !== undefined) return 'the application sent its own conditional';
  }
  return undefined;
}

const storableStatuses = new Set([200, 203, 204, 300, 301, 302, 307, 308, 404, 405, 410, 414, 501]);

/** Why a response may not be stored, or undefined if it may (RFC 9111 §3, private cache). */
export function unstorableReason(
  request: { method: string; headers?: HeaderInput | undefined },
  response: { status: number; headers: HeaderInput },
): string | undefined {
  if (request.method.toUpperCase() !== 'GET') return 'only GET responses are stored';
  if (headerValue(request.headers, 'range') !== undefined) return 'Range requests bypass the cache';
  if (!storableStatuses.has(response.status)) return `status ${response.status} is not stored`;
  const requestCc = parseCacheControl(headerValue(request.headers, 'cache-control'));
  const cc = parseCacheControl(headerValue(response.headers, 'cache-control'));
  if (requestCc.has('no-store') || cc.has('no-store')) return 'no-store';
  if (
    headerValue(response.headers, 'vary')
      ?.split(',')
      .some((v) => v.trim() === '*')
  )
    return 'Vary: *';
  if (headerValue(response.headers, 'content-range') !== undefined) return 'partial content';
  const explicit =
    cc.has('max-age') || cc.has('public') || headerValue(response.headers, 'expires') !== undefined;
  if (
    headerValue(request.headers, 'authorization') !== undefined &&
    !cc.has('public') &&
    !cc.has('must-revalidate') &&
    !cc.has('s-maxage')
  ) {
    return 'authorized request without public/must-revalidate';
  }
  // RFC 9111 §3: explicit freshness, `private` (we are a private cache) or a heuristically
  // cacheable status; without a validator such an entry still serves PreferCache/AlwaysCache.
  if (!explicit && !cc.has('private') && !heuristicallyCacheable.has(response.status)) {
    return `status ${response.status} needs explicit freshness`;
  }
  return undefined;
}
