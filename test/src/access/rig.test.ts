/**
 * The test rig of the access manager: each real server comes up, serves what the manager's
 * suites rely on, and goes away without leaving a process behind.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { Agent, ProxyAgent, request, Socks5ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessLogEntry,
  alive,
  certificates,
  type ErrorCause,
  type ErrorRig,
  type FaultServer,
  freePort,
  type Httpbin,
  type Microsocks,
  type Nginx,
  retryingPortRaces,
  runningServers,
  type ServerCausedError,
  type ServerProcess,
  sha256,
  startErrorRig,
  startFaultServer,
  startHttpbin,
  startMicrosocks,
  startNginx,
  startTinyproxy,
  type Tinyproxy,
} from '../support/http-servers/index.js';

const seenPids: number[] = [];
const seenDirectories: string[] = [];
/** Notes a server's processes and directory, to check at the end that none outlived it. */
const remember = <T extends { process: ServerProcess }>(server: T): T => {
  seenPids.push(...server.process.processTree());
  seenDirectories.push(server.process.directory);
  return server;
};

async function body(response: { body: { arrayBuffer(): Promise<ArrayBuffer> } }) {
  return Buffer.from(await response.body.arrayBuffer());
}

// Started together (they take a second between them), shared by the groups below.
let nginx: Nginx;
let httpbin: Httpbin;
let faults: FaultServer;
let tlsAgent: Agent;

