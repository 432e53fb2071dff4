/**
 * Qt's QNetworkDiskCache: a private HTTP cache in a directory, with the rules of RFC 9111
 * (cache-policy.ts) and Qt's four cache-load controls.
 *
 * API (stable; the request pipeline calls these — none of them throws or rejects):
 * - `new NetworkDiskCache({ directory, maxSize? = 50 MiB, maxEntrySize? = maxSize / 4 })`.
 * - `lookup({ method, url, headers?, loadControl? = 'PreferNetwork' })` →
 *   `Promise<CacheDecision>`:
 *   - `{ kind: 'fresh', entry, body }` — serve `entry` (status, statusText, headers) and `body`
 *     (a Readable of the stored bytes; undefined for HEAD — destroy it if you do not read it);
 *     set the reply's fromCache attribute. No network, no session (AlwaysCache works offline).
 *   - `{ kind: 'stale', entry, requestHeaders }` — send the request with `requestHeaders` added
 *     (If-None-Match / If-Modified-Since). On 304: `const hit = await cache.updateFrom304(entry,
 *     responseHeaders)` and serve `hit.entry`/`hit.body` from cache (fromCache true); if `hit` is
 *     undefined (the entry vanished) resend without those headers. On any other status: a normal
 *     response — `store()` it.
 *   - `{ kind: 'miss', requestHeaders }` — send with `requestHeaders` added (AlwaysNetwork:
 *     `cache-control: no-cache`, `pragma: no-cache` unless the app set Cache-Control) and
 *     `store()` the response.
 *   - `{ kind: 'bypass', reason }` — the cache is not involved (not GET/HEAD, Range, app's own
 *     conditionals). After a successful unsafe method (POST/PUT/PATCH/DELETE) call
 *     `invalidate(url)`.
 *   - `{ kind: 'unavailable' }` — AlwaysCache and nothing stored: ContentNotFoundError.
 * - `store(request, { status, statusText?, headers, requestTime?, responseTime? })` →
 *   `CacheWriter | undefined` (undefined = not storable). Feed it the body bytes exactly as
 *   they are served to the app with the same headers (raw with Content-Encoding, or decoded
 *   with Content-Encoding/Content-Length removed — be consistent): `writer.write(chunk)` per
 *   chunk, then `await writer.end()` when the body completed, or `writer.abort()` on an error
 *   or abort (nothing is stored). `request` is the request the app made (method, url, headers).
 * - `updateFrom304(entry, headers, { requestTime?, responseTime?, method? })` →
 *   `Promise<{ entry, body } | undefined>`; `body` is undefined when `method` is 'HEAD'.
 * - `invalidate(url)`, `remove(url)`, `clear()`, `cacheSize()`, `metaData(url)`.
 * Layout: `<directory>/<sha256(url)>.meta` (JSON) and `<sha256>.<random>.body`; both are
 * written to temp files (0600) and renamed into place, meta last, so a reader sees an old
 * entry or a new one. A corrupt, torn or hostile entry is a miss and is deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type CacheLoadControl,
  cacheableRequest,
  type HeaderInput,
  headerValue,
  isFresh,
  mustRevalidate,
  parseCacheControl,
  unstorableReason,
} from './cache-policy.js';

export type { CacheLoadControl, HeaderInput } from './cache-policy.js';

export interface CacheRequest {
  readonly method: string;
  readonly url: URL | string;
  readonly headers?: HeaderInput | undefined;
  readonly loadControl?: CacheLoadControl | undefined;
}

export interface CacheResponse {
  readonly status: number;
  readonly statusText?: string | undefined;
  readonly headers: HeaderInput;
  /** When the request was sent / the response headers arrived (ms); default: now. */
  readonly requestTime?: number | undefined;
  readonly responseTime?: number | undefined;
}

/** A stored response (its metadata; the body is handed out as a stream). */
export interface CacheEntry {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly requestTime: number;
  readonly responseTime: number;
  readonly bodySize: number;
}

export type CacheDecision =
  | { readonly kind: 'fresh'; readonly entry: CacheEntry; readonly body: Readable | undefined }
  | {
      readonly kind: 'stale';
      readonly entry: CacheEntry;
      readonly requestHeaders: Record<string, string>;
    }
  | { readonly kind: 'miss'; readonly requestHeaders: Record<string, string> }
  | { readonly kind: 'bypass'; readonly reason: string }
  | { readonly kind: 'unavailable' };

