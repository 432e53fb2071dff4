import type { Dispatcher } from 'undici';
import type { Authenticator, CredentialCache } from './authenticator.js';
import type { HostQueue } from './host-queue.js';
import type { LinkDispatcher } from './link-dispatcher.js';
import type { NetworkDiskCache } from './network-disk-cache.js';
import type { NetworkProxy } from './network-proxy.js';
import type { ReplyControl } from './network-reply.js';
import type { NetworkRequest, RedirectPolicy } from './network-request.js';
import type { RequestBody } from './request-body.js';
import type { Attempt, TransferAttempts } from './transfer-attempts.js';

/** The shapes an HTTP transfer works with, shared by its steps. */

/** The cookie jar as the pipeline uses it (NetworkCookieJar or any object like it). */
export interface CookieJarLike {
  cookiesForUrl(url: string): ReadonlyArray<{ name: string; value: string }>;
  setCookiesFromUrl(cookies: string[], url: string): boolean;
}

/** What a transfer needs from its manager. */
export interface HttpEnvironment {
  readonly links: LinkDispatcher;
  readonly queue: HostQueue;
  readonly redirectPolicy: RedirectPolicy;
  readonly transferTimeout: number | undefined;
  readonly http2Allowed: boolean;
  readonly cookieJar: CookieJarLike | undefined;
  readonly cache: NetworkDiskCache | undefined;
  readonly credentials: CredentialCache;
  /**
   * Where this URL goes other than the manager's own agents: through a proxy (failures before
   * the response are then the proxy's), or the application's own dispatcher. Undefined: direct.
   */
  route(url: URL): Route | undefined;
  /** authenticationRequired(reply, authenticator): the listeners fill it in before this returns. */
  authenticate(authenticator: Authenticator): void;
  proxyAuthenticate(proxy: NetworkProxy, authenticator: Authenticator): void;
  /** Runs once, before the first byte goes to the network: the session, the application's block. */
  beforeNetwork(): Promise<void>;
}

export interface Route {
  readonly dispatcher: Dispatcher;
  readonly proxy?: NetworkProxy;
}

export interface HttpJob {
  readonly request: NetworkRequest;
  readonly verb: string;
  readonly body: RequestBody | undefined;
  readonly control: ReplyControl;
  readonly attempts: TransferAttempts;
}

export interface Hop {
  url: URL;
  verb: string;
  body: RequestBody | undefined;
  headers: Map<string, [string, string]>;
  /** Headers for this hop only (validators, Authorization): dropped when following a redirect. */
  extra: Map<string, [string, string]>;
}

export interface HopResponse {
  readonly statusCode: number;
  readonly statusText: string;
  readonly headers: Array<[string, string]>;
  readonly body: AsyncIterable<Buffer> & { destroy(error?: Error): void };
  readonly sentAt: number;
  readonly receivedAt: number;
  /** The attempt: cut when the reply is aborted, or when the link moves. */
  readonly attempt: Attempt;
  release(): Promise<void>;
  readonly done: () => void;
}