describe('servers', () => {
  beforeAll(async () => {
    [nginx, httpbin, faults] = await Promise.all([
      startNginx({ largeFileBytes: 8 * 1024 * 1024, badCertificates: true }).then(remember),
      startHttpbin().then(remember),
      startFaultServer(),
    ]);
    tlsAgent = new Agent({ connect: { ca: nginx.ca } });
  });
  afterAll(async () => {
    await tlsAgent?.destroy();
    await Promise.all([nginx?.stop(), httpbin?.stop(), faults?.stop()]);
  });

  describe.concurrent('nginx', () => {
    const file = (name: string) => nginx.file(name);

    it('serves each file byte for byte with its strong ETag', async () => {
      for (const name of ['hello.txt', 'data.bin', 'large.bin']) {
        const response = await request(`${nginx.httpOrigin}/${name}`);
        expect(response.statusCode).toBe(200);
        expect(response.headers.etag).toBe(file(name).etag);
        expect(String(response.headers.etag)).not.toMatch(/^W\//);
        expect(sha256(await body(response))).toBe(file(name).sha256);
      }
      expect(file('large.bin').size).toBe(8 * 1024 * 1024);
    });

    it('answers a Range with 206 and honours If-Range only for its own ETag', async () => {
      const data = file('data.bin');
      const partial = await request(`${nginx.httpOrigin}/data.bin`, {
        headers: { range: 'bytes=1000-', 'if-range': data.etag },
      });
      expect(partial.statusCode).toBe(206);
      expect(partial.headers['content-range']).toBe(`bytes 1000-${data.size - 1}/${data.size}`);
      const tail = await body(partial);
      expect(tail.length).toBe(data.size - 1000);

      const changed = await request(`${nginx.httpOrigin}/data.bin`, {
        headers: { range: 'bytes=1000-', 'if-range': '"not-the-etag"' },
      });
      expect(changed.statusCode).toBe(200);
      const whole = await body(changed);
      expect(sha256(whole)).toBe(data.sha256);
      expect(whole.subarray(1000).equals(tail)).toBe(true);

      const log = await nginx.waitForAccessLog((entries) =>
        entries.some((entry) => entry.ifRange === '"not-the-etag"'),
      );
      const resumed = log.find((entry) => entry.ifRange === data.etag);
      expect(resumed).toMatchObject({
        method: 'GET',
        uri: '/data.bin',
        status: 206,
        range: 'bytes=1000-',
      });
      expect(resumed?.bytesSent).toBe(data.size - 1000);
      expect(log.find((entry) => entry.ifRange === '"not-the-etag"')?.status).toBe(200);
    });

    it('compresses text with gzip when asked, and only then', async () => {
      const hello = file('hello.txt');
      const zipped = await request(`${nginx.httpOrigin}/hello.txt`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(sha256(gunzipSync(await body(zipped)))).toBe(hello.sha256);
      const plain = await request(`${nginx.httpOrigin}/hello.txt`);
      expect(plain.headers['content-encoding']).toBeUndefined();
      await body(plain);
      const log = await nginx.waitForAccessLog((entries) => entries.some((e) => e.contentEncoding));
      expect(log.find((e) => e.contentEncoding === 'gzip')?.acceptEncoding).toBe('gzip');
    });

    it('serves TLS with the test CA, and fails without it', async () => {
      const response = await request(`${nginx.httpsOrigin}/hello.txt`, { dispatcher: tlsAgent });
      expect(response.statusCode).toBe(200);
      expect(sha256(await body(response))).toBe(file('hello.txt').sha256);
      const untrusting = new Agent();
      try {
        await expect(
          request(`${nginx.httpsOrigin}/hello.txt`, { dispatcher: untrusting }),
        ).rejects.toMatchObject({
          code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
      } finally {
        await untrusting.destroy();
      }
    });

    it('redirects https to http on /to-http', async () => {
      const response = await request(`${nginx.httpsOrigin}/to-http`, { dispatcher: tlsAgent });
      await response.body.dump();
      expect([response.statusCode, response.headers.location]).toEqual([
        302,
        `${nginx.httpOrigin}/hello.txt`,
      ]);
    });

    it('presents expired, self-signed and wrong-host certificates when asked', async () => {
      const expectations = {
        expired: 'CERT_HAS_EXPIRED',
        selfSigned: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        wrongHost: 'ERR_TLS_CERT_ALTNAME_INVALID',
      } as const;
      for (const [name, code] of Object.entries(expectations)) {
        const origin = nginx.badTlsOrigins?.[name as keyof typeof expectations];
        await expect(
          request(`${origin}/hello.txt`, { dispatcher: tlsAgent }),
        ).rejects.toMatchObject({ code });
      }
    });

    it('negotiates HTTP/2 on the h2 port only', async () => {
      const h2 = new Agent({ allowH2: true, connect: { ca: nginx.ca } });
      try {
        for (const origin of [nginx.h2Origin, nginx.httpsOrigin]) {
          const response = await request(`${origin}/data.bin`, { dispatcher: h2 });
          expect(sha256(await body(response))).toBe(file('data.bin').sha256);
        }
      } finally {
        await h2.destroy();
      }
      const onBoth = (entries: AccessLogEntry[]) =>
        [nginx.ports.h2, nginx.ports.https].every((port) =>
          entries.some((e) => e.serverPort === port && e.uri === '/data.bin'),
        );
      const log = await nginx.waitForAccessLog(onBoth);
      const protocolOn = (port: number) =>
        log.find((e) => e.serverPort === port && e.uri === '/data.bin')?.protocol;
      expect(protocolOn(nginx.ports.h2)).toBe('HTTP/2.0');
      expect(protocolOn(nginx.ports.https)).toBe('HTTP/1.1');
    });

    it('serves /slow/ at the configured rate and logs an aborted download as incomplete', async () => {
      const controller = new AbortController();
      const started = Date.now();
      const response = await request(`${nginx.httpOrigin}/slow/large.bin`, {
        signal: controller.signal,
      });
      let received = 0;
      await expect(
        (async () => {
          for await (const chunk of response.body) {
            received += (chunk as Buffer).length;
            if (received > 2 * 1024 * 1024) controller.abort();
          }
        })(),
      ).rejects.toThrow();
      // 1 MiB/s, the first second's worth at once: 2 MiB and a byte take a second or more.
      expect(Date.now() - started).toBeGreaterThan(900);
      const log = await nginx.waitForAccessLog((entries) =>
        entries.some((e) => e.uri === '/slow/large.bin'),
      );
      const entry = log.find((e) => e.uri === '/slow/large.bin');
      expect(entry?.completed).toBe(false);
      expect(entry?.bytesSent).toBeLessThan(file('large.bin').size);
    });

    it('takes any body on /upload/ and logs its idempotency key and length', async () => {
      const response = await request(`${nginx.httpOrigin}/upload/x`, {
        method: 'POST',
        headers: { 'idempotency-key': 'key-1' },
        body: Buffer.alloc(100_000, 1),
      });
      expect(response.statusCode).toBe(204);
      await body(response);
      const log = await nginx.waitForAccessLog((entries) =>
        entries.some((e) => e.idempotencyKey === 'key-1'),
      );
      const entry = log.find((e) => e.idempotencyKey === 'key-1');
      expect(entry).toMatchObject({ method: 'POST', uri: '/upload/x', status: 204 });
      expect(entry?.requestLength).toBeGreaterThan(100_000);
    });
  });

  /** Everything a server answers to `text` until it closes the connection. */
  function exchange(port: number, text: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.once('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.once('error', reject);
    });
  }

  /** The Authorization header answering a Digest challenge (RFC 7616, qop=auth). */
  function digestAuthorization(
    challenge: string,
    method: string,
    uri: string,
    user: string,
    password: string,
  ) {
    const field = (name: string) =>
      new RegExp(`${name}="?([^",]+)"?`, 'i').exec(challenge)?.[1] ?? '';
    const algorithm = field('algorithm') || 'MD5';
    const hash = (text: string) =>
      createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
        .update(text)
        .digest('hex');
    const [realm, nonce, opaque] = [field('realm'), field('nonce'), field('opaque')];
    const cnonce = 'a1b2c3d4';
    const nc = '00000001';
    const response = hash(
      `${hash(`${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${hash(`${method}:${uri}`)}`,
    );
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${opaque}"`;
  }

  describe.concurrent('httpbin', () => {
    const get = (path: string, options: Parameters<typeof request>[1] = {}) =>
      request(`${httpbin.origin}${path}`, options);

    it('answers the status asked for', async () => {
      for (const status of [200, 204, 404, 418, 500, 503]) {
        const response = await get(`/status/${status}`);
        await response.body.dump();
        expect(response.statusCode).toBe(status);
      }
    });

    it('redirects: n times, to a URL, absolute and relative', async () => {
      const cases: [string, number, RegExp][] = [
        ['/redirect/3', 302, /\/relative-redirect\/2$/],
        [
          '/redirect-to?url=http%3A%2F%2Fexample.test%2Fx&status_code=307',
          307,
          /^http:\/\/example\.test\/x$/,
        ],
        ['/absolute-redirect/2', 302, new RegExp(`^${httpbin.origin}/absolute-redirect/1$`)],
        ['/relative-redirect/2', 302, /^\/relative-redirect\/1$/],
      ];
      for (const [path, status, location] of cases) {
        const response = await get(path);
        await response.body.dump();
        expect(response.statusCode, path).toBe(status);
        expect(String(response.headers.location), path).toMatch(location);
      }
    });

    it('sets cookies and reads them back', async () => {
      const set = await get('/cookies/set?flavour=oat');
      await set.body.dump();
      expect(set.statusCode).toBe(302);
      expect(String(set.headers['set-cookie'])).toMatch(/^flavour=oat; Path=\//);
      const echoed = await get('/cookies', { headers: { cookie: 'flavour=oat' } });
      expect(await echoed.body.json()).toEqual({ cookies: { flavour: 'oat' } });
    });

    it('asks for Basic credentials and takes the right ones', async () => {
      const refused = await get('/basic-auth/ann/pw');
      await refused.body.dump();
      expect(refused.statusCode).toBe(401);
      expect(String(refused.headers['www-authenticate'])).toMatch(/^Basic realm=/);
      const accepted = await get('/basic-auth/ann/pw', {
        headers: { authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` },
      });
      expect(await accepted.body.json()).toEqual({ authenticated: true, user: 'ann' });
    });

    it.each(['MD5', 'SHA-256'])(
      'asks for %s Digest credentials and takes the right ones',
      async (algorithm) => {
        const path = `/digest-auth/auth/ann/pw/${algorithm}`;
        const challenge = await get(path);
        await challenge.body.dump();
        expect(challenge.statusCode).toBe(401);
        const header = String(challenge.headers['www-authenticate']);
        expect(header).toMatch(new RegExp(`^Digest .*algorithm=${algorithm}`));
        const wrong = await get(path, {
          headers: { authorization: digestAuthorization(header, 'GET', path, 'ann', 'nope') },
        });
        await wrong.body.dump();
        expect(wrong.statusCode).toBe(401);
        const right = await get(path, {
          headers: { authorization: digestAuthorization(header, 'GET', path, 'ann', 'pw') },
        });
        expect(right.statusCode).toBe(200);
        expect(await right.body.json()).toEqual({ authenticated: true, user: 'ann' });
      },
    );

    it('delays its answer', async () => {
      const started = Date.now();
      const response = await get('/delay/0.3');
      await response.body.dump();
      expect(response.statusCode).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('sends gzip, deflate and brotli bodies', async () => {
      const { brotliDecompressSync, inflateSync } = await import('node:zlib');
      const decoders: Record<string, (bytes: Buffer) => Buffer> = {
        gzip: gunzipSync,
        deflate: inflateSync,
        brotli: brotliDecompressSync,
      };
      for (const [path, decode] of Object.entries(decoders)) {
        const response = await get(`/${path}`);
        expect(response.headers['content-encoding']).toBe(path === 'brotli' ? 'br' : path);
        const decoded = JSON.parse(decode(await body(response)).toString('utf8'));
        expect(
          decoded[path === 'gzip' ? 'gzipped' : path === 'deflate' ? 'deflated' : 'brotli'],
        ).toBe(true);
      }
    });

    it('sends n random bytes, n JSON lines, the headers it got and anything echoed', async () => {
      const bytes = await get('/bytes/5000');
      expect((await body(bytes)).length).toBe(5000);
      const stream = await get('/stream/4');
      const lines = (await stream.body.text()).trim().split('\n');
      expect(lines.map((line) => JSON.parse(line).id)).toEqual([0, 1, 2, 3]);
      const headers = await get('/headers', { headers: { 'x-rig': 'yes' } });
      expect((await headers.body.json()) as unknown).toMatchObject({ headers: { 'X-Rig': 'yes' } });
      const streamed = await get('/anything', {
        method: 'POST',
        body: Readable.from(['chunked ', 'body']),
      });
      expect((await streamed.body.json()) as unknown).toMatchObject({
        data: 'chunked body',
        headers: { 'Transfer-Encoding': 'chunked' },
      });
      const anything = await get('/anything/p?q=1', { method: 'PUT', body: 'payload' });
      expect((await anything.body.json()) as unknown).toMatchObject({
        method: 'PUT',
        data: 'payload',
        args: { q: '1' },
      });
    });
  });

  describe('proxies', () => {
    let open: Tinyproxy;
    let guarded: Tinyproxy;
    let socks: Microsocks;
    let guardedSocks: Microsocks;
    beforeAll(async () => {
      [open, guarded, socks, guardedSocks] = await Promise.all([
        startTinyproxy().then(remember),
        startTinyproxy({ basicAuth: { user: 'pat', password: 'secret' } }).then(remember),
        startMicrosocks({ bindAddress: '127.0.0.2' }).then(remember),
        startMicrosocks({ user: 'sam', password: 'hush', bindAddress: '127.0.0.3' }).then(remember),
      ]);
    });
    afterAll(async () => {
      await Promise.all([open, guarded, socks, guardedSocks].map((server) => server?.stop()));
    });
    const hello = () => nginx.file('hello.txt');

    async function through(dispatcher: Agent | ProxyAgent | Socks5ProxyAgent, url: string) {
      try {
        const response = await request(url, { dispatcher });
        return { status: response.statusCode, body: await body(response) };
      } finally {
        await dispatcher.destroy();
      }
    }

    it('tinyproxy forwards a GET and tunnels a CONNECT, and logs both', async () => {
      const plain = await through(
        new ProxyAgent({ uri: open.url, proxyTunnel: false }),
        `${nginx.httpOrigin}/hello.txt`,
      );
      expect(plain.status).toBe(200);
      expect(sha256(plain.body)).toBe(hello().sha256);
      const tunnelled = await through(
        new ProxyAgent({ uri: open.url, requestTls: { ca: nginx.ca } }),
        `${nginx.httpsOrigin}/hello.txt`,
      );
      expect(tunnelled.status).toBe(200);
      expect(sha256(tunnelled.body)).toBe(hello().sha256);
      expect(open.requests()).toEqual([
        { method: 'GET', target: `${nginx.httpOrigin}/hello.txt` },
        { method: 'CONNECT', target: `127.0.0.1:${nginx.ports.https}` },
      ]);
      expect(open.upstreamConnections()).toEqual([
        `127.0.0.1:${nginx.ports.http}`,
        `127.0.0.1:${nginx.ports.https}`,
      ]);
    });

    it('tinyproxy with Basic auth refuses without credentials (407) and passes with them', async () => {
      const target = `${nginx.httpOrigin}/hello.txt`;
      const refused = await exchange(
        guarded.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(refused).toMatch(/^HTTP\/1\.[01] 407 /);
      expect(refused).toMatch(/\r\nProxy-Authenticate: Basic realm=/i);
      await expect(
        through(new ProxyAgent({ uri: guarded.url, proxyTunnel: false }), target),
      ).rejects.toMatchObject({
        code: 'UND_ERR_INVALID_ARG',
        message: 'Proxy Authentication Required (407)',
      });
      await expect(
        through(
          new ProxyAgent({ uri: guarded.url, requestTls: { ca: nginx.ca } }),
          `${nginx.httpsOrigin}/hello.txt`,
        ),
      ).rejects.toMatchObject({ code: 'UND_ERR_ABORTED', message: expect.stringMatching(/407/) });
      const token = `Basic ${Buffer.from('pat:secret').toString('base64')}`;
      const passed = await through(
        new ProxyAgent({ uri: guarded.url, token, requestTls: { ca: nginx.ca } }),
        `${nginx.httpsOrigin}/hello.txt`,
      );
      expect(passed.status).toBe(200);
      expect(guarded.requests().map((r) => r.method)).toEqual(['GET', 'GET', 'CONNECT', 'CONNECT']);
      // Only the authenticated CONNECT reached nginx.
      expect(guarded.upstreamConnections()).toEqual([`127.0.0.1:${nginx.ports.https}`]);
    });

    it('microsocks carries requests (the server sees its bind address)', async () => {
      const response = await through(
        new Socks5ProxyAgent(socks.url),
        `${nginx.httpOrigin}/hello.txt`,
      );
      expect(sha256(response.body)).toBe(hello().sha256);
      const log = await nginx.waitForAccessLog((entries) =>
        entries.some((e) => e.remoteAddress === '127.0.0.2'),
      );
      expect(log.find((e) => e.remoteAddress === '127.0.0.2')?.uri).toBe('/hello.txt');
    });

    it('microsocks with credentials wants them (RFC 1929) and takes the right ones', async () => {
      // The greeting offers "no authentication" only: a guarded server must refuse it (0xff).
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(guardedSocks.port, '127.0.0.1', () =>
          socket.write(Buffer.from([5, 1, 0])),
        );
        socket.once('data', (data) => {
          socket.destroy();
          resolve(data);
        });
        socket.once('error', reject);
      });
      expect([...reply]).toEqual([5, 0xff]);
      expect(guardedSocks.url).toMatch(/^socks5:\/\/sam:hush@127\.0\.0\.1:\d+$/);
      const response = await through(
        new Socks5ProxyAgent(guardedSocks.url),
        `${nginx.httpOrigin}/hello.txt`,
      );
      expect(sha256(response.body)).toBe(hello().sha256);
      await nginx.waitForAccessLog((entries) =>
        entries.some((e) => e.remoteAddress === '127.0.0.3'),
      );
      const anonymous = `socks5://127.0.0.1:${guardedSocks.port}`;
      await expect(
        through(new Socks5ProxyAgent(anonymous), `${nginx.httpOrigin}/hello.txt`),
      ).rejects.toThrow();
    });
  });

  describe.concurrent('fault server', () => {
    const get = (path: string, options: Parameters<typeof request>[1] = {}) =>
      request(`${faults.origin}${path}`, options);

    it('answers and records a request whose path is not a relative URL (//, ///x)', async () => {
      for (const path of ['//', '///x', '//host:1/y']) {
        const answer = await request(`${faults.origin}${path}`);
        await answer.body.dump();
        expect(answer.statusCode).toBeGreaterThanOrEqual(200);
        expect(faults.requests().some((r) => r.path === path)).toBe(true);
      }
    });

    it('cuts the first attempt after N bytes and resumes with Range and If-Range', async () => {
      const size = 400_000;
      const first = await get(`/resource/cut?size=${size}&cutAfter=100000`);
      const etag = String(first.headers.etag);
      expect(etag).toBe(faults.resourceEtag('cut'));
      expect(first.headers['accept-ranges']).toBe('bytes');
      const head: Buffer[] = [];
      await expect(
        (async () => {
          for await (const chunk of first.body) head.push(chunk as Buffer);
        })(),
      ).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
      const received = Buffer.concat(head);
      expect(received.length).toBe(100_000);
      const rest = await get(`/resource/cut?size=${size}&cutAfter=100000`, {
        headers: { range: `bytes=${received.length}-`, 'if-range': etag },
      });
      expect(rest.statusCode).toBe(206);
      expect(rest.headers['content-range']).toBe(`bytes 100000-${size - 1}/${size}`);
      const whole = Buffer.concat([received, await body(rest)]);
      expect(whole.equals(faults.resourceBytes('cut', size))).toBe(true);
      const seen = faults.requestsTo('/resource/cut');
      expect(seen.map((r) => [r.range, r.ifRange])).toEqual([
        [null, null],
        ['bytes=100000-', etag],
      ]);
    });

    it('changes the representation between attempts: new strong ETag, same weak one, none', async () => {
      const size = 1000;
      const v1 = await get(`/resource/strong?size=${size}&changes=1`);
      const etag = String(v1.headers.etag);
      expect((await body(v1)).equals(faults.resourceBytes('strong', size, 1))).toBe(true);
      const v2 = await get(`/resource/strong?size=${size}&changes=1`, {
        headers: { range: 'bytes=500-', 'if-range': etag },
      });
      expect(v2.statusCode).toBe(200);
      expect(v2.headers.etag).toBe(faults.resourceEtag('strong', 2));
      expect((await body(v2)).equals(faults.resourceBytes('strong', size, 2))).toBe(true);

      const w1 = await get(`/resource/weak?size=${size}&changes=1&validator=weak`);
      await w1.body.dump();
      expect(w1.headers.etag).toBe('W/"weak"');
      // A weak validator never satisfies If-Range: the whole (changed) representation comes.
      const w2 = await get(`/resource/weak?size=${size}&changes=1&validator=weak`, {
        headers: { range: 'bytes=500-', 'if-range': 'W/"weak"' },
      });
      expect([w2.statusCode, w2.headers.etag]).toEqual([200, 'W/"weak"']);
      expect((await body(w2)).equals(faults.resourceBytes('weak', size, 2))).toBe(true);
      // A bare Range is honoured on the changed bytes: splicing would corrupt the download.
      const w3 = await get(`/resource/weak?size=${size}&changes=1&validator=weak`, {
        headers: { range: 'bytes=500-' },
      });
      expect(w3.statusCode).toBe(206);
      expect((await body(w3)).equals(faults.resourceBytes('weak', size, 3).subarray(500))).toBe(
        true,
      );

      const none = await get(`/resource/none?size=${size}&changes=1&validator=none`);
      await none.body.dump();
      expect([none.headers.etag, none.headers['last-modified']]).toEqual([undefined, undefined]);
      const modified = await get(`/resource/lm?size=${size}&validator=last-modified`);
      await modified.body.dump();
      expect(Date.parse(String(modified.headers['last-modified']))).toBeGreaterThan(0);
      expect(modified.headers.etag).toBeUndefined();
    });

    it('serves suffix ranges, HEAD, 416 past the end, and If-Range on Last-Modified', async () => {
      const bytes = faults.resourceBytes('ranges', 5000);
      const suffix = await get('/resource/ranges?size=5000', { headers: { range: 'bytes=-100' } });
      expect([suffix.statusCode, suffix.headers['content-range']]).toEqual([
        206,
        'bytes 4900-4999/5000',
      ]);
      expect((await body(suffix)).equals(bytes.subarray(4900))).toBe(true);
      const head = await get('/resource/ranges?size=5000', { method: 'HEAD' });
      expect([head.statusCode, head.headers['content-length'], (await body(head)).length]).toEqual([
        200,
        '5000',
        0,
      ]);
      const past = await get('/resource/ranges?size=5000', { headers: { range: 'bytes=5000-' } });
      await past.body.dump();
      expect([past.statusCode, past.headers['content-range']]).toEqual([416, 'bytes */5000']);
      const first = await get('/resource/dated?size=5000&validator=last-modified');
      await first.body.dump();
      const modified = String(first.headers['last-modified']);
      const resumed = await get('/resource/dated?size=5000&validator=last-modified', {
        headers: { range: 'bytes=10-19', 'if-range': modified },
      });
      expect(resumed.statusCode).toBe(206);
      expect(
        (await body(resumed)).equals(faults.resourceBytes('dated', 5000).subarray(10, 20)),
      ).toBe(true);
    });

    it('trickles a resource at the rate asked for', async () => {
      const started = Date.now();
      const response = await get('/resource/slow?size=20000&bytesPerSecond=40000');
      expect((await body(response)).length).toBe(20_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });

    it('lies about Content-Length both ways', async () => {
      const short = await get('/lying-length?claim=100&actual=10');
      expect(short.headers['content-length']).toBe('100');
      await expect(short.body.arrayBuffer()).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
      // The surplus is not part of the body; the connection closes after it.
      const long = await get('/lying-length?claim=5&actual=50', {
        dispatcher: new Agent({ pipelining: 0 }),
      });
      expect((await body(long)).toString()).toBe('aaaaa');
    });

    it('sends a bad status line, bad chunking, huge headers and bad gzip', async () => {
      await expect(get('/bad-status-line')).rejects.toMatchObject({
        name: 'HTTPParserError',
        message: expect.stringMatching(/status/i),
      });
      const chunked = await get('/bad-chunking');
      await expect(chunked.body.arrayBuffer()).rejects.toMatchObject({
        name: 'HTTPParserError',
        message: expect.stringMatching(/chunk/i),
      });
      await expect(get('/huge-headers')).rejects.toMatchObject({
        code: 'UND_ERR_HEADERS_OVERFLOW',
      });
      const gzip = await get('/bad-gzip');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      const bytes = await body(gzip);
      expect(() => gunzipSync(bytes)).toThrow();
    });

    it('answers with raw bytes of the test’s choosing', async () => {
      const raw = 'HTTP/1.1 299 Odd\r\nX-Raw: 1\r\nContent-Length: 3\r\n\r\nabc';
      const response = await get(
        `/raw?b64=${encodeURIComponent(Buffer.from(raw).toString('base64'))}`,
      );
      expect([response.statusCode, response.headers['x-raw'], await response.body.text()]).toEqual([
        299,
        '1',
        'abc',
      ]);
    });

    it('never answers: on HTTP after reading the request, and on a silent TCP port', async () => {
      for (const url of [`${faults.origin}/never-answers`, `${faults.silentOrigin}/x`]) {
        const started = Date.now();
        await expect(request(url, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
          name: 'TimeoutError',
        });
        expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      }
      expect(faults.requestsTo('/never-answers')).toHaveLength(1);
      expect(faults.requestsTo('/x')).toHaveLength(0);
    });

    it('trickles one byte at a time', async () => {
      const started = Date.now();
      const response = await get('/trickle?size=4&intervalMs=60');
      expect(await response.body.text()).toBe('tttt');
      expect(Date.now() - started).toBeGreaterThanOrEqual(230);
    });

    it('records each request once with its body, Idempotency-Key and whether it completed', async () => {
      const payload = Buffer.alloc(70_000, 7);
      const response = await get('/echo?delayMs=50', {
        method: 'POST',
        headers: { 'idempotency-key': 'k-42' },
        body: payload,
      });
      expect(await response.body.json()).toEqual({
        method: 'POST',
        bodyBytes: payload.length,
        bodySha256: sha256(payload),
      });
      await expect(get('/echo?cut=1', { method: 'PUT', body: 'x' })).rejects.toMatchObject({
        code: 'UND_ERR_SOCKET',
      });
      const posts = faults.requestsTo('/echo');
      expect(posts.map((r) => [r.method, r.idempotencyKey, r.bodyBytes, r.bodyComplete])).toEqual([
        ['POST', 'k-42', payload.length, true],
        ['PUT', null, 1, true],
      ]);
      expect(posts[0]?.bodySha256).toBe(sha256(payload));
      expect(posts[0]?.headers['idempotency-key']).toBe('k-42');
    });
  });
});

describe('error causes', () => {
  let rig: ErrorRig;
  beforeAll(async () => {
    rig = await startErrorRig();
    for (const server of Object.values(rig.servers)) {
      if (typeof server === 'object' && 'process' in server) remember(server);
    }
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** What undici alone makes of a cause (see ErrorCause.undici). */
  async function observe(cause: ErrorCause): Promise<ErrorCause['undici']> {
    const connect = cause.trustTestCa === false ? {} : { ca: rig.servers.nginx.ca };
    const dispatcher = !cause.proxy
      ? new Agent({ connect })
      : cause.proxy.startsWith('socks5:')
        ? new Socks5ProxyAgent(cause.proxy)
        : new ProxyAgent({ uri: cause.proxy, requestTls: connect });
    const body = cause.body
      ? { body: cause.body.replayable ? cause.body.text : Readable.from([cause.body.text]) }
      : {};
    // request() throws at once for a scheme it does not speak: make that a rejection too.
    const outcome = Promise.resolve()
      .then(() =>
        request(cause.url, { dispatcher, method: (cause.method ?? 'GET') as 'GET', ...body }),
      )
      .then(
        (response) => {
          // Only the head matters; the rest (a trickle, a broken chunk) is dropped unread.
          response.body.on('error', () => undefined).destroy();
          return { status: response.statusCode };
        },
        (error: { code?: string; name: string }) =>
          error.code ? { code: error.code } : { name: error.name },
      );
    // A cause that hangs gets a second; the others as long as a loaded machine may need.
    const patience = 'hangs' in cause.undici ? 1_000 : 10_000;
    const hangs = new Promise<{ hangs: true }>((resolve) =>
      setTimeout(resolve, patience, { hangs: true }),
    );
    try {
      return await Promise.race([outcome, hangs]);
    } finally {
      // A CONNECT to a silent proxy ignores destroy() too: do not wait for it.
      void dispatcher.destroy().catch(() => undefined);
    }
  }

  it('each cause is real: undici meets what the table says', async () => {
    const causes = rig.causes();
    const seen = await Promise.all(causes.map(observe));
    const mismatches = causes
      .map((cause, index) => ({
        error: cause.error,
        cause: cause.cause,
        expected: cause.undici,
        seen: seen[index],
      }))
      .filter(({ expected, seen }) => JSON.stringify(expected) !== JSON.stringify(seen));
    expect(mismatches).toEqual([]);
  });

  it('covers every NetworkError a server can cause', () => {
    const named = new Set(rig.causes().map((cause) => cause.error));
    const all: Record<ServerCausedError, true> = {
      ConnectionRefusedError: true,
      RemoteHostClosedError: true,
      HostNotFoundError: true,
      TimeoutError: true,
      OperationCanceledError: true,
      SslHandshakeFailedError: true,
      TooManyRedirectsError: true,
      InsecureRedirectError: true,
      ProxyConnectionRefusedError: true,
      ProxyConnectionClosedError: true,
      ProxyNotFoundError: true,
      ProxyTimeoutError: true,
      ProxyAuthenticationRequiredError: true,
      UnknownProxyError: true,
      ContentAccessDeniedError: true,
      ContentOperationNotPermittedError: true,
      ContentNotFoundError: true,
      AuthenticationRequiredError: true,
      ContentReSendError: true,
      ContentConflictError: true,
      ContentGoneError: true,
      UnknownContentError: true,
      ProtocolUnknownError: true,
      ProtocolInvalidOperationError: true,
      ProtocolFailureError: true,
      InternalServerError: true,
      OperationNotImplementedError: true,
      ServiceUnavailableError: true,
      UnknownServerError: true,
    };
    expect(Object.keys(all).filter((error) => !named.has(error as ServerCausedError))).toEqual([]);
  });
});

describe('the rig itself', () => {
  it('fails loudly, with the server’s own words, when a server cannot come up', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails at once.
    const ports = { http: 18080, https: 18443, h2: 18444 };
    await expect(startNginx({ host: '192.0.2.1', ports })).rejects.toThrow(
      /nginx exited \(code 1[\s\S]*bind\(\) to 192\.0\.2\.1:18080 failed \(99: Cannot assign requested address\)/,
    );
    expect(runningServers()).toEqual([]);
  });

  it('starts nginx on another address behind a command prefix (as in a namespace)', async () => {
    const ports = {
      http: await freePort('127.0.0.2'),
      https: await freePort('127.0.0.2'),
      h2: await freePort('127.0.0.2'),
    };
    // env execs nginx as `ip netns exec` would: readiness then comes from nginx's pid file.
    const elsewhere = remember(
      await startNginx({ host: '127.0.0.2', ports, commandPrefix: ['/usr/bin/env'] }),
    );
    try {
      expect(elsewhere.httpOrigin).toBe(`http://127.0.0.2:${ports.http}`);
      const response = await request(`${elsewhere.httpOrigin}/hello.txt`);
      expect(sha256(await body(response))).toBe(
        elsewhere.files.find((f) => f.name === 'hello.txt')?.sha256,
      );
    } finally {
      await elsewhere.stop();
    }
  });

  it('retries a server start that lost its port to another process, and nothing else', async () => {
    let calls = 0;
    const started = await retryingPortRaces(async () => {
      if (++calls === 1)
        throw new Error('nginx exited: bind() to 127.0.0.1:1 failed (98: Address already in use)');
      return 'up';
    });
    expect([started, calls]).toEqual(['up', 2]);
    calls = 0;
    await expect(
      retryingPortRaces(async () => {
        calls++;
        throw new Error('nginx exited: unknown directive');
      }),
    ).rejects.toThrow('unknown directive');
    expect(calls).toBe(1);
  });

  it('makes one set of certificates per run', async () => {
    const [first, second] = await Promise.all([certificates(), certificates()]);
    expect(first.valid.certPath).toBe(second.valid.certPath);
    expect(first.ca.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(
      new Set([first.valid.cert, first.expired.cert, first.selfSigned.cert, first.wrongHost.cert])
        .size,
    ).toBe(4);
  });

  it('leaves no server process or directory behind', () => {
    expect(runningServers()).toEqual([]);
    expect(seenPids.length).toBeGreaterThanOrEqual(7);
    expect(seenPids.filter(alive)).toEqual([]);
    expect(seenDirectories.filter((directory) => existsSync(directory))).toEqual([]);
  });
});