export interface CacheWriter {
  write(chunk: Uint8Array): void;
  /** Commits the entry; resolves when it is in place (or was dropped). */
  end(): Promise<void>;
  abort(): void;
}

export interface NetworkDiskCacheOptions {
  readonly directory: string;
  /** Bytes on disk before the least recently used entries go (default 50 MiB, as Qt). */
  readonly maxSize?: number;
  /** Larger responses are not stored (default maxSize / 4). */
  readonly maxEntrySize?: number;
}

/** Stored form of an entry's metadata. */
interface MetaFile {
  v: 1;
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  vary: Record<string, string | null>;
  requestTime: number;
  responseTime: number;
  body: string;
  bodySize: number;
}

interface IndexEntry {
  bytes: number;
  lastUsed: number;
}

const maxMetaBytes = 1024 * 1024;
/** Metadata kept in memory, for hits without reading the meta file (oldest dropped first). */
const rememberedMetas = 1024;
/** Bodies up to this size are read in one go rather than streamed from the file. */
const smallBody = 64 * 1024;
/** A hit refreshes the meta file's mtime (recency across processes) at most this often. */
const touchInterval = 10_000;
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  // Replaying cookies from the cache would reset what the jar learned since (Qt drops it too).
  'set-cookie',
]);
const notUpdatedBy304 = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'content-type',
]);

export class NetworkDiskCache {
  readonly directory: string;
  readonly maxSize: number;
  readonly maxEntrySize: number;
  #index: Promise<Map<string, IndexEntry>> | undefined;
  #total = 0;
  /**
   * Metadata read or written by this process, by hash name, with the meta file's identity then
   * (inode, size, mtime): a hit costs a stat, not a read and a parse, and a file another process
   * replaced or rewrote is read again.
   */
  readonly #metas = new Map<string, { meta: MetaFile; stamp: string; touched: number }>();

  constructor(options: NetworkDiskCacheOptions) {
    this.directory = options.directory;
    this.maxSize = positive(options.maxSize) ?? 50 * 1024 * 1024;
    this.maxEntrySize = positive(options.maxEntrySize) ?? Math.floor(this.maxSize / 4);
  }

  /** What to do for a request; see the header comment. */
  async lookup(request: CacheRequest): Promise<CacheDecision> {
    const control = request.loadControl ?? 'PreferNetwork';
    const reason = cacheableRequest(request.method, request.headers);
    if (reason) return { kind: 'bypass', reason };
    const appCc = headerValue(request.headers, 'cache-control');
    if (control === 'AlwaysNetwork') {
      return {
        kind: 'miss',
        requestHeaders:
          appCc === undefined ? { 'cache-control': 'no-cache', pragma: 'no-cache' } : {},
      };
    }
    const url = cacheKey(request.url);
    const found = url === undefined ? undefined : await this.#read(url, request.headers ?? {});
    if (!found)
      return control === 'AlwaysCache'
        ? { kind: 'unavailable' }
        : { kind: 'miss', requestHeaders: {} };
    const { entry, meta } = found;
    const requestCc = parseCacheControl(appCc);
    const now = Date.now();
    const fresh =
      isFresh(entry, now) && !requestCc.has('no-cache') && requestCc.get('max-age') !== '0';
    const serveStale =
      control === 'AlwaysCache' || (control === 'PreferCache' && !mustRevalidate(entry));
    if (fresh || serveStale) {
      const head = request.method.toUpperCase() === 'HEAD';
      const body = head ? undefined : await this.#openBody(meta, found.remembered);
      if (head || body) {
        this.#touch(url!);
        return { kind: 'fresh', entry, body };
      }
      return control === 'AlwaysCache'
        ? { kind: 'unavailable' }
        : { kind: 'miss', requestHeaders: {} };
    }
    const requestHeaders: Record<string, string> = {};
    const etag = headerValue(entry.headers, 'etag');
    const lastModified = headerValue(entry.headers, 'last-modified');
    if (etag !== undefined) requestHeaders['if-none-match'] = etag;
    if (lastModified !== undefined) requestHeaders['if-modified-since'] = lastModified;
    if (Object.keys(requestHeaders).length === 0) return { kind: 'miss', requestHeaders: {} };
    return { kind: 'stale', entry, requestHeaders };
  }

