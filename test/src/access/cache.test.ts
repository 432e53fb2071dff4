/**
 * The disk cache against real servers: nginx revalidates with its strong ETag / Last-Modified
 * (304) and httpbin sets Cache-Control as asked. The helper below drives the cache the way the
 * manager's pipeline does: lookup → (fresh | conditional request → 304 | store the body).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheDecision, NetworkDiskCache } from '@netbearer/access';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Httpbin,
  type Nginx,
  startHttpbin,
  startNginx,
} from '../support/http-servers/index.js';

let nginx: Nginx;
let httpbin: Httpbin;
let dir: string;
const agent = new Agent();

beforeAll(async () => {
  [nginx, httpbin] = await Promise.all([startNginx(), startHttpbin()]);
  dir = mkdtempSync(join(tmpdir(), 'disk-cache-'));
});
afterAll(async () => {
  await agent.close();
  await Promise.all([nginx?.stop(), httpbin?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

type LoadControl = 'AlwaysNetwork' | 'PreferNetwork' | 'PreferCache' | 'AlwaysCache';

interface Fetched {
  decision: CacheDecision['kind'];
  fromCache: boolean;
  /** Status the network answered (undefined when it was not asked). */
  networkStatus: number | undefined;
  sentHeaders: Record<string, string> | undefined;
  status: number;
  body: Buffer;
}

