import { InvalidArgumentError } from '@netbearer/core';

/**
 * What to fetch and how (QNetworkRequest): the URL, raw headers, and Qt's request attributes
 * under Qt's names. A request is a value the manager copies when it starts a reply, so
 * changing it afterwards does not touch replies already made.
 */

/** Qt's QNetworkRequest::CacheLoadControl. */
export const cacheLoadControls = [
  'AlwaysNetwork',
  'PreferNetwork',
  'PreferCache',
  'AlwaysCache',
] as const;
export type CacheLoadControl = (typeof cacheLoadControls)[number];

/** Qt's QNetworkRequest::RedirectPolicy. */
export const redirectPolicies = [
  'ManualRedirectPolicy',
  'NoLessSafeRedirectPolicy',
  'SameOriginRedirectPolicy',
  'UserVerifiedRedirectPolicy',
] as const;
export type RedirectPolicy = (typeof redirectPolicies)[number];

/** Qt's QNetworkRequest::Priority: queued requests to one host start highest first. */
export type Priority = 'HighPriority' | 'NormalPriority' | 'LowPriority';

/** Request attributes (QNetworkRequest::Attribute) this manager honours. */
export interface RequestAttributes {
  /** Default PreferNetwork. */
  CacheLoadControlAttribute: CacheLoadControl;
  /** Whether the reply may be stored in the cache (default true). */
  CacheSaveControlAttribute: boolean;
  /** Default: the manager's redirect policy. */
  RedirectPolicyAttribute: RedirectPolicy;
  /** A background request: refused under NoBackgroundTrafficPolicy, opens sessions in the background. */
  BackgroundRequestAttribute: boolean;
  /** May use HTTP/2 over TLS (ALPN). Default: the manager's setting (off, as in Qt 5). */
  Http2AllowedAttribute: boolean;
  /** Send cookies from the jar (default true). */
  CookieLoadControlAttribute: boolean;
  /** Store cookies the response sets (default true). */
  CookieSaveControlAttribute: boolean;
}

export type RequestAttribute = keyof RequestAttributes;

export interface NetworkRequestInit {
  readonly headers?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
  readonly attributes?: Partial<RequestAttributes>;
  readonly priority?: Priority;
  /** Milliseconds without any byte moving before the reply fails with TimeoutError; 0: none. */
  readonly transferTimeout?: number;
  /** How many redirects the policy may follow before TooManyRedirectsError (Qt: 50). */
  readonly maxRedirectsAllowed?: number;
}

export class NetworkRequest {
  #url: string;
  readonly #headers = new Map<string, { name: string; value: string }>();
  readonly #attributes: Partial<RequestAttributes> = {};
  #priority: Priority = 'NormalPriority';
  #transferTimeout: number | undefined;
  #maxRedirects = 50;

  /**
   * Takes the URL as given: a malformed one is reported by the reply (ProtocolUnknownError),
   * not thrown here, so user input never throws.
   */
  constructor(url: string | URL = '', init: NetworkRequestInit = {}) {
    this.#url = String(url);
    const headers = init.headers ?? {};
    const entries = Symbol.iterator in headers ? headers : Object.entries(headers);
    for (const [name, value] of entries as Iterable<readonly [string, string]>) {
      this.setRawHeader(name, value);
    }
    Object.assign(this.#attributes, init.attributes);
    if (init.priority) this.#priority = init.priority;
    if (init.transferTimeout !== undefined) this.setTransferTimeout(init.transferTimeout);
    if (init.maxRedirectsAllowed !== undefined)
      this.setMaxRedirectsAllowed(init.maxRedirectsAllowed);
  }

  url(): string {
    return this.#url;
  }
  setUrl(url: string | URL): void {
    this.#url = String(url);
  }

  /** The header's value, or undefined; names are case-insensitive. */
  rawHeader(name: string): string | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }
  hasRawHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }
  /** Header names as the application spelled them. */
  rawHeaderList(): string[] {
    return [...this.#headers.values()].map((h) => h.name);
  }
  /**
   * Sets (or, with an empty value, removes) a header. Values are checked when the request is
   * sent: a value that cannot go on the wire fails the reply instead of throwing here.
   */
  setRawHeader(name: string, value: string): void {
    const key = String(name).toLowerCase();
    if (value === '') this.#headers.delete(key);
    else this.#headers.set(key, { name: String(name), value: String(value) });
  }

  attribute<K extends RequestAttribute>(key: K): RequestAttributes[K] | undefined;
  attribute<K extends RequestAttribute>(
    key: K,
    defaultValue: RequestAttributes[K],
  ): RequestAttributes[K];
  attribute<K extends RequestAttribute>(
    key: K,
    defaultValue?: RequestAttributes[K],
  ): RequestAttributes[K] | undefined {
    return this.#attributes[key] ?? defaultValue;
  }
  /** Sets an attribute; undefined removes it (back to the default). */
  setAttribute<K extends RequestAttribute>(key: K, value: RequestAttributes[K] | undefined): void {
    if (value === undefined) delete this.#attributes[key];
    else this.#attributes[key] = value;
  }

  priority(): Priority {
    return this.#priority;
  }
  setPriority(priority: Priority): void {
    this.#priority = priority;
  }

  /** Milliseconds without progress before TimeoutError; undefined: the manager's default. */
  transferTimeout(): number | undefined {
    return this.#transferTimeout;
  }
  setTransferTimeout(milliseconds: number): void {
    this.#transferTimeout = wholeMilliseconds('transferTimeout', milliseconds);
  }

  maxRedirectsAllowed(): number {
    return this.#maxRedirects;
  }
  setMaxRedirectsAllowed(count: number): void {
    this.#maxRedirects = wholeMilliseconds('maxRedirectsAllowed', count);
  }

  /** An independent copy. */
  clone(): NetworkRequest {
    const copy = new NetworkRequest(this.#url, {
      headers: [...this.#headers.values()].map((h) => [h.name, h.value] as const),
      attributes: { ...this.#attributes },
      priority: this.#priority,
      maxRedirectsAllowed: this.#maxRedirects,
    });
    if (this.#transferTimeout !== undefined) copy.setTransferTimeout(this.#transferTimeout);
    return copy;
  }
}

function wholeMilliseconds(name: string, value: number): number {
  // A programming error, not user input: say so at once, like core's timeouts.
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} takes a whole number ≥ 0, not ${String(value)}.`);
  }
  return value;
}