  /** A writer that stores the response's body, or undefined if the response is not storable. */
  store(request: CacheRequest, response: CacheResponse): CacheWriter | undefined {
    const url = cacheKey(request.url);
    if (url === undefined) return undefined;
    if (unstorableReason(request, response) !== undefined) {
      // The server now forbids keeping this URL: the old entry must not be served either.
      const forbidden = /(^|[\s,])no-store\b/i.test(
        headerValue(response.headers, 'cache-control') ?? '',
      );
      if (forbidden && request.method.toUpperCase() === 'GET')
        void this.remove(url).catch(() => {});
      return undefined;
    }
    const length = Number(headerValue(response.headers, 'content-length') ?? '0');
    if (Number.isFinite(length) && length > this.maxEntrySize) return undefined;
    const now = Date.now();
    const meta: Omit<MetaFile, 'body' | 'bodySize'> = {
      v: 1,
      url,
      status: response.status,
      statusText: response.statusText ?? '',
      headers: storedHeaders(response.headers),
      vary: varyOf(response.headers, request.headers),
      requestTime: finite(response.requestTime) ?? now,
      responseTime: finite(response.responseTime) ?? now,
    };
    return new EntryWriter(this, url, meta);
  }

  /** Refreshes a stale entry from a 304's headers and hands out its body. */
  async updateFrom304(
    entry: CacheEntry,
    headers: HeaderInput,
    times: { requestTime?: number; responseTime?: number; method?: string } = {},
  ): Promise<{ entry: CacheEntry; body: Readable | undefined } | undefined> {
    const found = await this.#read(entry.url, undefined);
    if (!found) return undefined;
    const merged = new Map<string, string[]>();
    for (const [name, value] of found.meta.headers)
      merged.set(name, [...(merged.get(name) ?? []), value]);
    const fresh = new Map<string, string[]>();
    for (const [name, value] of storedHeaders(headers)) {
      if (!notUpdatedBy304.has(name)) fresh.set(name, [...(fresh.get(name) ?? []), value]);
    }
    for (const [name, values] of fresh) merged.set(name, values);
    const now = Date.now();
    const meta: MetaFile = {
      ...found.meta,
      headers: [...merged].flatMap(([name, values]) =>
        values.map((v): [string, string] => [name, v]),
      ),
      requestTime: finite(times.requestTime) ?? now,
      responseTime: finite(times.responseTime) ?? now,
    };
    await this.#writeMeta(meta).catch(() => {});
    if (times.method?.toUpperCase() === 'HEAD') {
      this.#touch(entry.url);
      return { entry: entryOf(meta), body: undefined };
    }
    const body = await this.#openBody(meta);
    if (!body) return undefined;
    this.#touch(entry.url);
    return { entry: entryOf(meta), body };
  }