async function cachedGet(
  cache: NetworkDiskCache,
  url: string,
  loadControl: LoadControl = 'PreferNetwork',
  appHeaders: Record<string, string> = {},
): Promise<Fetched> {
  const req = { method: 'GET', url, headers: appHeaders, loadControl };
  const decision = await cache.lookup(req);
  if (decision.kind === 'fresh') {
    return {
      ...served(decision.kind, undefined, undefined, decision.entry.status),
      body: await read(decision.body!),
    };
  }
  if (decision.kind === 'unavailable') throw new Error('ContentNotFound');
  const extra = decision.kind === 'bypass' ? {} : decision.requestHeaders;
  const headers = { ...appHeaders, ...extra };
  const requestTime = Date.now();
  const response = await request(url, { dispatcher: agent, headers });
  const responseTime = Date.now();
  if (decision.kind === 'stale' && response.statusCode === 304) {
    await response.body.dump();
    const hit = await cache.updateFrom304(decision.entry, response.headers, {
      requestTime,
      responseTime,
    });
    if (!hit) throw new Error('entry vanished');
    return { ...served('stale', 304, headers, hit.entry.status), body: await read(hit.body!) };
  }
  const writer = cache.store(req, {
    status: response.statusCode,
    headers: response.headers,
    requestTime,
    responseTime,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) {
    chunks.push(chunk);
    writer?.write(chunk);
  }
  await writer?.end();
  return {
    decision: decision.kind,
    fromCache: false,
    networkStatus: response.statusCode,
    sentHeaders: headers,
    status: response.statusCode,
    body: Buffer.concat(chunks),
  };
}

function served(
  decision: CacheDecision['kind'],
  networkStatus: number | undefined,
  sentHeaders: Record<string, string> | undefined,
  status: number,
) {
  return { decision, fromCache: true, networkStatus, sentHeaders, status };
}

async function read(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('disk cache with nginx (strong ETag, Last-Modified)', () => {
  it('stores a download, then revalidates it: 304 and the body from disk', async () => {
    const cache = new NetworkDiskCache({ directory: join(dir, 'nginx') });
    const file = nginx.file('data.bin');
    const url = `${nginx.httpOrigin}/data.bin`;
    const first = await cachedGet(cache, url);
    expect(first).toMatchObject({ decision: 'miss', fromCache: false, status: 200 });
    expect(sha256(first.body)).toBe(file.sha256);

    // nginx sends no Cache-Control: the entry is fresh only heuristically (a tenth of its age
    // since Last-Modified, a few ms for a file written just now); max-age=0 makes it stale for sure.
    const second = await cachedGet(cache, url, 'PreferNetwork', { 'cache-control': 'max-age=0' });
    expect(second).toMatchObject({
      decision: 'stale',
      fromCache: true,
      networkStatus: 304,
      status: 200,
    });
    expect(second.sentHeaders?.['if-none-match']).toBe(file.etag);
    const meta = await cache.metaData(url);
    expect(meta?.headers.etag).toBe(file.etag);
    expect(second.sentHeaders?.['if-modified-since']).toBeDefined();
    expect(sha256(second.body)).toBe(file.sha256);
    const dataBin = (entries: Awaited<ReturnType<Nginx['accessLog']>>) =>
      entries.filter((e) => e.uri === '/data.bin');
    const log = dataBin(await nginx.waitForAccessLog((entries) => dataBin(entries).length >= 2));
    expect(log.map((e) => e.status)).toEqual([200, 304]);
    expect(log[1]?.bytesSent).toBe(0);
  });

  it('AlwaysNetwork sends no-cache and fetches; AlwaysCache serves after a restart without the network', async () => {
    const directory = join(dir, 'offline');
    const url = `${nginx.httpOrigin}/hello.txt`;
    const cache = new NetworkDiskCache({ directory });
    const network = await cachedGet(cache, url, 'AlwaysNetwork');
    expect(network.sentHeaders).toEqual({ 'cache-control': 'no-cache', pragma: 'no-cache' });
    expect(network.networkStatus).toBe(200);

    const before = (await nginx.waitForAccessLog((e) => e.some((x) => x.uri === '/hello.txt')))
      .length;
    const restarted = new NetworkDiskCache({ directory });
    const offline = await cachedGet(restarted, url, 'AlwaysCache');
    expect(offline).toMatchObject({ decision: 'fresh', fromCache: true, networkStatus: undefined });
    expect(offline.body.toString()).toBe(network.body.toString());
    expect((await nginx.accessLog()).length).toBe(before);
    await expect(
      cachedGet(restarted, `${nginx.httpOrigin}/never-fetched`, 'AlwaysCache'),
    ).rejects.toThrow('ContentNotFound');
  });

  it('bypasses the cache for Range requests', async () => {
    const cache = new NetworkDiskCache({ directory: join(dir, 'range') });
    const url = `${nginx.httpOrigin}/hello.txt`;
    await cachedGet(cache, url);
    const ranged = await cachedGet(cache, url, 'PreferNetwork', { range: 'bytes=0-9' });
    expect(ranged).toMatchObject({ decision: 'bypass', networkStatus: 206 });
    expect(ranged.body.toString()).toBe('line 0: th');
  });
});

describe('disk cache with httpbin (Cache-Control as the server says)', () => {
  it('serves /cache/60 fresh without asking the network', async () => {
    const cache = new NetworkDiskCache({ directory: join(dir, 'httpbin') });
    const url = `${httpbin.origin}/cache/60`;
    expect((await cachedGet(cache, url)).decision).toBe('miss');
    const hit = await cachedGet(cache, url);
    expect(hit).toMatchObject({ decision: 'fresh', fromCache: true, networkStatus: undefined });
    expect(JSON.parse(hit.body.toString()).url).toBe(url);
  });

  it('revalidates /cache with its ETag and Last-Modified (304)', async () => {
    const cache = new NetworkDiskCache({ directory: join(dir, 'httpbin-etag') });
    const url = `${httpbin.origin}/cache`;
    await cachedGet(cache, url);
    const again = await cachedGet(cache, url);
    expect(again).toMatchObject({
      decision: 'stale',
      networkStatus: 304,
      fromCache: true,
      status: 200,
    });
  });

  it('does not store no-store responses; PreferCache serves a stale entry', async () => {
    const cache = new NetworkDiskCache({ directory: join(dir, 'httpbin-cc') });
    const noStore = `${httpbin.origin}/response-headers?Cache-Control=no-store`;
    await cachedGet(cache, noStore);
    expect(await cache.metaData(noStore)).toBeUndefined();
    expect((await cachedGet(cache, noStore)).decision).toBe('miss');

    const stale = `${httpbin.origin}/response-headers?Cache-Control=max-age%3D0`;
    await cachedGet(cache, stale);
    expect((await cachedGet(cache, stale)).decision).toBe('miss'); // no validator: refetch
    const preferCache = await cachedGet(cache, stale, 'PreferCache');
    expect(preferCache).toMatchObject({ decision: 'fresh', fromCache: true });
  });
});
