/**
 * Proxies: Qt's QNetworkProxy / QNetworkProxyFactory on undici's ProxyAgent and Socks5ProxyAgent.
 *
 * API (stable; the request pipeline calls these):
 * - `type NetworkProxy = { type: 'NoProxy'|'DefaultProxy'|'HttpProxy'|'Socks5Proxy', host?, port?,
 *   user?, password? }`; `NoProxy`, `DefaultProxy` constants; `httpProxy(host, port, user?, pw?)`,
 *   `socks5Proxy(...)` constructors.
 * - `type ProxyQuery = { url: URL; method?: string }`, `type ProxyFactory = (query) =>
 *   readonly NetworkProxy[]` — the app's `setProxyFactory`. Use the first usable entry.
 * - `resolveProxy(setting, url, env?)`: the one proxy to use for `url`, given the manager's
 *   setting (a NetworkProxy or a ProxyFactory; `DefaultProxy` anywhere becomes the environment's
 *   choice) — returns an `HttpProxy`, a `Socks5Proxy` or `NoProxy`.
 * - `proxiesFromEnvironment(env, url)`: what `DefaultProxy` means — `http_proxy`/`HTTP_PROXY`
 *   for http:, `https_proxy`/`HTTPS_PROXY` (else the http one) for https:, `all_proxy`/
 *   `ALL_PROXY` as a fallback (socks5:// allowed), all bypassed by `no_proxy`/`NO_PROXY` (see
 *   `noProxyMatches`) and for loopback hosts (localhost, 127/8, ::1). Lower case wins over
 *   upper case. Returns `[proxy]` or `[NoProxy]`. (An explicit HttpProxy/Socks5Proxy setting or
 *   a factory's answer is used for loopback too.)
 * - `new ProxyDispatchers(agentOptions)`: `.dispatcherFor(proxy)` → an undici `Dispatcher` for an
 *   HttpProxy/Socks5Proxy (cached per host, port and credentials; undefined for NoProxy: use your
 *   own Agent), `.destroy(err?)` destroys them all. `dispatcherFor(proxy, agentOptions)` is the
 *   same with one cache per `agentOptions` object. HTTP proxies: http: URLs go as absolute-URI
 *   requests, https: URLs through CONNECT; credentials as `Proxy-Authorization: Basic`. TLS
 *   options for the origin go in `agentOptions.connect` (an object: ca, rejectUnauthorized, …;
 *   a connect *function* cannot be used through a proxy).
 * - `proxyErrorOf(error, proxy)`: the Qt NetworkError name for a failure of a request sent
 *   through `proxy` (`ProxyConnectionRefusedError`, `ProxyConnectionClosedError`,
 *   `ProxyNotFoundError`, `ProxyTimeoutError`, `ProxyAuthenticationRequiredError`,
 *   `UnknownProxyError`, or an origin error the proxy reported: `HostNotFoundError`,
 *   `ConnectionRefusedError`, `TimeoutError`) as a `ProxyError`, or undefined when the error is
 *   not the proxy's (map it as usual). Call it only for errors before the response started.
 *   `proxyErrorOfStatus(status, proxy)`: the same for a 407 *response* (http: URLs through an
 *   HTTP proxy get the proxy's 407 as an ordinary response from undici).
 *   After a ProxyAuthenticationRequiredError, emit `proxyAuthenticationRequired(proxy,
 *   authenticator)` and retry with `dispatcherFor({ ...proxy, user, password })`.
 */
import { BlockList, isIP } from 'node:net';
import { NetBearerError } from '@netbearer/core';
import {
  type Agent,
  buildConnector,
  type Dispatcher,
  Pool,
  ProxyAgent,
  Socks5ProxyAgent,
} from 'undici';
import { type LinkSource, linkBound } from './link-address.js';

export type ProxyType = 'NoProxy' | 'DefaultProxy' | 'HttpProxy' | 'Socks5Proxy';

export interface NetworkProxy {
  readonly type: ProxyType;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
}

export const NoProxy: NetworkProxy = Object.freeze({ type: 'NoProxy' });
export const DefaultProxy: NetworkProxy = Object.freeze({ type: 'DefaultProxy' });