  /** The stored entry's metadata for `url`, or undefined. */
  async metaData(url: URL | string): Promise<CacheEntry | undefined> {
    const key = cacheKey(url);
    return key === undefined ? undefined : (await this.#read(key, undefined))?.entry;
  }

  /** Drops the entry for `url` (after an unsafe method changed it). */
  async invalidate(url: URL | string): Promise<void> {
    await this.remove(url);
  }

  async remove(url: URL | string): Promise<boolean> {
    const key = cacheKey(url);
    if (key === undefined) return false;
    const index = await this.#loadIndex();
    const name = hashOf(key);
    const had = index.has(name);
    await this.#removeHash(name);
    return had;
  }

  async clear(): Promise<void> {
    const index = await this.#loadIndex();
    await Promise.all([...index.keys()].map((name) => this.#removeHash(name)));
  }

  /** Bytes the cache uses on disk. */
  async cacheSize(): Promise<number> {
    await this.#loadIndex();
    return this.#total;
  }

  // -- internals used by EntryWriter ----------------------------------------------------------

  /** @internal */
  async tempPath(): Promise<string | undefined> {
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      return join(this.directory, `${randomBytes(8).toString('hex')}.tmp`);
    } catch {
      return undefined;
    }
  }

  /** @internal Moves a written body into place and writes its meta, then evicts. */
  async commit(
    meta: Omit<MetaFile, 'body' | 'bodySize'>,
    temp: string,
    bodySize: number,
  ): Promise<void> {
    const name = hashOf(meta.url);
    const body = `${name}.${randomBytes(6).toString('hex')}.body`;
    const full: MetaFile = { ...meta, body, bodySize };
    const index = await this.#loadIndex();
    const previous = await this.#readMeta(name);
    try {
      await rename(temp, join(this.directory, body));
      await this.#writeMeta(full);
    } catch {
      await unlink(temp).catch(() => {});
      await unlink(join(this.directory, body)).catch(() => {});
      return;
    }
    if (previous && previous.body !== body)
      await unlink(join(this.directory, previous.body)).catch(() => {});
    this.#total -= index.get(name)?.bytes ?? 0;
    const bytes = bodySize + JSON.stringify(full).length;
    index.set(name, { bytes, lastUsed: Date.now() });
    this.#total += bytes;
    await this.#evict(name);
  }

  // -- files ------------------------------------------------------------------------------------

  async #read(url: string, requestHeaders: HeaderInput | undefined) {
    const name = hashOf(url);
    const kept = await this.#remembered(name);
    const meta = kept ?? (await this.#readMeta(name));
    if (!meta) return undefined;
    if (meta.url !== url) return undefined; // a different URL (hash collision or forged file)
    if (requestHeaders !== undefined) {
      for (const [header, value] of Object.entries(meta.vary)) {
        if ((headerValue(requestHeaders, header) ?? null) !== value) return undefined;
      }
    }
    return { meta, entry: entryOf(meta), remembered: kept !== undefined };
  }

  async #readMeta(name: string): Promise<MetaFile | undefined> {
    const path = join(this.directory, `${name}.meta`);
    let text: string;
    let stamp = '';
    try {
      const handle = await open(path, 'r');
      try {
        const info = await handle.stat();
        if (!info.isFile() || info.size > maxMetaBytes) throw new Error('not a small file');
        text = await handle.readFile('utf8');
        stamp = stampOf(info);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await this.#removeHash(name);
      return undefined;
    }
    const meta = validMeta(text, name);
    if (!meta) await this.#removeHash(name);
    else this.#remember(name, meta, stamp);
    return meta;
  }

  async #writeMeta(meta: MetaFile): Promise<void> {
    const temp = await this.tempPath();
    if (!temp) throw new Error('cache directory unavailable');
    try {
      const handle = await open(temp, 'wx', 0o600);
      let stamp = '';
      try {
        await handle.writeFile(JSON.stringify(meta), 'utf8');
        // The renamed file keeps its inode, size and mtime.
        stamp = stampOf(await handle.stat());
      } finally {
        await handle.close();
      }
      await rename(temp, join(this.directory, `${hashOf(meta.url)}.meta`));
      this.#remember(hashOf(meta.url), meta, stamp);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  /**
   * Opens the body, checking it is the size the meta says (else the entry is dropped). A small
   * body is read at once: one open, one read, one close.
   */
  async #openBody(meta: MetaFile, remembered = false): Promise<Readable | undefined> {
    const name = hashOf(meta.url);
    let handle: FileHandle;
    try {
      handle = await open(join(this.directory, meta.body), 'r');
    } catch (error) {
      // Remembered metadata may be older than the files (another process replaced the entry):
      // forget it and let the next lookup read the files again.
      this.#metas.delete(name);
      if (!remembered || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
        await this.#removeHash(name);
      }
      return undefined;
    }
    if (meta.bodySize <= smallBody) return this.#readSmallBody(handle, meta);
    try {
      const info = await handle.stat().catch(() => undefined);
      if (!info?.isFile() || info.size !== meta.bodySize) {
        await handle.close();
        await this.#removeHash(hashOf(meta.url));
        return undefined;
      }
      return handle.createReadStream({ autoClose: true });
    } catch {
      await handle.close().catch(() => {});
      await this.#removeHash(name);
      return undefined;
    }
  }

  async #readSmallBody(handle: FileHandle, meta: MetaFile): Promise<Readable | undefined> {
    // One byte more than expected: a longer file shows itself without a stat.
    const buffer = Buffer.allocUnsafe(meta.bodySize + 1);
    let read = -1;
    try {
      read = (await handle.read(buffer, 0, buffer.byteLength, 0)).bytesRead;
    } catch {
      // A directory or unreadable file: dropped below.
    } finally {
      await handle.close().catch(() => {});
    }
    if (read !== meta.bodySize) {
      await this.#removeHash(hashOf(meta.url));
      return undefined;
    }
    return Readable.from(read > 0 ? [buffer.subarray(0, read)] : [], { objectMode: false });
  }

  #touch(url: string): void {
    const name = hashOf(url);
    const now = Date.now();
    void this.#loadIndex().then((index) => {
      const item = index.get(name);
      if (item) item.lastUsed = now;
    });
    const remembered = this.#metas.get(name);
    if (remembered) {
      if (now - remembered.touched < touchInterval) return;
      // The new mtime makes the next hit read the meta file again, once.
      this.#metas.delete(name);
    }
    // The meta's mtime carries recency across processes; failure only costs LRU accuracy.
    utimes(join(this.directory, `${name}.meta`), now / 1000, now / 1000).catch(() => {});
  }

  /** The remembered metadata, if the meta file is still the one it was read from. */
  async #remembered(name: string): Promise<MetaFile | undefined> {
    const remembered = this.#metas.get(name);
    if (!remembered) return undefined;
    const info = await stat(join(this.directory, `${name}.meta`)).catch(() => undefined);
    if (info && stampOf(info) === remembered.stamp) return remembered.meta;
    this.#metas.delete(name);
    return undefined;
  }

  #remember(name: string, meta: MetaFile, stamp: string): void {
    this.#metas.delete(name);
    this.#metas.set(name, { meta, stamp, touched: Date.now() });
    if (this.#metas.size > rememberedMetas) {
      const oldest = this.#metas.keys().next().value;
      if (oldest !== undefined) this.#metas.delete(oldest);
    }
  }

  async #removeHash(name: string): Promise<void> {
    this.#metas.delete(name);
    const index = await this.#loadIndex();
    this.#total -= index.get(name)?.bytes ?? 0;
    index.delete(name);
    let files: string[] = [];
    try {
      files = (await readdir(this.directory)).filter((f) => f.startsWith(`${name}.`));
    } catch {
      return;
    }
    await Promise.all(files.map((f) => unlink(join(this.directory, f)).catch(() => {})));
  }

  #loadIndex(): Promise<Map<string, IndexEntry>> {
    this.#index ??= this.#scan();
    return this.#index;
  }

  /** Sizes and recency from the directory listing (no meta is parsed). */
  async #scan(): Promise<Map<string, IndexEntry>> {
    const index = new Map<string, IndexEntry>();
    let files: string[];
    try {
      files = await readdir(this.directory);
    } catch {
      return index;
    }
    const dayAgo = Date.now() - 24 * 3600 * 1000;
    for (const file of files) {
      const info = await stat(join(this.directory, file)).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (file.endsWith('.tmp')) {
        if (info.mtimeMs < dayAgo) await unlink(join(this.directory, file)).catch(() => {});
        continue;
      }
      const name = /^([0-9a-f]{64})\.(?:meta|[0-9a-f]{12}\.body)$/.exec(file)?.[1];
      if (!name) continue;
      const item = index.get(name) ?? { bytes: 0, lastUsed: 0 };
      item.bytes += info.size;
      if (file.endsWith('.meta')) item.lastUsed = info.mtimeMs;
      index.set(name, item);
      this.#total += info.size;
    }
    return index;
  }

  /** Drops least recently used entries until the cache is at 90% of maxSize. */
  async #evict(keep: string): Promise<void> {
    if (this.#total <= this.maxSize) return;
    const index = await this.#loadIndex();
    const oldest = [...index]
      .filter(([name]) => name !== keep)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [name] of oldest) {
      if (this.#total <= this.maxSize * 0.9) break;
      await this.#removeHash(name);
    }
  }
}

