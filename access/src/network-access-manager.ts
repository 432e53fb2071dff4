import {
  Emitter,
  InvalidArgumentError,
  NetworkConfiguration,
  type NetworkConfigurationManager,
} from '@netbearer/core';
import type { NetworkAccessibility } from '@netbearer/machines';
import type { Dispatcher } from 'undici';
import { type Authenticator, CredentialCache } from './authenticator.js';
import {
  InvalidRequestError,
  NetworkAccessDisabledError,
  NetworkReplyError,
  OperationCanceledError,
} from './errors.js';
import { HostQueue } from './host-queue.js';
import { type CookieJarLike, type HttpEnvironment, type Route, runHttp } from './http-transfer.js';
import { isLoopback, LinkAddress } from './link-address.js';
import { LinkDispatcher, type TlsOptions } from './link-dispatcher.js';
import { runLocal } from './local-transfer.js';
import { Accessibility } from './network-accessibility.js';
import type { NetworkDiskCache } from './network-disk-cache.js';
import {
  DefaultProxy,
  type NetworkProxy,
  ProxyDispatchers,
  type ProxyFactory,
  resolveProxy,
} from './network-proxy.js';
import { controlOf, NetworkReply, type Operation, type SslError } from './network-reply.js';
import { NetworkRequest, type RedirectPolicy } from './network-request.js';
import type { RequestBody } from './request-body.js';
import { type LeaseHolder, SessionLease } from './session-lease.js';
import { TransferAttempts } from './transfer-attempts.js';

export { isLoopback } from './link-address.js';

export interface NetworkAccessManagerEvents {
  /** A reply finished (after the reply's own `finished`). */
  finished: [reply: NetworkReply];
  networkAccessibleChanged: [accessible: NetworkAccessibility];
  /** The manager's session opened. */
  networkSessionConnected: [];
  /** A reply met certificate problems (also on the reply); ignoreSslErrors() on it goes on. */
  sslErrors: [reply: NetworkReply, errors: SslError[]];
  /**
   * The server wants credentials (401): fill `authenticator.user`/`password` in the listener
   * (synchronously) to try again; leave it empty to get the 401. Credentials are then reused
   * for the realm.
   */
  authenticationRequired: [reply: NetworkReply, authenticator: Authenticator];
  /** The proxy wants credentials (407): fill the authenticator in the listener. */
  proxyAuthenticationRequired: [proxy: NetworkProxy, authenticator: Authenticator];
}

export interface NetworkAccessManagerOptions {
  /**
   * The configuration manager whose sessions requests use. Without one the manager never
   * opens sessions and networkAccessible() is UnknownAccessibility.
   */
  readonly manager?: NetworkConfigurationManager;
  /** The configuration to open sessions on (else the default one, where sessions are required). */
  readonly configuration?: NetworkConfiguration;
  /** Transfers at once per host:port; the rest wait (Qt: 6). */
  readonly connectionsPerHost?: number;
  /** Default NoLessSafeRedirectPolicy (Qt 6). */
  readonly redirectPolicy?: RedirectPolicy;
  /** Milliseconds without any byte moving before TimeoutError; 0 none; default undici's 300 s. */
  readonly transferTimeout?: number;
  /** Allow HTTP/2 over TLS by default (Qt 5: off). */
  readonly http2Allowed?: boolean;
  readonly tls?: TlsOptions;
  readonly cookieJar?: CookieJarLike;
  /** A cache (NetworkDiskCache); none by default, as in Qt. */
  readonly cache?: NetworkDiskCache;
  /**
   * The proxy for every request, or a factory choosing per URL (default DefaultProxy: the
   * environment's HTTP(S)_PROXY / ALL_PROXY, bypassed by NO_PROXY).
   */
  readonly proxy?: NetworkProxy | ProxyFactory;
  /** Milliseconds an idle session is kept open for the next request (default 30 s). */
  readonly sessionIdleGrace?: number;
  /**
   * The application's own undici dispatcher for a URL (undefined: the manager's agents), e.g.
   * to reach a Unix socket or to route a test's host names to a local server.
   */
  readonly dispatcherFor?: (url: URL) => Dispatcher | undefined;
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const standard: Readonly<Record<string, Operation>> = {
  GET: 'GET',
  HEAD: 'HEAD',
  PUT: 'PUT',
  POST: 'POST',
  DELETE: 'DELETE',
};

/**
 * The connection-aware HTTP client (QNetworkAccessManager). Every operation returns a
 * `NetworkReply` at once; the work starts on a later tick. A request that needs the network
 * opens the manager's session first (where there is one to open) and holds it while it runs.
 */
export class NetworkAccessManager extends Emitter<NetworkAccessManagerEvents> {
  readonly #manager: NetworkConfigurationManager | undefined;
  #configuration: NetworkConfiguration | undefined;
  #lease: SessionLease | undefined;
  readonly #retired = new Set<SessionLease>();
  #links: LinkDispatcher;
  readonly #linkOptions: ConstructorParameters<typeof LinkDispatcher>[0];
  readonly #queue: HostQueue;
  readonly #accessibility: Accessibility;
  readonly #replies = new Set<NetworkReply>();
  readonly #idleGrace: number;
  readonly #dispatcherFor: (url: URL) => Dispatcher | undefined;
  #redirectPolicy: RedirectPolicy;
  #transferTimeout: number | undefined;
  #http2Allowed: boolean;
  #cookieJar: CookieJarLike | undefined;
  #cache: NetworkDiskCache | undefined;
  #proxy: NetworkProxy | ProxyFactory;
  #proxies: ProxyDispatchers;
  readonly #proxyOptions: ConstructorParameters<typeof ProxyDispatchers>[0];
  readonly #credentials = new CredentialCache();
  #disposed = false;

