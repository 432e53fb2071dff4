import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CacheDecision, NetworkDiskCache } from './network-disk-cache.js';

const url = 'http://cache.test/page?q=1';
const hash = (u: string) => createHash('sha256').update(u).digest('hex');

async function text(body: Readable | undefined): Promise<string> {
  if (!body) throw new Error('no body');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function kind<K extends CacheDecision['kind']>(
  d: CacheDecision,
  k: K,
): Extract<CacheDecision, { kind: K }> {
  expect(d.kind).toBe(k);
  return d as Extract<CacheDecision, { kind: K }>;
}

describe('NetworkDiskCache', () => {
  let dir: string;
  let cache: NetworkDiskCache;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'disk-cache-'));
    cache = new NetworkDiskCache({ directory: join(dir, 'c') });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function put(
    headers: Record<string, string | string[]>,
    body = 'hello',
    status = 200,
    at?: number,
  ) {
    const writer = cache.store(
      { method: 'GET', url },
      {
        status,
        statusText: 'OK',
        headers,
        ...(at !== undefined ? { requestTime: at, responseTime: at } : {}),
      },
    );
    if (!writer) throw new Error('not storable');
    for (const piece of [body.slice(0, 2), body.slice(2)]) writer.write(Buffer.from(piece));
    await writer.end();
  }

  it('serves a fresh entry from disk, body and headers, without set-cookie or hop-by-hop headers', async () => {
    expect(kind(await cache.lookup({ method: 'GET', url }), 'miss').requestHeaders).toEqual({});
    await put({
      'cache-control': 'max-age=60',
      'content-type': 'text/plain',
      'set-cookie': ['a=1'],
      connection: 'keep-alive',
    });
    const hit = kind(await cache.lookup({ method: 'GET', url: `${url}#fragment` }), 'fresh');
    expect(hit.entry).toMatchObject({ status: 200, statusText: 'OK', bodySize: 5 });
    expect(hit.entry.headers).toEqual({
      'cache-control': 'max-age=60',
      'content-type': 'text/plain',
    });
    expect(await text(hit.body)).toBe('hello');
    const head = kind(await cache.lookup({ method: 'HEAD', url }), 'fresh');
    expect(head.body).toBeUndefined();
    const files = await readdir(join(dir, 'c'));
    expect(files).toHaveLength(2);
    expect(files).toContain(`${hash(url)}.meta`);
    expect(files.some((f) => new RegExp(`^${hash(url)}\\.[0-9a-f]{12}\\.body$`).test(f))).toBe(
      true,
    );
    for (const f of files) expect((await stat(join(dir, 'c', f))).mode & 0o777).toBe(0o600);
  });

  it('revalidates a stale entry and refreshes it from a 304', async () => {
    await put(
      {
        'cache-control': 'max-age=1',
        etag: '"v1"',
        'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
      },
      'body',
      200,
      Date.now() - 5000,
    );
    const stale = kind(await cache.lookup({ method: 'GET', url }), 'stale');
    expect(stale.requestHeaders).toEqual({
      'if-none-match': '"v1"',
      'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 GMT',
    });
    const hit = await cache.updateFrom304(stale.entry, {
      'cache-control': 'max-age=60',
      'content-length': '0',
      etag: '"v1"',
    });
    expect(hit?.entry.headers['cache-control']).toBe('max-age=60');
    expect(await text(hit?.body)).toBe('body');
    kind(await cache.lookup({ method: 'GET', url }), 'fresh').body?.destroy();
    const head = await cache.updateFrom304(stale.entry, {}, { method: 'HEAD' });
    expect(head?.body).toBeUndefined();
    expect(head?.entry.status).toBe(200);
  });

  it('follows the four cache-load controls', async () => {
    // nothing stored
    expect((await cache.lookup({ method: 'GET', url, loadControl: 'AlwaysCache' })).kind).toBe(
      'unavailable',
    );
    expect(
      kind(await cache.lookup({ method: 'GET', url, loadControl: 'AlwaysNetwork' }), 'miss')
        .requestHeaders,
    ).toEqual({
      'cache-control': 'no-cache',
      pragma: 'no-cache',
    });
    expect(
      kind(
        await cache.lookup({
          method: 'GET',
          url,
          loadControl: 'AlwaysNetwork',
          headers: { 'Cache-Control': 'max-age=0' },
        }),
        'miss',
      ).requestHeaders,
    ).toEqual({});
    // a stale entry without validators
    await put({ 'cache-control': 'max-age=1' }, 'old', 200, Date.now() - 10_000);
    expect(kind(await cache.lookup({ method: 'GET', url }), 'miss').requestHeaders).toEqual({});
    expect(
      await text(
        kind(await cache.lookup({ method: 'GET', url, loadControl: 'PreferCache' }), 'fresh').body,
      ),
    ).toBe('old');
    expect(
      await text(
        kind(await cache.lookup({ method: 'GET', url, loadControl: 'AlwaysCache' }), 'fresh').body,
      ),
    ).toBe('old');
    // must-revalidate: PreferCache revalidates, AlwaysCache (offline) still serves
    await put(
      { 'cache-control': 'max-age=1, must-revalidate', etag: '"e"' },
      'mr',
      200,
      Date.now() - 10_000,
    );
    expect((await cache.lookup({ method: 'GET', url, loadControl: 'PreferCache' })).kind).toBe(
      'stale',
    );
    kind(
      await cache.lookup({ method: 'GET', url, loadControl: 'AlwaysCache' }),
      'fresh',
    ).body?.destroy();
    // an app's no-cache revalidates even a fresh entry
    await put({ 'cache-control': 'max-age=600', etag: '"e2"' });
    expect(
      (await cache.lookup({ method: 'GET', url, headers: { 'cache-control': 'no-cache' } })).kind,
    ).toBe('stale');
  });

  it('bypasses non-GET, Range and app conditionals; does not store uncacheable responses', async () => {
    expect((await cache.lookup({ method: 'POST', url })).kind).toBe('bypass');
    expect((await cache.lookup({ method: 'GET', url, headers: { range: 'bytes=0-' } })).kind).toBe(
      'bypass',
    );
    expect(
      cache.store(
        { method: 'GET', url },
        { status: 200, headers: { 'cache-control': 'no-store' } },
      ),
    ).toBeUndefined();
    expect(
      cache.store(
        { method: 'POST', url },
        { status: 200, headers: { 'cache-control': 'max-age=9' } },
      ),
    ).toBeUndefined();
    expect(
      cache.store(
        { method: 'GET', url },
        { status: 200, headers: { 'content-length': String(1e9) } },
      ),
    ).toBeUndefined();
    expect(
      cache.store({ method: 'GET', url: 'file:///etc/passwd' }, { status: 200, headers: {} }),
    ).toBeUndefined();
    // a newer response that may not be stored drops the old entry
    await put({ 'cache-control': 'max-age=60' });
    const noStore = { status: 200, headers: { 'cache-control': 'no-store' } };
    expect(cache.store({ method: 'GET', url }, noStore)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(await cache.metaData(url)).toBeUndefined();
  });

  it('keeps Vary apart: another header value is a miss', async () => {
    const writer = cache.store(
      { method: 'GET', url, headers: { 'Accept-Language': 'de' } },
      { status: 200, headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' } },
    )!;
    writer.write(Buffer.from('Hallo'));
    await writer.end();
    expect(
      (await cache.lookup({ method: 'GET', url, headers: { 'accept-language': 'fr' } })).kind,
    ).toBe('miss');
    expect((await cache.lookup({ method: 'GET', url })).kind).toBe('miss');
    const de = kind(
      await cache.lookup({ method: 'GET', url, headers: { 'accept-language': 'de' } }),
      'fresh',
    );
    expect(await text(de.body)).toBe('Hallo');
  });

  it('stores nothing for an aborted body or one over maxEntrySize', async () => {
    const w = cache.store(
      { method: 'GET', url },
      { status: 200, headers: { 'cache-control': 'max-age=60' } },
    )!;
    w.write(Buffer.from('partial'));
    w.abort();
    await w.end();
    expect((await cache.lookup({ method: 'GET', url })).kind).toBe('miss');
    const small = new NetworkDiskCache({
      directory: join(dir, 's'),
      maxSize: 100,
      maxEntrySize: 10,
    });
    const big = small.store(
      { method: 'GET', url },
      { status: 200, headers: { 'cache-control': 'max-age=60' } },
    )!;
    big.write(Buffer.alloc(11));
    await big.end();
    expect((await small.lookup({ method: 'GET', url })).kind).toBe('miss');
    await new Promise((r) => setTimeout(r, 50));
    expect(
      (await readdir(join(dir, 's')).catch(() => [])).filter((f) => f.endsWith('.tmp')),
    ).toEqual([]);
  });

  it('evicts the least recently used entries beyond maxSize', async () => {
    const small = new NetworkDiskCache({
      directory: join(dir, 'lru'),
      maxSize: 3000,
      maxEntrySize: 1000,
    });
    const store = async (u: string) => {
      const w = small.store(
        { method: 'GET', url: u },
        { status: 200, headers: { 'cache-control': 'max-age=60' } },
      )!;
      w.write(Buffer.alloc(500, 1));
      await w.end();
    };
    await store('http://c.test/1');
    await store('http://c.test/2');
    await store('http://c.test/3');
    // use 1, so 2 is the least recently used
    kind(await small.lookup({ method: 'GET', url: 'http://c.test/1' }), 'fresh').body?.destroy();
    await new Promise((r) => setTimeout(r, 20));
    await store('http://c.test/4');
    expect(await small.cacheSize()).toBeLessThanOrEqual(3000 * 0.9);
    expect((await small.lookup({ method: 'GET', url: 'http://c.test/2' })).kind).toBe('miss');
    const one = await small.lookup({ method: 'GET', url: 'http://c.test/1' });
    expect(one.kind).toBe('fresh');
    if (one.kind === 'fresh') one.body?.destroy();
    const four = await small.lookup({ method: 'GET', url: 'http://c.test/4' });
    expect(four.kind).toBe('fresh');
    if (four.kind === 'fresh') four.body?.destroy();
  });

  it('turns corrupt, torn and hostile entries into misses and deletes them', async () => {
    const c = join(dir, 'c');
    const meta = join(c, `${hash(url)}.meta`);
    await put({ 'cache-control': 'max-age=60' }, 'hello');
    const good = JSON.parse(await readFile(meta, 'utf8'));
    const cases: [string, unknown][] = [
      ['not json', '{"v":1,'],
      ['path traversal', { ...good, body: '../../etc/passwd' }],
      ['other url', { ...good, url: 'http://evil.test/' }],
      ['bad status', { ...good, status: 99999 }],
      ['header injection', { ...good, headers: [['x', 'a\r\nb']] }],
      ['bad header name', { ...good, headers: [['bad name', 'v']] }],
      ['wrong size', { ...good, bodySize: 999 }],
      ['array', [1, 2]],
    ];
    for (const [label, content] of cases) {
      await put({ 'cache-control': 'max-age=60' }, 'hello');
      await writeFile(meta, typeof content === 'string' ? content : JSON.stringify(content));
      expect((await cache.lookup({ method: 'GET', url })).kind, label).toBe('miss');
      expect(await readdir(c), label).toEqual([]);
    }
    // a body file cut short by a crash
    await put({ 'cache-control': 'max-age=60' }, 'hello');
    const body = (await readdir(c)).find((f) => f.endsWith('.body'))!;
    await writeFile(join(c, body), 'he');
    expect((await cache.lookup({ method: 'GET', url, loadControl: 'AlwaysCache' })).kind).toBe(
      'unavailable',
    );
  });

  it('never throws on whatever another process wrote as meta (fast-check)', async () => {
    await put({ 'cache-control': 'max-age=60' }, 'hello');
    const meta = join(dir, 'c', `${hash(url)}.meta`);
    const good = JSON.parse(await readFile(meta, 'utf8'));
    const field = fc.constantFrom(...Object.keys(good));
    const content = fc.oneof(
      fc.string(),
      fc.json(),
      fc.tuple(field, fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...good, [k]: v })),
    );
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        await writeFile(meta, text);
        const decision = await cache.lookup({ method: 'GET', url });
        if (decision.kind === 'fresh') decision.body?.destroy();
        return ['fresh', 'miss', 'stale'].includes(decision.kind);
      }),
      { numRuns: 60 },
    );
  });

  it('invalidates, removes and clears', async () => {
    await put({ 'cache-control': 'max-age=60' });
    expect(await cache.cacheSize()).toBeGreaterThan(5);
    await cache.invalidate(url);
    expect((await cache.lookup({ method: 'GET', url })).kind).toBe('miss');
    await put({ 'cache-control': 'max-age=60' });
    expect(await cache.metaData(url)).toMatchObject({ url, status: 200 });
    await cache.clear();
    expect(await cache.cacheSize()).toBe(0);
    expect(await readdir(join(dir, 'c'))).toEqual([]);
  });
});