class EntryWriter implements CacheWriter {
  #stream: WriteStream | undefined;
  #temp: Promise<string | undefined>;
  #pending: Uint8Array[] = [];
  #bytes = 0;
  #failed = false;
  #done = false;

  constructor(
    readonly cache: NetworkDiskCache,
    readonly url: string,
    readonly meta: Omit<MetaFile, 'body' | 'bodySize'>,
  ) {
    this.#temp = cache.tempPath().then((path) => {
      if (!path || this.#failed) return undefined;
      const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
      stream.on('error', () => {
        this.#failed = true;
      });
      for (const chunk of this.#pending) stream.write(chunk);
      this.#pending = [];
      this.#stream = stream;
      return path;
    });
  }

  write(chunk: Uint8Array): void {
    if (this.#failed || this.#done) return;
    this.#bytes += chunk.byteLength;
    if (this.#bytes > this.cache.maxEntrySize) {
      this.abort();
      return;
    }
    // Copy: undici may reuse the buffer it handed out.
    const copy = Buffer.from(chunk);
    if (this.#stream) this.#stream.write(copy);
    else this.#pending.push(copy);
  }

  async end(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    const temp = await this.#temp;
    const stream = this.#stream;
    if (!temp || !stream) return;
    const finished = await new Promise<boolean>((resolve) => {
      stream.end(() => resolve(!this.#failed));
      stream.once('error', () => resolve(false));
    });
    if (!finished || this.#failed) {
      await unlink(temp).catch(() => {});
      return;
    }
    await this.cache.commit(this.meta, temp, this.#bytes).catch(() => {});
  }

  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.#failed = true;
    this.#pending = [];
    void this.#temp.then((temp) => {
      this.#stream?.destroy();
      if (temp) void unlink(temp).catch(() => {});
    });
  }
}

function cacheKey(url: URL | string): string | undefined {
  try {
    const u = new URL(typeof url === 'string' ? url : url.href);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return undefined;
  }
}

function hashOf(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

function storedHeaders(headers: HeaderInput): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase();
    if (hopByHop.has(name) || value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) {
      if (typeof v === 'string') out.push([name, v]);
    }
  }
  return out;
}

function varyOf(
  response: HeaderInput,
  request: HeaderInput | undefined,
): Record<string, string | null> {
  const vary: Record<string, string | null> = Object.create(null);
  for (const name of (headerValue(response, 'vary') ?? '').split(',')) {
    const header = name.trim().toLowerCase();
    if (header) vary[header] = headerValue(request, header) ?? null;
  }
  return vary;
}

function entryOf(meta: MetaFile): CacheEntry {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of meta.headers) {
    const existing = headers[name];
    headers[name] =
      existing === undefined
        ? value
        : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    url: meta.url,
    status: meta.status,
    statusText: meta.statusText,
    headers,
    requestTime: meta.requestTime,
    responseTime: meta.responseTime,
    bodySize: meta.bodySize,
  };
}