  constructor(options: NetworkAccessManagerOptions = {}) {
    super(() => this.#accessibility?.watch(this.listenerCount('networkAccessibleChanged') > 0));
    const connections = options.connectionsPerHost ?? 6;
    if (!Number.isSafeInteger(connections) || connections < 1) {
      throw new InvalidArgumentError('connectionsPerHost takes a whole number ≥ 1.');
    }
    this.#manager = options.manager;
    this.#configuration = options.configuration;
    this.#linkOptions = { connections, tls: options.tls ?? {} };
    this.#links = new LinkDispatcher(this.#linkOptions);
    this.#queue = new HostQueue(connections);
    this.#redirectPolicy = options.redirectPolicy ?? 'NoLessSafeRedirectPolicy';
    this.#transferTimeout = options.transferTimeout;
    this.#http2Allowed = options.http2Allowed ?? false;
    this.#cookieJar = options.cookieJar;
    this.#cache = options.cache;
    this.#proxy = options.proxy ?? DefaultProxy;
    const { ca } = options.tls ?? {};
    this.#proxyOptions = {
      connections,
      ...(ca !== undefined
        ? { connect: { ca: ca as string | Buffer | Array<string | Buffer> } }
        : {}),
    };
    this.#proxies = new ProxyDispatchers(this.#proxyOptions);
    this.#idleGrace = options.sessionIdleGrace ?? 30_000;
    this.#dispatcherFor = options.dispatcherFor ?? (() => undefined);
    this.#accessibility = new Accessibility(
      this.#manager,
      () => this.#configuration,
      (value) => queueMicrotask(() => this.emit('networkAccessibleChanged', value)),
    );
  }

  get(request: NetworkRequest | string | URL): NetworkReply {
    return this.#create(request, 'GET', undefined);
  }
  head(request: NetworkRequest | string | URL): NetworkReply {
    return this.#create(request, 'HEAD', undefined);
  }
  post(request: NetworkRequest | string | URL, body?: RequestBody): NetworkReply {
    return this.#create(request, 'POST', body);
  }
  put(request: NetworkRequest | string | URL, body?: RequestBody): NetworkReply {
    return this.#create(request, 'PUT', body);
  }
  deleteResource(request: NetworkRequest | string | URL): NetworkReply {
    return this.#create(request, 'DELETE', undefined);
  }
  /**
   * Any HTTP verb that is a valid token (RFC 9110 §9.1). Anything else, or CONNECT, fails the
   * reply with InvalidRequestError (ProtocolInvalidOperationError); nothing is sent.
   */
  sendCustomRequest(
    request: NetworkRequest | string | URL,
    verb: string,
    body?: RequestBody,
  ): NetworkReply {
    return this.#create(request, String(verb), body);
  }

  /** The configuration set, else the session's, else the default one (Qt). */
  configuration(): NetworkConfiguration {
    return (
      this.#configuration ??
      this.#lease?.configuration ??
      this.#manager?.defaultConfiguration() ??
      new NetworkConfiguration()
    );
  }

  /**
   * Requests from now on open their session on `configuration`. Requests in flight finish on
   * the session they have, which is closed once they are done.
   */
  setConfiguration(configuration: NetworkConfiguration): void {
    if (!(configuration instanceof NetworkConfiguration)) {
      throw new InvalidArgumentError('setConfiguration takes a NetworkConfiguration.');
    }
    this.#configuration = configuration;
    if (this.#lease && !this.#lease.configuration.equals(configuration)) {
      this.#retire(this.#lease);
      this.#lease = undefined;
    }
    this.#accessibility.reconsider();
  }

