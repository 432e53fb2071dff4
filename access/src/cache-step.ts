import { decoded, decodersFor } from './content-decoding.js';
import { NetworkReplyError } from './errors.js';
import { groupHeaders, header } from './header-list.js';
import type { CacheDecision, CacheEntry, NetworkDiskCache } from './network-disk-cache.js';
import { networkErrorOfStatus } from './network-error.js';
import type { Hop, HopResponse, HttpEnvironment, HttpJob } from './transfer-types.js';

/** The cache's part of a transfer: lookup before the network, 304s, storing what arrives. */

/**
 * Asks the cache first. 'served': the reply was answered from it (no network, no session);
 * otherwise the decision, with its validators already added to the hop.
 */
export async function consultCache(
  hop: Hop,
  job: HttpJob,
  env: HttpEnvironment,
): Promise<CacheDecision | 'served' | undefined> {
  const loadControl = job.request.attribute('CacheLoadControlAttribute') ?? 'PreferNetwork';
  if (!env.cache) {
    if (loadControl === 'AlwaysCache') {
      throw new NetworkReplyError('ContentNotFoundError', `${hop.url.href} is not in the cache`);
    }
    return undefined;
  }
  const decision = await env.cache.lookup({
    method: hop.verb,
    url: hop.url,
    headers: Object.fromEntries([...hop.headers.values()]),
    loadControl,
  });
  switch (decision.kind) {
    case 'fresh':
      await serveCached(decision.entry, decision.body, job);
      return 'served';
    case 'unavailable':
      throw new NetworkReplyError('ContentNotFoundError', `${hop.url.href} is not in the cache`);
    case 'stale':
    case 'miss':
      for (const [name, value] of Object.entries(decision.requestHeaders)) {
        const key = name.toLowerCase();
        // The application's own Cache-Control wins over AlwaysNetwork's.
        if (!hop.headers.has(key)) hop.extra.set(key, [name, value]);
      }
      return decision;
    case 'bypass':
      return decision;
  }
}

/** A 304 answered a revalidation: serve the refreshed entry. False if it vanished meanwhile. */
export async function revalidated(
  response: HopResponse,
  entry: CacheEntry,
  job: HttpJob,
  env: HttpEnvironment,
): Promise<boolean> {
  await response.release();
  const hit = await env.cache?.updateFrom304(
    entry,
    Object.fromEntries(groupHeaders(response.headers)),
  );
  if (!hit) return false;
  await serveCached(hit.entry, hit.body, job);
  return true;
}

async function serveCached(
  entry: CacheEntry,
  body: AsyncIterable<Buffer> | undefined,
  job: HttpJob,
): Promise<void> {
  const { control } = job;
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(entry.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.push([name, v as string]);
  }
  control.setMetaData(entry.status, entry.statusText, headers, {
    SourceIsFromCacheAttribute: true,
  });
  let received = 0;
  if (body) {
    const decoding = job.request.hasRawHeader('accept-encoding')
      ? []
      : decodersFor(header(headers, 'content-encoding'));
    const source = decoding.length > 0 ? decoded(body, decoding) : body;
    for await (const chunk of source) {
      received += chunk.byteLength;
      const room = control.deliver(chunk);
      control.downloadProgress(received, entry.bodySize);
      if (!room) await control.drained();
    }
  }
  if (received === 0) control.downloadProgress(0, 0);
  const status = networkErrorOfStatus(entry.status);
  if (status !== 'NoError') {
    control.finish(
      new NetworkReplyError(
        status,
        `Error transferring ${entry.url} - server replied: ${entry.statusText}`,
      ),
    );
  }
}

/** Where the response's body goes besides the reply, if the cache may keep it. */
export function cacheWriter(
  response: HopResponse,
  hop: Hop,
  job: HttpJob,
  env: HttpEnvironment,
): CacheBodyWriter | undefined {
  if (!env.cache || job.request.attribute('CacheSaveControlAttribute') === false) return undefined;
  const decodes =
    !job.request.hasRawHeader('accept-encoding') &&
    decodersFor(header(response.headers, 'content-encoding')).length > 0;
  // Stored as the application gets it: decoded bodies lose their encoding headers.
  const kept = decodes
    ? response.headers.filter(([n]) => n !== 'content-encoding' && n !== 'content-length')
    : response.headers;
  const writer = env.cache.store(
    { method: hop.verb, url: hop.url, headers: Object.fromEntries([...hop.headers.values()]) },
    {
      status: response.statusCode,
      statusText: response.statusText,
      headers: Object.fromEntries(groupHeaders(kept)),
      requestTime: response.sentAt,
      responseTime: response.receivedAt,
    },
  );
  return writer;
}

export type CacheBodyWriter = NonNullable<ReturnType<NetworkDiskCache['store']>>;
