import { createServer } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  DefaultProxy,
  httpProxy,
  type NetworkProxy,
  NoProxy,
  noProxyMatches,
  ProxyDispatchers,
  parseProxyUrl,
  proxiesFromEnvironment,
  proxyErrorOf,
  resolveProxy,
  socks5Proxy,
} from './network-proxy.js';

const u = (s: string) => new URL(s);

describe('proxiesFromEnvironment', () => {
  it('picks the proxy for the scheme, lower case first, then ALL_PROXY', () => {
    const env = {
      http_proxy: 'http://lower:3128',
      HTTP_PROXY: 'http://upper:3128',
      HTTPS_PROXY: 'user:p%40ss@secure.example:8443',
    };
    expect(proxiesFromEnvironment(env, 'http://a.test/')).toEqual([httpProxy('lower', 3128)]);
    expect(proxiesFromEnvironment(env, 'https://a.test/')).toEqual([
      httpProxy('secure.example', 8443, 'user', 'p@ss'),
    ]);
    expect(proxiesFromEnvironment({ HTTP_PROXY: 'http://h:1' }, 'https://a.test/')).toEqual([
      httpProxy('h', 1),
    ]);
    expect(proxiesFromEnvironment({ ALL_PROXY: 'socks5h://s:1081' }, 'https://a.test/')).toEqual([
      socks5Proxy('s', 1081),
    ]);
    expect(proxiesFromEnvironment({}, 'http://a.test/')).toEqual([NoProxy]);
    expect(proxiesFromEnvironment({ http_proxy: 'http://h:1' }, 'ftp://a.test/')).toEqual([
      NoProxy,
    ]);
    expect(
      proxiesFromEnvironment({ http_proxy: 'https://tls-proxy:443' }, 'http://a.test/'),
    ).toEqual([NoProxy]);
    expect(proxiesFromEnvironment({ http_proxy: 'http://h:1' }, 'not a url')).toEqual([NoProxy]);
  });

  it('bypasses NO_PROXY hosts', () => {
    const env = { http_proxy: 'http://p:3128', NO_PROXY: 'localhost, .internal.test,10.0.0.0/8' };
    expect(proxiesFromEnvironment(env, 'http://localhost:8080/')).toEqual([NoProxy]);
    expect(proxiesFromEnvironment(env, 'http://svc.internal.test/')).toEqual([NoProxy]);
    expect(proxiesFromEnvironment(env, 'http://10.1.2.3/')).toEqual([NoProxy]);
    // loopback is never sent to the environment's proxy
    const bare = { http_proxy: 'http://p:3128' };
    for (const local of [
      'http://127.0.0.1:8080/',
      'http://127.8.9.10/',
      'http://[::1]/',
      'http://app.localhost/',
    ]) {
      expect(proxiesFromEnvironment(bare, local), local).toEqual([NoProxy]);
    }
    expect(proxiesFromEnvironment(env, 'http://example.com/')).toEqual([httpProxy('p', 3128)]);
  });
});

describe('noProxyMatches', () => {
  it.each([
    ['*', 'http://anything.test/', true],
    ['example.com', 'http://example.com/', true],
    ['example.com', 'http://www.example.com/', true],
    ['example.com', 'http://notexample.com/', false],
    ['.example.com', 'http://example.com/', true],
    ['*.example.com', 'http://a.b.example.com/', true],
    ['example.com:8080', 'http://example.com:8080/', true],
    ['example.com:8080', 'http://example.com/', false],
    ['example.com:443', 'https://example.com/', true],
    ['127.0.0.1', 'http://127.0.0.1:3000/', true],
    ['127.0.0.1', 'http://127.0.0.10/', false],
    ['1.2.3.4', 'http://5.1.2.3.4.test/', false],
    ['192.168.0.0/16', 'http://192.168.44.1/', true],
    ['192.168.0.0/16', 'http://192.169.0.1/', false],
    ['::1', 'http://[::1]:80/', true],
    ['[::1]:8080', 'http://[::1]:8080/', true],
    ['fd00::/8', 'http://[fd12::1]/', true],
    ['fd00::/8', 'http://fd00.test/', false],
    ['10.0.0.0/99, junk/, ,', 'http://10.0.0.1/', false],
    ['EXAMPLE.COM.', 'http://Example.com./', true],
  ])('%s vs %s → %s', (list, url, expected) => {
    expect(noProxyMatches(list, u(url))).toBe(expected);
  });
});