export function httpProxy(host: string, port: number, user?: string, password?: string) {
  return proxyOf('HttpProxy', host, port, user, password);
}

export function socks5Proxy(host: string, port: number, user?: string, password?: string) {
  return proxyOf('Socks5Proxy', host, port, user, password);
}

function proxyOf(
  type: ProxyType,
  host: string,
  port: number,
  user?: string,
  password?: string,
): NetworkProxy {
  return {
    type,
    host,
    port,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

export interface ProxyQuery {
  readonly url: URL;
  readonly method?: string;
}

export type ProxyFactory = (query: ProxyQuery) => readonly NetworkProxy[];

type Env = Readonly<Record<string, string | undefined>>;

/** The proxy to use for `url`: the manager's setting resolved, DefaultProxy via the environment. */
export function resolveProxy(
  setting: NetworkProxy | ProxyFactory,
  url: URL,
  env: Env = process.env,
): NetworkProxy {
  let candidates: readonly NetworkProxy[];
  try {
    candidates = typeof setting === 'function' ? setting({ url }) : [setting];
  } catch {
    candidates = [];
  }
  for (const candidate of Array.isArray(candidates) ? candidates : []) {
    const proxy =
      candidate?.type === 'DefaultProxy' ? proxiesFromEnvironment(env, url)[0] : candidate;
    if (proxy && isUsable(proxy)) return proxy;
  }
  return NoProxy;
}

function isUsable(proxy: NetworkProxy): boolean {
  if (proxy.type === 'NoProxy') return true;
  if (proxy.type !== 'HttpProxy' && proxy.type !== 'Socks5Proxy') return false;
  return (
    typeof proxy.host === 'string' &&
    proxy.host.length > 0 &&
    Number.isInteger(proxy.port) &&
    proxy.port! > 0 &&
    proxy.port! < 65536
  );
}

/** What DefaultProxy means for `url`: the environment's proxy, or NoProxy. */
export function proxiesFromEnvironment(env: Env, url: URL | string): NetworkProxy[] {
  let target: URL;
  try {
    target = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return [NoProxy];
  }
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  // Loopback never goes through the environment's proxy (as Chrome's implicit <-loopback>): a
  // proxy elsewhere cannot reach this machine's 127.0.0.1 anyway.
  if (isLoopback(target)) return [NoProxy];
  const noProxy = pick('no_proxy');
  if (noProxy && noProxyMatches(noProxy, target)) return [NoProxy];
  const http = pick('http_proxy');
  const value =
    target.protocol === 'https:'
      ? (pick('https_proxy') ?? http ?? pick('all_proxy'))
      : target.protocol === 'http:'
        ? (http ?? pick('all_proxy'))
        : undefined;
  const proxy = value === undefined ? undefined : parseProxyUrl(value);
  return [proxy ?? NoProxy];
}

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * `http://user:pw@host:port`, `host:port` (HTTP), `socks5://…`/`socks5h://…`/`socks://…`;
 * undefined for anything else (an https:// proxy is not supported).
 */
export function parseProxyUrl(value: string): NetworkProxy | undefined {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  const socks = ['socks5:', 'socks5h:', 'socks:'].includes(url.protocol);
  if (!socks && url.protocol !== 'http:') return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return undefined;
  const port = url.port ? Number(url.port) : socks ? 1080 : 80;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return proxyOf(
    socks ? 'Socks5Proxy' : 'HttpProxy',
    host,
    port,
    url.username ? decode(url.username) : undefined,
    url.password ? decode(url.password) : undefined,
  );
}

/**
 * Whether `url` bypasses the proxy under a NO_PROXY list (comma or space separated): `*` = all;
 * `example.com`, `.example.com` and `*.example.com` match the domain and its subdomains; an
 * entry with `:port` matches only that port; IPv4/IPv6 addresses match exactly and CIDR blocks
 * (`10.0.0.0/8`, `fd00::/8`) by range.
 */
export function noProxyMatches(noProxy: string, url: URL): boolean {
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
    .replace(/\.$/, '');
  const port =
    url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (cidrContains(entry, host)) return true;
      continue;
    }
    const { name, entryPort } = splitHostPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    if (!domain) continue;
    if (host === domain) return true;
    if (isIP(host) === 0 && isIP(domain) === 0 && host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function splitHostPort(entry: string): { name: string; entryPort: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, entryPort: bracketed[2] };
  if (isIP(entry) === 6) return { name: entry, entryPort: undefined };
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort
    ? { name: withPort[1]!, entryPort: withPort[2] }
    : { name: entry, entryPort: undefined };
}

function cidrContains(entry: string, host: string): boolean {
  const [network, bitsText] = entry.split('/');
  const family = isIP(network ?? '');
  const hostFamily = isIP(host);
  const bits = Number(bitsText);
  if (family === 0 || hostFamily !== family || !Number.isInteger(bits)) return false;
  if (bits < 0 || bits > (family === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(network!, bits, type);
  return list.check(host, type);
}

// ---------------------------------------------------------------------------------------------
// Dispatchers

/** The Agent options a proxy dispatcher shares with the manager's own Agent. */
export type ProxyAgentOptions = Omit<Agent.Options, 'connect' | 'factory'> & {
  /** TLS options towards the origin (through the tunnel). */
  connect?: buildConnector.BuildOptions;
};

/** One undici dispatcher per proxy (host, port, credentials), made on first use. */
export class ProxyDispatchers {
  readonly #dispatchers = new Map<string, Dispatcher>();

  constructor(
    readonly agentOptions: ProxyAgentOptions = {},
    /** The link connections to a proxy are bound to (after a roam: the new one). */
    readonly link?: LinkSource,
  ) {}

  /** The dispatcher that sends through `proxy`; undefined for NoProxy (send directly). */
  dispatcherFor(proxy: NetworkProxy): Dispatcher | undefined {
    if (proxy.type === 'NoProxy' || proxy.type === 'DefaultProxy' || !isUsable(proxy)) {
      return undefined;
    }
    const key = JSON.stringify([proxy.type, proxy.host, proxy.port, proxy.user, proxy.password]);
    let dispatcher = this.#dispatchers.get(key);
    if (!dispatcher) {
      dispatcher = makeDispatcher(proxy, this.agentOptions, this.link);
      this.#dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  /** Destroys every dispatcher (failing what is in flight through them). */
  async destroy(error?: Error): Promise<void> {
    const all = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(all.map((d) => d.destroy(error ?? null).catch(() => {})));
  }
}

const perOptions = new WeakMap<object, ProxyDispatchers>();

/** `ProxyDispatchers.dispatcherFor` with one cache per `agentOptions` object. */
export function dispatcherFor(
  proxy: NetworkProxy,
  agentOptions: ProxyAgentOptions,
): Dispatcher | undefined {
  let dispatchers = perOptions.get(agentOptions);
  if (!dispatchers) {
    dispatchers = new ProxyDispatchers(agentOptions);
    perOptions.set(agentOptions, dispatchers);
  }
  return dispatchers.dispatcherFor(proxy);
}

function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function makeDispatcher(
  proxy: NetworkProxy,
  options: ProxyAgentOptions,
  link: LinkSource | undefined,
): Dispatcher {
  const { connect: requestTls, ...agent } = options;
  const address = `${hostForUrl(proxy.host!)}:${proxy.port}`;
  const credentials =
    proxy.user !== undefined || proxy.password !== undefined
      ? { user: proxy.user ?? '', password: proxy.password ?? '' }
      : undefined;
  if (proxy.type === 'Socks5Proxy') {
    return new Socks5ProxyAgent(`socks5://${address}`, {
      connect: noticingEarlyClose(linkBound(link, tcpConnector)),
      ...(credentials ? { username: credentials.user, password: credentials.password } : {}),
      ...(requestTls ? { requestTls } : {}),
    });
  }
  // The pools get the same timeouts as the Agent (undici's default factories would give them
  // its 300 s defaults). Those to the proxy itself (CONNECT, absolute-URI requests) are bound
  // to the link; the others are the origins' pools, whose connector is undici's tunnel.
  const proxyOrigin = new URL(`http://${address}`).origin;
  const toProxy = (origin: string | URL, opts: object) =>
    new Pool(origin, {
      ...agent,
      ...opts,
      ...(link && new URL(String(origin)).origin === proxyOrigin
        ? { connect: linkBound(link, tcpConnector) }
        : {}),
    } as Pool.Options);
  return new ProxyAgent({
    ...agent,
    factory: toProxy,
    clientFactory: (origin, opts) => failingConnect(toProxy(origin, opts)),
    uri: `http://${address}`,
    // http: URLs as absolute-URI requests (as Qt and curl do), https: through CONNECT.
    proxyTunnel: false,
    ...(credentials ? { token: basicCredentials(credentials.user, credentials.password) } : {}),
    ...(requestTls ? { requestTls } : {}),
  });
}

/** A plain TCP connector (to a proxy), looking host names up in `family` when given. */
const tcpConnector = (family: 4 | 6 | undefined) =>
  buildConnector(family !== undefined ? ({ family } as buildConnector.BuildOptions) : {});

/**
 * undici 7.30 treats a CONNECT that the proxy answers by closing the socket (UND_ERR_SOCKET) as
 * a recoverable connect error and reconnects forever (measured: ~200 connections/s, the request
 * never fails). Rethrown as ECONNRESET it fails the request: ProxyConnectionClosedError.
 */
function failingConnect(pool: Pool): Pool {
  const connect = pool.connect.bind(pool) as (
    options: Dispatcher.ConnectOptions,
  ) => Promise<Dispatcher.ConnectData>;
  const wrapped = (options: Dispatcher.ConnectOptions) =>
    connect(options).catch((error: unknown) => {
      if ((error as { code?: unknown })?.code !== 'UND_ERR_SOCKET') throw error;
      throw Object.assign(
        new Error(`proxy closed the connection during CONNECT: ${(error as Error).message}`),
        {
          code: 'ECONNRESET',
          cause: error,
        },
      );
    });
  pool.connect = wrapped as Pool['connect'];
  return pool;
}

/** Reply bytes of the shortest SOCKS5 handshake: method choice (2) + IPv4 connect reply (10). */
const socksHandshakeBytes = 12;

/**
 * undici 7.30's SOCKS5 client ignores a close during the handshake and waits for its fixed 5 s
 * timer ("SOCKS5 authentication timeout"). A close before a whole handshake was read is turned
 * into an ECONNRESET error on the socket, which fails the request at once:
 * ProxyConnectionClosedError.
 */
function noticingEarlyClose(connector: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connector(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('no socket'), null);
        return;
      }
      socket.once('close', () => {
        if (socket.bytesRead >= socksHandshakeBytes) return;
        const closed = Object.assign(new Error('SOCKS5 proxy closed the connection'), {
          code: 'ECONNRESET',
        });
        if (socket.listenerCount('error') > 0) socket.emit('error', closed);
      });
      callback(null, socket);
    });
}

/** `Basic base64(user:password)` (UTF-8), for Authorization and Proxy-Authorization. */
export function basicCredentials(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Errors

export type ProxyErrorName =
  | 'ProxyConnectionRefusedError'
  | 'ProxyConnectionClosedError'
  | 'ProxyNotFoundError'
  | 'ProxyTimeoutError'
  | 'ProxyAuthenticationRequiredError'
  | 'UnknownProxyError'
  | 'HostNotFoundError'
  | 'ConnectionRefusedError'
  | 'TimeoutError';

/** A request failed at its proxy; `error` is the Qt NetworkError name, `cause` undici's error. */
export class ProxyError extends NetBearerError {
  override name = 'ProxyError';
  constructor(
    readonly error: ProxyErrorName,
    message: string,
    readonly proxy: NetworkProxy,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const byCode: Record<string, ProxyErrorName> = {
  ECONNREFUSED: 'ProxyConnectionRefusedError',
  ENOTFOUND: 'ProxyNotFoundError',
  EAI_AGAIN: 'ProxyNotFoundError',
  EAI_NONAME: 'ProxyNotFoundError',
  ETIMEDOUT: 'ProxyTimeoutError',
  UND_ERR_CONNECT_TIMEOUT: 'ProxyTimeoutError',
  // Before any response: the proxy did not reply in time (Qt's definition of ProxyTimeout).
  UND_ERR_HEADERS_TIMEOUT: 'ProxyTimeoutError',
  ECONNRESET: 'ProxyConnectionClosedError',
  EPIPE: 'ProxyConnectionClosedError',
  UND_ERR_SOCKET: 'ProxyConnectionClosedError',
  UND_ERR_CLOSED: 'ProxyConnectionClosedError',
  UND_ERR_SOCKS5_AUTH_REJECTED: 'ProxyAuthenticationRequiredError',
  UND_ERR_SOCKS5_AUTH_FAILED: 'ProxyAuthenticationRequiredError',
  UND_ERR_SOCKS5_REPLY_3: 'HostNotFoundError',
  UND_ERR_SOCKS5_REPLY_4: 'HostNotFoundError',
  UND_ERR_SOCKS5_REPLY_5: 'ConnectionRefusedError',
  UND_ERR_SOCKS5_REPLY_6: 'TimeoutError',
};

/** How an HTTP proxy's refusal of a CONNECT maps (after Qt's QHttpSocketEngine). */
function byTunnelStatus(status: number): ProxyErrorName {
  // tinyproxy 1.11 answers wrong credentials with 401: for CONNECT that can only be its own.
  if (status === 407 || status === 401) return 'ProxyAuthenticationRequiredError';
  if (status === 403 || status === 405) return 'ProxyConnectionRefusedError';
  if (status === 404) return 'HostNotFoundError';
  if (status === 502 || status === 503) return 'ConnectionRefusedError';
  if (status === 504) return 'TimeoutError';
  return 'UnknownProxyError';
}

/**
 * The proxy failure behind `error` for a request sent through `proxy` before its response
 * started, or undefined if it is not the proxy's. Never throws.
 */
export function proxyErrorOf(error: unknown, proxy: NetworkProxy): ProxyError | undefined {
  if (proxy.type !== 'HttpProxy' && proxy.type !== 'Socks5Proxy') return undefined;
  const e = errorParts(error);
  const tunnel = /Proxy response \((\d{3})\) !== 200/.exec(e.message);
  let name: ProxyErrorName | undefined;
  if (tunnel) name = byTunnelStatus(Number(tunnel[1]));
  else if (/Proxy Authentication Required \(407\)/.test(e.message)) {
    name = 'ProxyAuthenticationRequiredError';
  } else if (/^SOCKS5 (connection|authentication) timeout$/.test(e.message)) {
    name = 'ProxyTimeoutError';
  } else if (e.code !== undefined) {
    name =
      byCode[e.code] ?? (e.code.startsWith('UND_ERR_SOCKS5') ? 'UnknownProxyError' : undefined);
  }
  if (name === undefined) return undefined;
  const where = `${proxy.type === 'Socks5Proxy' ? 'SOCKS5' : 'HTTP'} proxy ${proxy.host}:${proxy.port}`;
  return new ProxyError(name, `${where}: ${e.message || name}`, proxy, { cause: error });
}

/**
 * A 407 *response* through an HTTP proxy: undici hands http: requests' 407 back as a normal
 * response (its Http1ProxyWrapper hook sees only legacy handlers), so the pipeline checks the
 * status too. Undefined for anything else.
 */
export function proxyErrorOfStatus(status: number, proxy: NetworkProxy): ProxyError | undefined {
  if (status !== 407 || proxy.type !== 'HttpProxy') return undefined;
  return new ProxyError(
    'ProxyAuthenticationRequiredError',
    `HTTP proxy ${proxy.host}:${proxy.port}: Proxy Authentication Required (407)`,
    proxy,
  );
}

function errorParts(error: unknown): { message: string; code: string | undefined } {
  if (typeof error !== 'object' || error === null)
    return { message: String(error), code: undefined };
  const { message, code, cause } = error as { message?: unknown; code?: unknown; cause?: unknown };
  // Connect failures sometimes arrive wrapped (AggregateError for dual-stack, cause chains).
  const inner = typeof code !== 'string' && cause !== undefined ? errorParts(cause) : undefined;
  return {
    message: typeof message === 'string' ? message : '',
    code: typeof code === 'string' ? code : (inner?.code ?? aggregateCode(error)),
  };
}

function aggregateCode(error: object): string | undefined {
  const errors = (error as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  const first = errors.find((e) => typeof (e as { code?: unknown })?.code === 'string');
  return first ? (first as { code: string }).code : undefined;
}