const headerName = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const headerText = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

/** Parses and checks a meta file; anything off makes it undefined (a miss). */
function validMeta(text: string, name: string): MetaFile | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  const ok =
    o.v === 1 &&
    typeof o.url === 'string' &&
    hashOf(o.url) === name &&
    Number.isInteger(o.status) &&
    (o.status as number) >= 100 &&
    (o.status as number) <= 599 &&
    typeof o.statusText === 'string' &&
    headerText.test(o.statusText) &&
    Array.isArray(o.headers) &&
    o.headers.every(
      (h) =>
        Array.isArray(h) &&
        h.length === 2 &&
        typeof h[0] === 'string' &&
        headerName.test(h[0]) &&
        typeof h[1] === 'string' &&
        headerText.test(h[1]),
    ) &&
    typeof o.vary === 'object' &&
    o.vary !== null &&
    !Array.isArray(o.vary) &&
    Object.entries(o.vary).every(
      ([k, v]) => headerName.test(k) && (v === null || typeof v === 'string'),
    ) &&
    finite(o.requestTime) !== undefined &&
    finite(o.responseTime) !== undefined &&
    typeof o.body === 'string' &&
    new RegExp(`^${name}\\.[0-9a-f]{12}\\.body$`).test(o.body) &&
    Number.isSafeInteger(o.bodySize) &&
    (o.bodySize as number) >= 0;
  if (!ok) return undefined;
  const vary: Record<string, string | null> = Object.create(null);
  for (const [k, v] of Object.entries(o.vary as object)) vary[k] = v as string | null;
  return { ...(o as unknown as MetaFile), vary };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stampOf(info: { ino: number; size: number; mtimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