describe('hostile environment values', () => {
  it('never throw (fast-check)', () => {
    const text = fc.oneof(fc.string(), fc.ipV6(), fc.ipV4(), fc.domain());
    const url = fc.constantFrom('http://a.test/', 'https://[::1]:8443/x', 'http://10.0.0.1:80/');
    fc.assert(
      fc.property(text, text, url, (proxy, noProxy, url) => {
        const [result] = proxiesFromEnvironment(
          { http_proxy: proxy, https_proxy: proxy, no_proxy: noProxy },
          url,
        );
        return result !== undefined && noProxyMatches(noProxy, new URL(url)) !== undefined;
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseProxyUrl and resolveProxy', () => {
  it('parses the forms people write', () => {
    expect(parseProxyUrl('proxy:3128')).toEqual(httpProxy('proxy', 3128));
    expect(parseProxyUrl('http://proxy')).toEqual(httpProxy('proxy', 80));
    expect(parseProxyUrl('socks5://u:p@[::1]')).toEqual(socks5Proxy('::1', 1080, 'u', 'p'));
    expect(parseProxyUrl('gopher://x')).toBeUndefined();
    expect(parseProxyUrl('http://')).toBeUndefined();
  });

  it('resolves settings, factories and DefaultProxy; ignores unusable and throwing factories', () => {
    const env = { http_proxy: 'http://envproxy:1' };
    expect(resolveProxy(httpProxy('p', 2), u('http://a/'), env)).toEqual(httpProxy('p', 2));
    expect(resolveProxy(DefaultProxy, u('http://a/'), env)).toEqual(httpProxy('envproxy', 1));
    const seen: string[] = [];
    const factory = ({ url }: { url: URL }) => {
      seen.push(url.href);
      return url.hostname === 'direct' ? [NoProxy] : [httpProxy('', 0), socks5Proxy('s', 1080)];
    };
    expect(resolveProxy(factory, u('http://direct/'), env)).toBe(NoProxy);
    expect(resolveProxy(factory, u('http://via/'), env)).toEqual(socks5Proxy('s', 1080));
    expect(seen).toEqual(['http://direct/', 'http://via/']);
    const throwing = () => {
      throw new Error('app bug');
    };
    expect(resolveProxy(throwing, u('http://a/'), env)).toBe(NoProxy);
    expect(resolveProxy(() => [DefaultProxy], u('http://a/'), env)).toEqual(
      httpProxy('envproxy', 1),
    );
  });
});

describe('ProxyDispatchers and proxyErrorOf', () => {
  it('binds connections to the proxy to the address the link gives (after a roam)', async () => {
    // A "proxy" that notes where each connection comes from and hangs up.
    const seen: string[] = [];
    const server = createServer((socket) => {
      seen.push(socket.remoteAddress ?? '');
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const asked: string[] = [];
    const link = {
      sourceFor: async (hostname: string) => {
        asked.push(hostname);
        return { address: '127.0.0.2', family: 4 as const };
      },
    };
    const from = async (dispatchers: ProxyDispatchers, proxy: NetworkProxy, target: string) => {
      seen.length = 0;
      await request(target, { dispatcher: dispatchers.dispatcherFor(proxy)! }).catch(() => {});
      await dispatchers.destroy();
      return seen;
    };
    try {
      for (const proxy of [httpProxy('127.0.0.1', port), socks5Proxy('127.0.0.1', port)]) {
        for (const target of ['http://example.test/', 'https://example.test/']) {
          const what = `${proxy.type} ${target}`;
          expect(await from(new ProxyDispatchers({}, link), proxy, target), what).toEqual([
            '127.0.0.2',
          ]);
          expect(await from(new ProxyDispatchers(), proxy, target), what).toEqual(['127.0.0.1']);
        }
      }
      // The link is asked about the proxy's host, not the origin's.
      expect(new Set(asked)).toEqual(new Set(['127.0.0.1']));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('caches one dispatcher per proxy and credentials, none for NoProxy', async () => {
    const dispatchers = new ProxyDispatchers({ connections: 2 });
    const a = dispatchers.dispatcherFor(httpProxy('127.0.0.1', 9));
    expect(a).toBeDefined();
    expect(dispatchers.dispatcherFor(httpProxy('127.0.0.1', 9))).toBe(a);
    expect(dispatchers.dispatcherFor(httpProxy('127.0.0.1', 9, 'u', 'p'))).not.toBe(a);
    expect(dispatchers.dispatcherFor(NoProxy)).toBeUndefined();
    expect(dispatchers.dispatcherFor(DefaultProxy)).toBeUndefined();
    await dispatchers.destroy();
  });

  it('maps a refused proxy connection (a closed port) to ProxyConnectionRefusedError', async () => {
    const port = await closedPort();
    const proxy = httpProxy('127.0.0.1', port);
    const dispatchers = new ProxyDispatchers();
    for (const target of ['http://example.test/', 'https://example.test/']) {
      const error = await request(target, { dispatcher: dispatchers.dispatcherFor(proxy)! }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const mapped = proxyErrorOf(error, proxy);
      expect(mapped?.error, target).toBe('ProxyConnectionRefusedError');
      expect(mapped?.cause).toBe(error);
    }
    await dispatchers.destroy();
  });

  it('maps a proxy that closes, stays silent or does not resolve (real sockets)', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const closing = createServer((socket) => socket.destroy());
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await Promise.all(
      [closing, silent].map(
        (s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve)),
      ),
    );
    const portOf = (s: typeof closing) => (s.address() as { port: number }).port;
    const dispatchers = new ProxyDispatchers({ headersTimeout: 300 });
    const failure = async (proxy: NetworkProxy, target: string) => {
      const error = await request(target, { dispatcher: dispatchers.dispatcherFor(proxy)! }).then(
        () => undefined,
        (e: unknown) => e,
      );
      return proxyErrorOf(error, proxy)?.error ?? String(error);
    };
    try {
      const closed = httpProxy('127.0.0.1', portOf(closing));
      expect(await failure(closed, 'http://example.test/')).toBe('ProxyConnectionClosedError');
      expect(await failure(closed, 'https://example.test/')).toBe('ProxyConnectionClosedError');
      const quiet = httpProxy('127.0.0.1', portOf(silent));
      expect(await failure(quiet, 'http://example.test/')).toBe('ProxyTimeoutError');
      expect(await failure(quiet, 'https://example.test/')).toBe('ProxyTimeoutError');
      const socksClosed = socks5Proxy('127.0.0.1', portOf(closing));
      expect(await failure(socksClosed, 'http://example.test/')).toBe('ProxyConnectionClosedError');
      expect(await failure(socksClosed, 'https://example.test/')).toBe(
        'ProxyConnectionClosedError',
      );
      const nowhere = httpProxy('proxy.invalid', 3128);
      expect(await failure(nowhere, 'http://example.test/')).toBe('ProxyNotFoundError');
    } finally {
      for (const socket of sockets) socket.destroy();
      await dispatchers.destroy();
      await Promise.all([closing, silent].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });

  it('maps undici’s proxy messages and codes; leaves other errors alone', () => {
    const proxy = httpProxy('p', 1);
    const tunnel = (status: number) =>
      proxyErrorOf(new Error(`Proxy response (${status}) !== 200 when HTTP Tunneling`), proxy)
        ?.error;
    expect(tunnel(407)).toBe('ProxyAuthenticationRequiredError');
    expect(tunnel(403)).toBe('ProxyConnectionRefusedError');
    expect(tunnel(502)).toBe('ConnectionRefusedError');
    expect(tunnel(504)).toBe('TimeoutError');
    expect(tunnel(500)).toBe('UnknownProxyError');
    expect(proxyErrorOf(new Error('Proxy Authentication Required (407)'), proxy)?.error).toBe(
      'ProxyAuthenticationRequiredError',
    );
    const coded = (code: string) =>
      proxyErrorOf(Object.assign(new Error('x'), { code }), proxy)?.error;
    expect(coded('ENOTFOUND')).toBe('ProxyNotFoundError');
    expect(coded('UND_ERR_CONNECT_TIMEOUT')).toBe('ProxyTimeoutError');
    expect(coded('UND_ERR_SOCKET')).toBe('ProxyConnectionClosedError');
    expect(coded('UND_ERR_SOCKS5_AUTH_FAILED')).toBe('ProxyAuthenticationRequiredError');
    expect(coded('UND_ERR_SOCKS5_REPLY_5')).toBe('ConnectionRefusedError');
    expect(coded('UND_ERR_SOCKS5_WHATEVER')).toBe('UnknownProxyError');
    expect(coded('UND_ERR_ABORTED')).toBeUndefined();
    expect(
      proxyErrorOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), NoProxy),
    ).toBeUndefined();
    expect(proxyErrorOf('a string', proxy)).toBeUndefined();
    expect(proxyErrorOf(null, proxy)).toBeUndefined();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
