/**
 * The manager's pipeline with its parts plugged in, against real servers: the disk cache's
 * four load controls (nginx), Basic and Digest authentication with the application filling the
 * authenticator (httpbin), and HTTP and SOCKS5 proxies (tinyproxy, microsocks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  httpProxy,
  NetworkAccessManager,
  type NetworkAccessManagerOptions,
  NetworkDiskCache,
  NetworkRequest,
  socks5Proxy,
} from '@netbearer/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Httpbin,
  type Microsocks,
  type Nginx,
  startHttpbin,
  startMicrosocks,
  startNginx,
  startTinyproxy,
  type Tinyproxy,
} from '../support/http-servers/index.js';
import { settle } from '../support/settle.js';

let nginx: Nginx;
let httpbin: Httpbin;
let proxy: Tinyproxy;
let guardedProxy: Tinyproxy;
let socks: Microsocks;
let cacheDir: string;
const managers: NetworkAccessManager[] = [];

beforeAll(async () => {
  [nginx, httpbin, proxy, guardedProxy, socks] = await Promise.all([
    startNginx(),
    startHttpbin(),
    startTinyproxy(),
    startTinyproxy({ basicAuth: { user: 'pat', password: 'secret' } }),
    startMicrosocks({ bindAddress: '127.0.0.2' }),
  ]);
  cacheDir = mkdtempSync(join(tmpdir(), 'nb-nam-cache-'));
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.dispose()));
  await Promise.all([
    nginx?.stop(),
    httpbin?.stop(),
    proxy?.stop(),
    guardedProxy?.stop(),
    socks?.stop(),
  ]);
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

function manager(options: NetworkAccessManagerOptions = {}) {
  const nam = new NetworkAccessManager({ proxy: { type: 'NoProxy' }, ...options });
  managers.push(nam);
  return nam;
}

const withControl = (
  url: string,
  control: 'AlwaysNetwork' | 'PreferNetwork' | 'PreferCache' | 'AlwaysCache',
) => new NetworkRequest(url, { attributes: { CacheLoadControlAttribute: control } });

describe('cache load controls (nginx, NetworkDiskCache)', () => {
  it('stores, serves PreferCache and AlwaysCache from the cache, revalidates AlwaysNetwork', async () => {
    const cache = new NetworkDiskCache({ directory: join(cacheDir, 'controls') });
    const nam = manager({ cache });
    const url = `${nginx.httpOrigin}/hello.txt`;
    const first = nam.get(url);
    const original = await first.text();
    expect(first.attribute('SourceIsFromCacheAttribute')).toBe(false);
    const requests = () => nginx.accessLog().filter((e) => e.uri === '/hello.txt').length;
    await nginx.waitForAccessLog((log) => log.some((e) => e.uri === '/hello.txt'));
    const before = requests();

    const preferCache = nam.get(withControl(url, 'PreferCache'));
    expect(await preferCache.text()).toBe(original);
    expect(preferCache.attribute('SourceIsFromCacheAttribute')).toBe(true);

    // AlwaysCache is served even while the application blocks the network.
    nam.setNetworkAccessible('NotAccessible');
    const alwaysCache = nam.get(withControl(url, 'AlwaysCache'));
    expect(await alwaysCache.text()).toBe(original);
    expect(alwaysCache.attribute('SourceIsFromCacheAttribute')).toBe(true);
    const missing = nam.get(withControl(`${nginx.httpOrigin}/data.bin`, 'AlwaysCache'));
    await settle(missing);
    expect(missing.error()).toBe('ContentNotFoundError');
    nam.setNetworkAccessible('Accessible');
    expect(requests()).toBe(before);

    // PreferNetwork revalidates an entry that is not fresh (max-age=0 makes sure of it, whatever
    // nginx's Last-Modified gives as heuristic freshness): nginx's 304 and the stored body.
    const revalidated = nam.get(
      new NetworkRequest(url, { headers: { 'Cache-Control': 'max-age=0' } }),
    );
    expect(await revalidated.text()).toBe(original);
    const log = await nginx.waitForAccessLog(
      (entries) => entries.filter((e) => e.uri === '/hello.txt').length > before,
    );
    expect(log.filter((e) => e.uri === '/hello.txt').at(-1)?.status).toBe(304);
    expect(revalidated.attribute('SourceIsFromCacheAttribute')).toBe(true);
    expect(revalidated.attribute('HttpStatusCodeAttribute')).toBe(200);

    // AlwaysNetwork reloads (Qt: no-cache, no validators): a full 200 from the server.
    const reload = nam.get(withControl(url, 'AlwaysNetwork'));
    expect(await reload.text()).toBe(original);
    expect(reload.attribute('SourceIsFromCacheAttribute')).toBe(false);
    const reloaded = await nginx.waitForAccessLog(
      (entries) => entries.filter((e) => e.uri === '/hello.txt').length > before + 1,
    );
    expect(reloaded.filter((e) => e.uri === '/hello.txt').at(-1)?.status).toBe(200);
  });

  it('CacheSaveControlAttribute false keeps the reply out of the cache', async () => {
    const cache = new NetworkDiskCache({ directory: join(cacheDir, 'nosave') });
    const nam = manager({ cache });
    const url = `${nginx.httpOrigin}/data.bin`;
    await nam
      .get(new NetworkRequest(url, { attributes: { CacheSaveControlAttribute: false } }))
      .readAll();
    const cached = nam.get(withControl(url, 'AlwaysCache'));
    await settle(cached);
    expect(cached.error()).toBe('ContentNotFoundError');
  });
});

describe('authentication (httpbin)', () => {
  it('Basic: the application fills the authenticator once; the realm’s credentials are reused', async () => {
    const nam = manager();
    const asked: string[] = [];
    nam.on('authenticationRequired', (_reply, authenticator) => {
      asked.push(`${authenticator.scheme} ${authenticator.realm}`);
      authenticator.user = 'ann';
      authenticator.password = 'pw';
    });
    const first = nam.get(`${httpbin.origin}/basic-auth/ann/pw`);
    expect(await first.json()).toEqual({ authenticated: true, user: 'ann' });
    const again = nam.get(`${httpbin.origin}/basic-auth/ann/pw`);
    expect(await again.json()).toEqual({ authenticated: true, user: 'ann' });
    expect(asked).toEqual(['Basic Fake Realm']);
  });

  it('Digest with SHA-256', async () => {
    const nam = manager();
    nam.on('authenticationRequired', (_reply, authenticator) => {
      authenticator.user = 'ann';
      authenticator.password = 'pw';
    });
    const reply = nam.get(`${httpbin.origin}/digest-auth/auth/ann/pw/SHA-256`);
    expect(await reply.json()).toEqual({ authenticated: true, user: 'ann' });
  });

  it('a wrong password ends in AuthenticationRequiredError, not a loop', async () => {
    const nam = manager();
    let asked = 0;
    nam.on('authenticationRequired', (_reply, authenticator) => {
      asked++;
      authenticator.user = 'ann';
      authenticator.password = 'wrong';
    });
    const reply = nam.get(`${httpbin.origin}/basic-auth/ann/pw`);
    await settle(reply);
    expect(reply.error()).toBe('AuthenticationRequiredError');
    expect(asked).toBeLessThanOrEqual(2);
  });
});

describe('proxies', () => {
  it('an HTTP proxy forwards http: requests and tunnels https:', async () => {
    const nam = manager({ proxy: httpProxy('127.0.0.1', proxy.port), tls: { ca: nginx.ca } });
    const plain = nam.get(`${nginx.httpOrigin}/hello.txt`);
    await plain.readAll();
    expect(plain.error()).toBe('NoError');
    const tunnelled = nam.get(`${nginx.httpsOrigin}/hello.txt`);
    await tunnelled.readAll();
    expect(tunnelled.error()).toBe('NoError');
    const seen = proxy.requests().map((r) => r.method);
    expect(seen).toContain('GET');
    expect(seen).toContain('CONNECT');
  });

  it('proxyAuthenticationRequired: the application’s credentials are used and kept', async () => {
    const nam = manager({
      proxy: httpProxy('127.0.0.1', guardedProxy.port),
      tls: { ca: nginx.ca },
    });
    let asked = 0;
    nam.on('proxyAuthenticationRequired', (_proxy, authenticator) => {
      asked++;
      authenticator.user = 'pat';
      authenticator.password = 'secret';
    });
    const first = nam.get(`${nginx.httpsOrigin}/hello.txt`);
    await first.readAll();
    expect(first.error()).toBe('NoError');
    const second = nam.get(`${nginx.httpsOrigin}/data.bin`);
    await second.readAll();
    expect(second.error()).toBe('NoError');
    expect(asked).toBe(1);
  });

  it('a proxy factory picks per URL; SOCKS5 carries the request (the server sees the proxy’s address)', async () => {
    const nam = manager({
      proxy: ({ url }) =>
        url.pathname.endsWith('.bin')
          ? [socks5Proxy('127.0.0.1', socks.port)]
          : [{ type: 'NoProxy' }],
    });
    await nam.get(`${nginx.httpOrigin}/data.bin`).readAll();
    await nam.get(`${nginx.httpOrigin}/hello.txt`).readAll();
    const log = await nginx.waitForAccessLog((entries) =>
      entries.some((e) => e.uri === '/data.bin' && e.remoteAddress === '127.0.0.2'),
    );
    expect(log.filter((e) => e.uri === '/hello.txt').at(-1)?.remoteAddress).toBe('127.0.0.1');
  });
});