  /**
   * What the session really runs over (a service network's active member), else the default
   * configuration.
   */
  activeConfiguration(): NetworkConfiguration {
    const session = this.#lease?.session();
    const manager = this.#manager;
    if (!manager) return new NetworkConfiguration();
    if (session?.isOpen()) {
      const id = session.sessionProperty('ActiveConfiguration');
      if (typeof id === 'string' && id !== '') return manager.configurationFromIdentifier(id);
    }
    return manager.defaultConfiguration();
  }

  networkAccessible(): NetworkAccessibility {
    return this.#accessibility.value();
  }
  /**
   * NotAccessible blocks every request that needs the network (file:, data: and AlwaysCache
   * are still served) until any other value is set. It does not change the network itself.
   */
  setNetworkAccessible(accessible: NetworkAccessibility): void {
    if (!['UnknownAccessibility', 'NotAccessible', 'Accessible'].includes(accessible)) {
      throw new InvalidArgumentError(`Unknown accessibility: ${String(accessible)}`);
    }
    this.#accessibility.set(accessible);
  }

  redirectPolicy(): RedirectPolicy {
    return this.#redirectPolicy;
  }
  setRedirectPolicy(policy: RedirectPolicy): void {
    this.#redirectPolicy = policy;
  }
  transferTimeout(): number | undefined {
    return this.#transferTimeout;
  }
  setTransferTimeout(milliseconds: number): void {
    if (!Number.isSafeInteger(milliseconds) || milliseconds < 0) {
      throw new InvalidArgumentError('transferTimeout takes a whole number ≥ 0.');
    }
    this.#transferTimeout = milliseconds;
  }
  cookieJar(): CookieJarLike | undefined {
    return this.#cookieJar;
  }
  setCookieJar(jar: CookieJarLike | undefined): void {
    this.#cookieJar = jar;
  }

  cache(): NetworkDiskCache | undefined {
    return this.#cache;
  }
  setCache(cache: NetworkDiskCache | undefined): void {
    this.#cache = cache;
  }
  proxy(): NetworkProxy | ProxyFactory {
    return this.#proxy;
  }
  /** One proxy for every request (NoProxy: none; DefaultProxy: the environment's). */
  setProxy(proxy: NetworkProxy): void {
    this.#proxy = proxy;
  }
  /** Chooses the proxies per request: the first usable one is taken. */
  setProxyFactory(factory: ProxyFactory): void {
    this.#proxy = factory;
  }

  /** Transfers running and waiting for an origin (`https://host:port`). */
  queueStats(origin: string): { running: number; waiting: number } {
    return this.#queue.stats(new URL(origin).origin);
  }

