/**
 * Proxies against real ones: tinyproxy (absolute-URI GET, CONNECT to nginx over TLS, proxy
 * Basic auth → 407) and microsocks (SOCKS5, with and without authentication), through the
 * dispatchers of network-proxy.ts and its error mapping.
 */
import {
  CredentialCache,
  DefaultProxy,
  httpProxy,
  type NetworkProxy,
  NoProxy,
  ProxyDispatchers,
  proxyErrorOf,
  proxyErrorOfStatus,
  resolveProxy,
  socks5Proxy,
} from '@netbearer/access';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Microsocks,
  type Nginx,
  startMicrosocks,
  startNginx,
  startTinyproxy,
  type Tinyproxy,
} from '../support/http-servers/index.js';

let nginx: Nginx;
let open: Tinyproxy;
let guarded: Tinyproxy;
let socks: Microsocks;
let socksAuth: Microsocks;
const dispatchers: ProxyDispatchers[] = [];

beforeAll(async () => {
  [nginx, open, guarded, socks, socksAuth] = await Promise.all([
    startNginx(),
    startTinyproxy(),
    startTinyproxy({ basicAuth: { user: 'proxyuser', password: 'proxypass' } }),
    startMicrosocks(),
    startMicrosocks({ user: 'sockuser', password: 'sockpass' }),
  ]);
});
afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.destroy()));
  await Promise.all([
    nginx?.stop(),
    open?.stop(),
    guarded?.stop(),
    socks?.stop(),
    socksAuth?.stop(),
  ]);
});

function through(proxy: NetworkProxy) {
  const d = new ProxyDispatchers({ connect: { ca: nginx.ca } });
  dispatchers.push(d);
  return d.dispatcherFor(proxy)!;
}

/** GET through the proxy: the status and body, or the proxy error it maps to. */
async function get(proxy: NetworkProxy, url: string) {
  try {
    const response = await request(url, { dispatcher: through(proxy) });
    const body = await response.body.text();
    const refused = proxyErrorOfStatus(response.statusCode, proxy);
    if (refused) return { error: refused.error, status: response.statusCode };
    return { status: response.statusCode, body };
  } catch (error) {
    const mapped = proxyErrorOf(error, proxy);
    return { error: mapped?.error ?? `unmapped: ${String(error)}`, cause: error };
  }
}

const hello = () => nginx.file('hello.txt');

