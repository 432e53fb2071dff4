/**
 * The access manager against real servers started here: nginx (static files with strong ETags,
 * gzip, TLS, HTTP/2) and python3-httpbin (methods, redirects, cookies, delays).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  NetworkAccessManager,
  NetworkCookieJar,
  type NetworkReply,
  NetworkRequest,
} from '@netbearer/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Httpbin,
  type Nginx,
  startHttpbin,
  startNginx,
} from '../support/http-servers/index.js';
import { settle } from '../support/settle.js';

let nginx: Nginx;
let httpbin: Httpbin;
const managers: NetworkAccessManager[] = [];

beforeAll(async () => {
  [nginx, httpbin] = await Promise.all([startNginx(), startHttpbin()]);
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.dispose()));
  await Promise.all([nginx?.stop(), httpbin?.stop()]);
});

function manager(options: ConstructorParameters<typeof NetworkAccessManager>[0] = {}) {
  const nam = new NetworkAccessManager(options);
  managers.push(nam);
  return nam;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const file = (name: string) => nginx.file(name);

describe('GET, HEAD and bodies (nginx)', () => {
  it('a GET delivers the file byte-identical, with meta data and progress', async () => {
    const nam = manager();
    const reply = nam.get(`${nginx.httpOrigin}/data.bin`);
    const events: string[] = [];
    const progress: Array<[number, number]> = [];
    reply.on('metaDataChanged', () => events.push('metaDataChanged'));
    reply.on('finished', () => events.push('finished'));
    reply.on('downloadProgress', (done, total) => progress.push([done, total]));
    const body = await reply.readAll();
    expect(sha256(body)).toBe(file('data.bin').sha256);
    expect(reply.error()).toBe('NoError');
    expect(reply.attribute('HttpStatusCodeAttribute')).toBe(200);
    expect(reply.attribute('HttpReasonPhraseAttribute')).toBe('OK');
    expect(reply.rawHeader('ETag')).toBe(file('data.bin').etag);
    expect(events[0]).toBe('metaDataChanged');
    expect(events.at(-1)).toBe('finished');
    expect(progress.at(-1)).toEqual([body.length, body.length]);
  });

  it('the manager asks for gzip and hands over the decoded text', async () => {
    const nam = manager();
    const reply = nam.get(`${nginx.httpOrigin}/hello.txt`);
    const text = await reply.text();
    expect(reply.rawHeader('content-encoding')).toBe('gzip');
    expect(sha256(Buffer.from(text))).toBe(file('hello.txt').sha256);
    const logged = await nginx.waitForAccessLog((log) => log.some((e) => e.uri === '/hello.txt'));
    expect(logged.find((e) => e.uri === '/hello.txt')?.acceptEncoding).toContain('gzip');
  });

  it('an application that sets Accept-Encoding itself gets the bytes as sent', async () => {
    const nam = manager();
    const request = new NetworkRequest(`${nginx.httpOrigin}/hello.txt`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    const body = await nam.get(request).readAll();
    // Still gzip: the first two bytes are gzip's magic number.
    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
  });

  it('the async iterator and the stream see the same bytes as readAll', async () => {
    const nam = manager();
    const parts: Buffer[] = [];
    for await (const chunk of nam.get(`${nginx.httpOrigin}/data.bin`)) parts.push(chunk);
    expect(sha256(Buffer.concat(parts))).toBe(file('data.bin').sha256);
    const streamed: Buffer[] = [];
    for await (const chunk of nam.get(`${nginx.httpOrigin}/data.bin`).stream()) {
      streamed.push(chunk as Buffer);
    }
    expect(sha256(Buffer.concat(streamed))).toBe(file('data.bin').sha256);
  });

  it('HEAD gets headers and no body', async () => {
    const reply = manager().head(`${nginx.httpOrigin}/data.bin`);
    const body = await reply.readAll();
    expect(body.length).toBe(0);
    expect(reply.rawHeader('content-length')).toBe(String(file('data.bin').size));
    expect(reply.operation()).toBe('HEAD');
  });

  it('a 404 is ContentNotFoundError, and the error page is still readable', async () => {
    const nam = manager();
    const finishedByManager: NetworkReply[] = [];
    nam.on('finished', (r) => finishedByManager.push(r));
    const reply = nam.get(`${nginx.httpOrigin}/missing.txt`);
    const errors: string[] = [];
    reply.on('error', (code) => errors.push(code));
    const page = await reply.text();
    await settle(reply);
    await new Promise((r) => setImmediate(r));
    expect(reply.error()).toBe('ContentNotFoundError');
    expect(errors).toEqual(['ContentNotFoundError']);
    expect(reply.errorString()).toContain('Not Found');
    expect(page).toContain('404');
    expect(finishedByManager).toEqual([reply]);
  });
});

describe('TLS and HTTP/2 (nginx)', () => {
  it('HTTPS with the test CA: encrypted, HTTP/1.1', async () => {
    const nam = manager({ tls: { ca: nginx.ca } });
    const reply = nam.get(`${nginx.httpsOrigin}/data.bin`);
    expect(sha256(await reply.readAll())).toBe(file('data.bin').sha256);
    expect(reply.attribute('ConnectionEncryptedAttribute')).toBe(true);
    expect(reply.attribute('Http2WasUsedAttribute')).toBe(false);
  });

  it('HTTP/2 is used only when allowed', async () => {
    const nam = manager({ tls: { ca: nginx.ca } });
    const plain = nam.get(`${nginx.h2Origin}/hello.txt`);
    await plain.readAll();
    expect(plain.attribute('Http2WasUsedAttribute')).toBe(false);
    const request = new NetworkRequest(`${nginx.h2Origin}/data.bin`, {
      attributes: { Http2AllowedAttribute: true },
    });
    const h2 = nam.get(request);
    expect(sha256(await h2.readAll())).toBe(file('data.bin').sha256);
    expect(h2.attribute('Http2WasUsedAttribute')).toBe(true);
    const log = await nginx.waitForAccessLog((l) => l.some((e) => e.protocol === 'HTTP/2.0'));
    expect(log.filter((e) => e.protocol === 'HTTP/2.0').length).toBeGreaterThan(0);
  });

  it('without the CA the handshake fails: sslErrors, then SslHandshakeFailedError', async () => {
    const nam = manager();
    const reply = nam.get(`${nginx.httpsOrigin}/hello.txt`);
    const seen: string[][] = [];
    reply.on('sslErrors', (errors) => seen.push(errors.map((e) => e.code)));
    await settle(reply);
    expect(seen.length).toBe(1);
    expect(seen[0]?.[0]).toMatch(/UNABLE_TO|SELF_SIGNED|CERT/);
    expect(reply.error()).toBe('SslHandshakeFailedError');
    expect(reply.failure()?.cause).toBeInstanceOf(Error);
  });

  it('ignoreSslErrors() from the sslErrors listener goes on, for that reply only', async () => {
    const nam = manager();
    const reply = nam.get(`${nginx.httpsOrigin}/data.bin`);
    reply.on('sslErrors', () => reply.ignoreSslErrors());
    expect(sha256(await reply.readAll())).toBe(file('data.bin').sha256);
    expect(reply.error()).toBe('NoError');
    // Another reply to the same origin is verified again.
    const other = nam.get(`${nginx.httpsOrigin}/data.bin`);
    await settle(other);
    expect(other.error()).toBe('SslHandshakeFailedError');
  });

  it('ignoring some other error does not let this one through', async () => {
    const nam = manager();
    const reply = nam.get(`${nginx.httpsOrigin}/hello.txt`);
    reply.ignoreSslErrors(['CERT_HAS_EXPIRED']);
    await settle(reply);
    expect(reply.error()).toBe('SslHandshakeFailedError');
  });
});

describe('methods and uploads (httpbin)', () => {
  it('POST sends the body once, with upload progress', async () => {
    const nam = manager();
    const body = Buffer.alloc(300 * 1024, 7);
    const reply = nam.post(`${httpbin.origin}/post`, body);
    const progress: Array<[number, number]> = [];
    reply.on('uploadProgress', (sent, total) => progress.push([sent, total]));
    const echoed = (await reply.json()) as { data: string; headers: Record<string, string> };
    expect(reply.error()).toBe('NoError');
    expect(echoed.headers['Content-Length']).toBe(String(body.length));
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('PUT, DELETE and a custom verb go out as asked', async () => {
    const nam = manager();
    const put = (await nam.put(`${httpbin.origin}/put`, 'hello').json()) as { data: string };
    expect(put.data).toBe('hello');
    const del = nam.deleteResource(`${httpbin.origin}/delete`);
    await del.readAll();
    expect(del.attribute('HttpStatusCodeAttribute')).toBe(200);
    const patch = nam.sendCustomRequest(`${httpbin.origin}/patch`, 'PATCH', '{"a":1}');
    expect(((await patch.json()) as { data: string }).data).toBe('{"a":1}');
    expect(patch.operation()).toBe('CUSTOM');
  });

  it.each(['GET POST', 'BAD\r\nX: 1', '', 'CONNECT', 'ü'])(
    'the verb %j is refused with a typed error, nothing sent',
    async (verb) => {
      const reply = manager().sendCustomRequest(`${httpbin.origin}/anything`, verb);
      await expect(reply.readAll()).rejects.toMatchObject({
        name: 'InvalidRequestError',
        error: 'ProtocolInvalidOperationError',
      });
      expect(reply.error()).toBe('ProtocolInvalidOperationError');
    },
  );

  it('a header value that cannot go on the wire fails the reply, never throws', async () => {
    const nam = manager();
    const request = new NetworkRequest(`${httpbin.origin}/get`, { headers: { 'X-Bad': 'a\r\nb' } });
    const reply = nam.get(request);
    await settle(reply);
    expect(reply.error()).toBe('ProtocolInvalidOperationError');
    expect(reply.failure()?.name).toBe('InvalidRequestError');
  });
});

describe('redirects (httpbin and nginx)', () => {
  it('NoLessSafe (the default) follows, announcing each hop', async () => {
    const reply = manager().get(`${httpbin.origin}/redirect/3`);
    const hops: string[] = [];
    reply.on('redirected', (url) => hops.push(url));
    await reply.readAll();
    expect(reply.error()).toBe('NoError');
    expect(hops.length).toBe(3);
    expect(reply.url()).toBe(`${httpbin.origin}/get`);
  });

  it('more redirects than allowed is TooManyRedirectsError', async () => {
    const request = new NetworkRequest(`${httpbin.origin}/redirect/3`, { maxRedirectsAllowed: 2 });
    const reply = manager().get(request);
    await settle(reply);
    expect(reply.error()).toBe('TooManyRedirectsError');
  });

  it('https → http is InsecureRedirectError under NoLessSafe', async () => {
    const reply = manager({ tls: { ca: nginx.ca } }).get(`${nginx.httpsOrigin}/to-http`);
    await settle(reply);
    expect(reply.error()).toBe('InsecureRedirectError');
  });

  it('SameOrigin refuses another origin; Manual hands over the 3xx', async () => {
    const nam = manager();
    const target = encodeURIComponent(`${nginx.httpOrigin}/hello.txt`);
    const same = new NetworkRequest(`${httpbin.origin}/redirect-to?url=${target}`, {
      attributes: { RedirectPolicyAttribute: 'SameOriginRedirectPolicy' },
    });
    const refused = nam.get(same);
    await settle(refused);
    expect(refused.error()).toBe('InsecureRedirectError');
    const manual = new NetworkRequest(`${httpbin.origin}/redirect-to?url=${target}`, {
      attributes: { RedirectPolicyAttribute: 'ManualRedirectPolicy' },
    });
    const kept = nam.get(manual);
    await kept.readAll();
    expect(kept.error()).toBe('NoError');
    expect(kept.attribute('HttpStatusCodeAttribute')).toBe(302);
    expect(kept.attribute('RedirectionTargetAttribute')).toBe(`${nginx.httpOrigin}/hello.txt`);
  });

  it('UserVerified follows only what redirectAllowed() allows', async () => {
    const nam = manager({ redirectPolicy: 'UserVerifiedRedirectPolicy' });
    const allowed = nam.get(`${httpbin.origin}/redirect/1`);
    allowed.on('redirected', () => allowed.redirectAllowed());
    await allowed.readAll();
    expect(allowed.error()).toBe('NoError');
    expect(allowed.url()).toBe(`${httpbin.origin}/get`);
    const silent = nam.get(`${httpbin.origin}/redirect/1`);
    await settle(silent);
    expect(silent.error()).toBe('InsecureRedirectError');
  });

  it('a 303 after POST continues as GET without the body', async () => {
    const target = encodeURIComponent(`${httpbin.origin}/get`);
    const reply = manager().post(
      `${httpbin.origin}/redirect-to?url=${target}&status_code=303`,
      'payload',
    );
    const body = (await reply.json()) as { url: string };
    expect(reply.error()).toBe('NoError');
    expect(body.url).toBe(`${httpbin.origin}/get`);
  });
});

describe('cookies (httpbin)', () => {
  it('Set-Cookie goes into the jar and back out, across a redirect', async () => {
    const jar = new NetworkCookieJar();
    const nam = manager({ cookieJar: jar });
    const reply = nam.get(`${httpbin.origin}/cookies/set?flavour=oat`);
    const seen = (await reply.json()) as { cookies: Record<string, string> };
    expect(seen.cookies).toEqual({ flavour: 'oat' });
    expect(jar.cookiesForUrl(`${httpbin.origin}/`).map((c) => c.name)).toEqual(['flavour']);
  });
});

describe('connections per host', () => {
  it('at most 6 run at once per host:port; the rest wait and then run', async () => {
    const nam = manager();
    const replies = Array.from({ length: 8 }, () => nam.get(`${httpbin.origin}/delay/1`));
    await new Promise((r) => setTimeout(r, 300));
    expect(nam.queueStats(httpbin.origin)).toEqual({ running: 6, waiting: 2 });
    await Promise.all(replies.map(settle));
    expect(replies.map((r) => r.error())).toEqual(Array(8).fill('NoError'));
    expect(nam.queueStats(httpbin.origin)).toEqual({ running: 0, waiting: 0 });
  });

  it('a high-priority request jumps the queue', async () => {
    const nam = manager({ connectionsPerHost: 1 });
    const order: string[] = [];
    const track = (reply: NetworkReply, name: string) =>
      reply.on('metaDataChanged', () => order.push(name));
    track(nam.get(`${httpbin.origin}/delay/0.3`), 'first');
    track(nam.get(`${httpbin.origin}/get?low`), 'normal');
    const high = nam.get(
      new NetworkRequest(`${httpbin.origin}/get?high`, { priority: 'HighPriority' }),
    );
    track(high, 'high');
    await settle(high);
    await new Promise((r) => setTimeout(r, 500));
    expect(order).toEqual(['first', 'high', 'normal']);
  });
});

describe('file: and data:', () => {
  it('serves files and data URLs without the network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-access-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'local bytes');
      const nam = manager();
      nam.setNetworkAccessible('NotAccessible');
      expect(await nam.get(pathToFileURL(join(dir, 'a.txt'))).text()).toBe('local bytes');
      expect(await nam.get('data:text/plain;base64,aGVsbG8=').text()).toBe('hello');
      const missing = nam.get(pathToFileURL(join(dir, 'nope.txt')));
      await settle(missing);
      expect(missing.error()).toBe('ContentNotFoundError');
      const directory = nam.get(pathToFileURL(dir));
      await settle(directory);
      expect(directory.error()).toBe('ContentOperationNotPermittedError');
      const blocked = nam.get(`${httpbin.origin}/get`);
      await settle(blocked);
      expect(blocked.error()).toBe('UnknownNetworkError');
      expect(blocked.errorString()).toBe('Network access is disabled.');
      nam.setNetworkAccessible('Accessible');
      const open = nam.get(`${httpbin.origin}/get`);
      await open.readAll();
      expect(open.error()).toBe('NoError');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