  /** Aborts every reply, closes the session and every connection. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const reply of [...this.#replies]) {
      controlOf(reply).fail(new OperationCanceledError('The access manager was disposed.'));
    }
    this.#lease?.dispose();
    for (const lease of this.#retired) lease.dispose();
    this.#retired.clear();
    this.#accessibility.dispose();
    await Promise.all([this.#links.destroy(), this.#proxies.destroy()]);
  }

  #create(input: NetworkRequest | string | URL, verb: string, body: RequestBody | undefined) {
    const request = input instanceof NetworkRequest ? input.clone() : new NetworkRequest(input);
    const reply = new NetworkReply(request, standard[verb] ?? 'CUSTOM', verb);
    reply.on('sslErrors', (errors) => this.emit('sslErrors', reply, errors));
    this.#replies.add(reply);
    queueMicrotask(() => void this.#run(reply, reply.verb(), body));
    return reply;
  }

  async #run(reply: NetworkReply, verb: string, body: RequestBody | undefined): Promise<void> {
    const control = controlOf(reply);
    let holder: (LeaseHolder & { lease: SessionLease }) | undefined;
    const attempts = new TransferAttempts(control);
    try {
      if (this.#disposed) throw new OperationCanceledError('The access manager was disposed.');
      if (control.isFinished()) return;
      const request = reply.request();
      if (!token.test(verb) || verb.toUpperCase() === 'CONNECT') {
        throw new InvalidRequestError(
          'ProtocolInvalidOperationError',
          `Invalid HTTP verb: ${JSON.stringify(verb)}`,
        );
      }
      const url = parseUrl(request.url());
      if (url.protocol === 'file:' || url.protocol === 'data:') {
        await runLocal(url, verb, control);
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new NetworkReplyError(
          'ProtocolUnknownError',
          `Protocol "${url.protocol.slice(0, -1)}" is unknown`,
        );
      }
      const beforeNetwork = async () => {
        if (this.#accessibility.blocks()) throw new NetworkAccessDisabledError();
        const lease = isLoopback(url.hostname) ? undefined : this.#currentLease();
        if (!lease) return;
        const background = request.attribute('BackgroundRequestAttribute') === true;
        holder = {
          lease,
          background,
          fail: (failure) => control.fail(failure),
          move: () => attempts.move(),
        };
        await lease.acquire(holder, () => control.signal);
      };
      await runHttp(
        { request, verb, body, control, attempts },
        this.#environment(reply, beforeNetwork),
      );
    } catch (error) {
      control.fail(asReplyError(error, control.abortReason()));
    } finally {
      if (holder) holder.lease.release(holder);
      control.finish();
      this.#replies.delete(reply);
      // After the reply's own finished (posted when it finished).
      queueMicrotask(() => this.emit('finished', reply));
    }
  }

  #environment(reply: NetworkReply, beforeNetwork: () => Promise<void>): HttpEnvironment {
    const manager = this;
    return {
      // Read at each use: a roam replaces the connections under transfers in flight.
      get links() {
        return manager.#links;
      },
      cache: this.#cache,
      credentials: this.#credentials,
      beforeNetwork,
      authenticate: (authenticator) => this.emit('authenticationRequired', reply, authenticator),
      proxyAuthenticate: (proxy, authenticator) =>
        this.emit('proxyAuthenticationRequired', proxy, authenticator),
      queue: this.#queue,
      redirectPolicy: this.#redirectPolicy,
      transferTimeout: this.#transferTimeout,
      http2Allowed: this.#http2Allowed,
      cookieJar: this.#cookieJar,
      route: (url) => this.#route(url),
    };
  }

  /** The application's dispatcher, else the proxy's (with remembered credentials), else none. */
  #route(url: URL): Route | undefined {
    const own = this.#dispatcherFor(url);
    if (own) return { dispatcher: own };
    const proxy = resolveProxy(this.#proxy, url);
    if (proxy.type === 'NoProxy') return undefined;
    const remembered = this.#credentials.proxy(proxy);
    const withCredentials = remembered
      ? { ...proxy, user: remembered.user, password: remembered.password }
      : proxy;
    const dispatcher = this.#proxies.dispatcherFor(withCredentials);
    return dispatcher ? { dispatcher, proxy: withCredentials } : undefined;
  }

  /** The lease requests go through: on the chosen configuration, else the default where required. */
  #currentLease(): SessionLease | undefined {
    const manager = this.#manager;
    if (!manager) return undefined;
    let configuration = this.#configuration;
    if (!configuration && manager.capabilities().includes('NetworkSessionRequired')) {
      configuration = manager.defaultConfiguration();
    }
    if (!configuration?.isValid()) return undefined;
    if (this.#lease && !this.#lease.configuration.equals(configuration)) {
      this.#retire(this.#lease);
      this.#lease = undefined;
    }
    for (const lease of this.#retired) {
      if (lease.stateName() === 'Idle') this.#retired.delete(lease);
    }
    this.#lease ??= new SessionLease(configuration, {
      idleGrace: this.#idleGrace,
      connected: () => {
        this.#unbind();
        this.emit('networkSessionConnected');
      },
      roamed: (link) => this.#newLink(link),
    });
    return this.#lease;
  }

  /**
   * The session's new link is up: new connections from now on, bound to its address (while
   * the old link's routes may still win, nam.md §4.5); the old ones close once what still runs
   * on them (loopback transfers, which a roam does not move) is done.
   */
  #newLink(link: NetworkConfiguration | undefined): void {
    const name = link?.interfaceName();
    this.#replaceLinks(name ? new LinkAddress(name) : undefined);
  }

  /** A session opened afresh: its connections go where the routes say, unbound. */
  #unbind(): void {
    if (this.#links.link) this.#replaceLinks(undefined);
  }

  #replaceLinks(link: LinkAddress | undefined): void {
    const [links, proxies] = [this.#links, this.#proxies];
    this.#links = new LinkDispatcher({ ...this.#linkOptions, ...(link ? { link } : {}) });
    this.#proxies = new ProxyDispatchers(this.#proxyOptions, link);
    void links.close();
    void proxies.destroy();
  }

  #retire(lease: SessionLease): void {
    this.#retired.add(lease);
    lease.retire();
  }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch (error) {
    throw new InvalidRequestError('ProtocolUnknownError', `Invalid URL: ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
}

function asReplyError(error: unknown, canceled: NetworkReplyError | undefined): NetworkReplyError {
  if (error instanceof NetworkReplyError) return error;
  if (canceled) return canceled;
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkReplyError('UnknownNetworkError', message, { cause: error });
}