describe('HTTP proxy (tinyproxy)', () => {
  it('forwards an http: GET as an absolute-URI request', async () => {
    const proxy = httpProxy('127.0.0.1', open.port);
    const result = await get(proxy, `${nginx.httpOrigin}/hello.txt`);
    expect(result).toMatchObject({ status: 200 });
    expect(result.body?.length).toBe(hello().size);
    expect(open.requests()).toContainEqual({
      method: 'GET',
      target: `${nginx.httpOrigin}/hello.txt`,
    });
  });

  it('tunnels https: with CONNECT and verifies the origin with the given CA', async () => {
    const proxy = httpProxy('127.0.0.1', open.port);
    const result = await get(proxy, `${nginx.httpsOrigin}/hello.txt`);
    expect(result).toMatchObject({ status: 200 });
    expect(open.requests()).toContainEqual({
      method: 'CONNECT',
      target: nginx.httpsOrigin.replace('https://', ''),
    });
  });

  it('maps 407 without credentials to ProxyAuthenticationRequiredError, for http: and https:', async () => {
    const proxy = httpProxy('127.0.0.1', guarded.port);
    expect((await get(proxy, `${nginx.httpOrigin}/hello.txt`)).error).toBe(
      'ProxyAuthenticationRequiredError',
    );
    expect((await get(proxy, `${nginx.httpsOrigin}/hello.txt`)).error).toBe(
      'ProxyAuthenticationRequiredError',
    );
    // Wrong credentials: tinyproxy 1.11 answers 401 (not 407). Through CONNECT that is still
    // the proxy's refusal; on an absolute-URI request it looks like the origin's 401.
    const wrong = httpProxy('127.0.0.1', guarded.port, 'proxyuser', 'nope');
    expect((await get(wrong, `${nginx.httpsOrigin}/hello.txt`)).error).toBe(
      'ProxyAuthenticationRequiredError',
    );
    expect(await get(wrong, `${nginx.httpOrigin}/hello.txt`)).toMatchObject({ status: 401 });
  });

  it('passes with Basic credentials', async () => {
    const proxy = httpProxy('127.0.0.1', guarded.port, 'proxyuser', 'proxypass');
    expect(await get(proxy, `${nginx.httpOrigin}/hello.txt`)).toMatchObject({ status: 200 });
    expect(await get(proxy, `${nginx.httpsOrigin}/hello.txt`)).toMatchObject({ status: 200 });
  });

  it('asks for proxy credentials after a 407 and remembers them for the next request', async () => {
    const credentials = new CredentialCache();
    const configured = httpProxy('127.0.0.1', guarded.port);
    const asked: string[] = [];
    const fetchVia = async (url: string) => {
      const auth = credentials.beginProxy(configured);
      let proxy = auth.proxy();
      for (;;) {
        const result = await get(proxy, url);
        if (result.error !== 'ProxyAuthenticationRequiredError') {
          if (result.status !== undefined) auth.succeeded();
          return result;
        }
        const step = auth.refused();
        if (step.kind !== 'ask') return result;
        asked.push(step.authenticator.options.proxy ?? '');
        Object.assign(step.authenticator, { user: 'proxyuser', password: 'proxypass' });
        const next = step.answer();
        if (next.kind === 'fail') return { error: next.error.problem };
        proxy = next.proxy;
      }
    };
    expect(await fetchVia(`${nginx.httpsOrigin}/hello.txt`)).toMatchObject({ status: 200 });
    expect(await fetchVia(`${nginx.httpOrigin}/hello.txt`)).toMatchObject({ status: 200 });
    expect(asked).toEqual([`127.0.0.1:${guarded.port}`]);
  });

  it('takes DefaultProxy from the environment, but never for loopback servers', async () => {
    // Everything here is on 127.0.0.1, which DefaultProxy never proxies; a factory that answers
    // DefaultProxy for a "remote" name and rewrites nothing shows the environment is read.
    const url = new URL(`${nginx.httpOrigin}/hello.txt?env`);
    const env = { http_proxy: open.url, NO_PROXY: 'internal.test' };
    expect(resolveProxy(DefaultProxy, url, env)).toBe(NoProxy);
    const remote = new URL('http://remote.test/');
    const proxy = resolveProxy(DefaultProxy, remote, env);
    expect(proxy).toEqual(httpProxy('127.0.0.1', open.port));
    expect(await get(proxy, url.href)).toMatchObject({ status: 200 });
    expect(open.requests()).toContainEqual({ method: 'GET', target: url.href });
    expect(resolveProxy(DefaultProxy, new URL('http://a.internal.test/'), env)).toBe(NoProxy);
  });
});

describe('SOCKS5 proxy (microsocks)', () => {
  it('carries http: and https: requests', async () => {
    const proxy = socks5Proxy('127.0.0.1', socks.port);
    expect(await get(proxy, `${nginx.httpOrigin}/hello.txt`)).toMatchObject({ status: 200 });
    expect(await get(proxy, `${nginx.httpsOrigin}/hello.txt`)).toMatchObject({ status: 200 });
  });

  it('authenticates with user and password; wrong or none is ProxyAuthenticationRequiredError', async () => {
    const good = socks5Proxy('127.0.0.1', socksAuth.port, 'sockuser', 'sockpass');
    expect(await get(good, `${nginx.httpOrigin}/hello.txt`)).toMatchObject({ status: 200 });
    const wrong = socks5Proxy('127.0.0.1', socksAuth.port, 'sockuser', 'bad');
    expect((await get(wrong, `${nginx.httpOrigin}/hello.txt`)).error).toBe(
      'ProxyAuthenticationRequiredError',
    );
    const none = socks5Proxy('127.0.0.1', socksAuth.port);
    expect((await get(none, `${nginx.httpOrigin}/hello.txt`)).error).toBe(
      'ProxyAuthenticationRequiredError',
    );
  });

  it('reports a refused target as ConnectionRefusedError', async () => {
    const proxy = socks5Proxy('127.0.0.1', socks.port);
    const result = await get(proxy, 'http://127.0.0.1:1/');
    expect(result.error).toBe('ConnectionRefusedError');
  });
});
