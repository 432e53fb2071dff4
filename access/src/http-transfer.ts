import type { Client, Dispatcher } from 'undici';
import { newProxyAuthenticator, type RequestAuthentication } from './authenticator.js';
import { type CacheBodyWriter, cacheWriter, consultCache, revalidated } from './cache-step.js';
import { decoded, decodersFor } from './content-decoding.js';
import { InvalidRequestError, NetworkReplyError } from './errors.js';
import { contentLength, header, headerValues } from './header-list.js';
import {
  errorCodeOf,
  isCertificateError,
  networkErrorOfCause,
  networkErrorOfStatus,
} from './network-error.js';
import { type NetworkProxy, proxyErrorOf } from './network-proxy.js';
import type { ReplyControl, SslError } from './network-reply.js';
import type { NetworkRequest } from './network-request.js';
import { checkRedirect, follow, redirectTarget } from './redirects.js';
import { isReplayable, prepareBody } from './request-body.js';
import { type DispatchedResponse, dispatchRequest } from './response-body.js';
import {
  canResend,
  isSafeMethod,
  notSentTwice,
  Restart,
  resumed,
  resumeValidator,
} from './resume.js';
import { LinkMovedError } from './transfer-attempts.js';
import type {
  CookieJarLike,
  Hop,
  HopResponse,
  HttpEnvironment,
  HttpJob,
} from './transfer-types.js';

export type { CookieJarLike, HttpEnvironment, HttpJob, Route } from './transfer-types.js';

/** Runs one HTTP(S) request to its end: cache, redirects, authentication, decoding, errors. */
export async function runHttp(job: HttpJob, env: HttpEnvironment): Promise<void> {
  const { request, control } = job;
  const policy = request.attribute('RedirectPolicyAttribute') ?? env.redirectPolicy;
  const hop: Hop = {
    url: new URL(request.url()),
    verb: job.verb,
    body: job.body,
    headers: initialHeaders(request),
    extra: new Map(),
  };
  const cached = await consultCache(hop, job, env);
  if (cached === 'served') return;
  await env.beforeNetwork();
  for (let redirects = 0; ; redirects++) {
    let response = await sendAuthenticated(hop, job, env);
    if (response.statusCode === 304 && cached?.kind === 'stale' && redirects === 0) {
      const served = await revalidated(response, cached.entry, job, env);
      if (served) return;
      // The entry vanished meanwhile: ask again, unconditionally.
      hop.extra.clear();
      response = await sendAuthenticated(hop, job, env);
    }
    const location = redirectTarget(response, hop.url);
    if (!location || policy === 'ManualRedirectPolicy') {
      if (location) control.setAttribute('RedirectionTargetAttribute', location.href);
      const writer = redirects === 0 ? cacheWriter(response, hop, job, env) : undefined;
      await receive(response, hop, job, env, writer);
      if (env.cache && !isSafeMethod(hop.verb) && response.statusCode < 400) {
        await env.cache.invalidate(hop.url);
      }
      return;
    }
    await response.release();
    if (redirects + 1 > request.maxRedirectsAllowed()) {
      throw new NetworkReplyError('TooManyRedirectsError', 'Too many redirects');
    }
    checkRedirect(hop.url, location, policy);
    if (policy === 'UserVerifiedRedirectPolicy') {
      if (!(await control.redirected(location.href))) {
        throw new NetworkReplyError('InsecureRedirectError', 'Redirect was not allowed');
      }
    } else {
      await control.redirected(location.href);
    }
    follow(hop, response.statusCode, location);
    control.setUrl(location.href);
  }
}

/** Sends a hop, answering 401 challenges with the authenticator the application fills in. */
async function sendAuthenticated(
  hop: Hop,
  job: HttpJob,
  env: HttpEnvironment,
): Promise<HopResponse> {
  const auth: RequestAuthentication = env.credentials.begin({ method: hop.verb, url: hop.url });
  const preemptive = auth.authorization();
  if (preemptive && !hop.headers.has('authorization')) {
    hop.extra.set('authorization', ['Authorization', preemptive]);
  }
  for (;;) {
    const response = await sendHop(hop, job, env);
    const sentAuthorization = hop.extra.has('authorization');
    if (response.statusCode !== 401 || hop.headers.has('authorization')) {
      if (sentAuthorization && response.statusCode !== 401) auth.succeeded();
      return response;
    }
    const step = auth.challenged(headerValues(response.headers, 'www-authenticate'));
    let outcome = step;
    if (step.kind === 'ask') {
      env.authenticate(step.authenticator);
      outcome = step.answer();
    }
    // Without credentials, or with a body that cannot be sent again, the 401 is the answer.
    if (outcome.kind !== 'retry' || !isReplayable(hop.body)) return response;
    await response.release();
    hop.extra.set('authorization', ['Authorization', outcome.authorization]);
  }
}

/** Sends one hop and waits for its status line and headers. */
async function sendHop(hop: Hop, job: HttpJob, env: HttpEnvironment): Promise<HopResponse> {
  const { control, request } = job;
  const origin = hop.url.origin;
  const canceled = control.abortReason();
  if (canceled) throw canceled;
  const release = await env.queue.acquire(origin, request.priority(), () => control.signal);
  let tolerant: Client | undefined;
  const done = () => {
    release();
    if (tolerant) env.links.release(tolerant);
    tolerant = undefined;
  };
  try {
    for (let attempt = 0; ; attempt++) {
      const allowH2 = request.attribute('Http2AllowedAttribute') ?? env.http2Allowed;
      const ignored = control.ignoredSslErrors();
      const route = env.route(hop.url);
      if (!route && ignored && hop.url.protocol === 'https:' && !tolerant) {
        tolerant = env.links.tolerant(origin, allowH2, ignored);
      }
      const dispatcher: Dispatcher = route?.dispatcher ?? tolerant ?? env.links.agent(allowH2);
      try {
        return await dispatch(dispatcher, hop, job, env, done, route?.proxy);
      } catch (error) {
        if (error instanceof LinkMovedError) {
          if (canResend(hop)) continue;
          throw notSentTwice(hop);
        }
        if (route?.proxy && (await proxyAuthenticated(error, route.proxy, hop, env, attempt))) {
          continue;
        }
        const code = errorCodeOf(error) ?? '';
        if (!isCertificateError(code) || control.abortReason() || ignored === 'all') throw error;
        const message = error instanceof Error ? error.message : code;
        const errors: SslError[] = [{ code, message }];
        if (!(await control.sslErrors(errors))) throw error;
        // The application ignores these: one more try on a connection of its own.
        if (tolerant) env.links.release(tolerant);
        tolerant = undefined;
      }
    }
  } catch (error) {
    done();
    throw error;
  }
}

async function dispatch(
  dispatcher: Dispatcher,
  hop: Hop,
  job: HttpJob,
  env: HttpEnvironment,
  done: () => void,
  proxy: NetworkProxy | undefined,
): Promise<HopResponse> {
  const { control, request } = job;
  const jar = request.attribute('CookieLoadControlAttribute') === false ? undefined : env.cookieJar;
  const prepared = prepareBody(hop.body, (sent, total) => control.uploadProgress(sent, total));
  const sized = prepared.length >= 0 && hop.verb !== 'GET' && !hop.headers.has('content-length');
  // The request's own headers as they are in the common case; a copy when this hop adds some.
  let headers = hop.headers;
  if (hop.extra.size > 0 || jar || sized) {
    headers = new Map([...hop.headers, ...hop.extra]);
    if (jar) addCookies(headers, jar, hop.url);
    if (sized && !headers.has('content-length')) {
      headers.set('content-length', ['Content-Length', String(prepared.length)]);
    }
  }
  const timeout = request.transferTimeout() ?? env.transferTimeout;
  let response: DispatchedResponse;
  const sentAt = Date.now();
  const attempt = job.attempts.begin();
  try {
    response = await dispatchRequest(
      dispatcher,
      {
        origin: hop.url.origin,
        path: hop.url.pathname + hop.url.search,
        method: hop.verb as Dispatcher.HttpMethod,
        headers: flatHeaders(headers),
        body: (prepared.body ?? null) as string | Uint8Array | null,
        ...(timeout !== undefined ? { headersTimeout: timeout, bodyTimeout: timeout } : {}),
      },
      attempt,
    );
  } catch (error) {
    if (job.attempts.movedBy(attempt)) throw new LinkMovedError();
    throw transportFailure(error, hop.url, control, proxy);
  }
  if (prepared.length > 0) control.uploadProgress(prepared.length, prepared.length);
  const pairs = response.headers;
  const saves = request.attribute('CookieSaveControlAttribute') !== false;
  if (env.cookieJar && saves) {
    const cookies = pairs.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
    if (cookies.length > 0) env.cookieJar.setCookiesFromUrl(cookies, hop.url.href);
  }
  if (hop.url.protocol === 'https:') {
    control.setAttribute('ConnectionEncryptedAttribute', true);
    control.setAttribute('Http2WasUsedAttribute', !proxy && env.links.usedHttp2(hop.url));
  }
  const body = response.body;
  return {
    statusCode: response.statusCode,
    statusText: response.statusText ?? '',
    headers: pairs,
    body,
    done,
    sentAt,
    receivedAt: Date.now(),
    attempt,
    release: async () => {
      try {
        await body.dump({ limit: 64 * 1024 });
      } catch {
        // A redirect's body is of no interest; a failure to drain it costs the connection only.
      } finally {
        done();
      }
    },
  };
}

/**
 * Reads the final response into the reply: meta data, decoded body, progress, status error.
 * When the link moves mid-body, the raw bytes continue from a resumed request (Range +
 * If-Range on a strong validator) into the same decoders, so the body is spliced exactly; a
 * changed representation is never spliced (restart while the application has read nothing,
 * else RepresentationChangedError).
 */
async function receive(
  response: HopResponse,
  hop: Hop,
  job: HttpJob,
  env: HttpEnvironment,
  writer: CacheBodyWriter | undefined,
): Promise<void> {
  const { control, attempts } = job;
  let current = response;
  try {
    control.setMetaData(response.statusCode, response.statusText, response.headers, {
      SourceIsFromCacheAttribute: false,
    });
    const total = contentLength(response.headers);
    const validator = resumeValidator(response, hop, job);
    const decoding = job.request.hasRawHeader('accept-encoding')
      ? []
      : decodersFor(header(response.headers, 'content-encoding'));
    let received = 0;
    async function* raw() {
      for (;;) {
        try {
          for await (const chunk of current.body) {
            received += chunk.byteLength;
            control.downloadProgress(received, total);
            yield chunk;
          }
          return;
        } catch (error) {
          if (!attempts.movedBy(current.attempt)) throw error;
          current.done();
          current = await resumed(hop, job, (next) => sendHop(next, job, env), received, validator);
        }
      }
    }
    const source = decoding.length > 0 ? decoded(raw(), decoding) : raw();
    for await (const chunk of source) {
      writer?.write(chunk);
      // A full read buffer stops the pulling, so undici pauses the socket: memory stays bounded.
      if (!control.deliver(chunk)) await control.drained();
    }
    if (received === 0) control.downloadProgress(0, Math.max(total, 0));
    await writer?.end();
  } catch (error) {
    writer?.abort();
    current.body.destroy();
    current.done();
    if (error instanceof Restart) {
      control.restart();
      return receive(error.response, hop, job, env, undefined);
    }
    throw transportFailure(error, hop.url, control, undefined);
  }
  current.done();
  const status = networkErrorOfStatus(response.statusCode);
  if (status === 'NoError') return;
  const reason = response.statusText || String(response.statusCode);
  control.finish(
    new NetworkReplyError(status, `Error transferring ${hop.url.href} - server replied: ${reason}`),
  );
}

function transportFailure(
  error: unknown,
  url: URL,
  control: ReplyControl,
  proxy: NetworkProxy | undefined,
): NetworkReplyError {
  if (error instanceof NetworkReplyError) return error;
  const canceled = control.abortReason();
  if (canceled) return canceled;
  const code = errorCodeOf(error);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE') {
    const message = error instanceof Error ? error.message : String(error);
    return new InvalidRequestError('ProtocolInvalidOperationError', message, { cause: error });
  }
  const atProxy = proxy ? proxyErrorOf(error, proxy) : undefined;
  if (atProxy) return new NetworkReplyError(atProxy.error, atProxy.message, { cause: error });
  let kind = networkErrorOfCause(error);
  // No answer through the proxy in time: from here the proxy is the one not answering.
  if (proxy && kind === 'TimeoutError') kind = 'ProxyTimeoutError';
  const detail = error instanceof Error ? error.message : String(error);
  return new NetworkReplyError(
    kind === 'NoError' ? 'UnknownNetworkError' : kind,
    `Error transferring ${url.href}: ${detail}`,
    { cause: error },
  );
}

const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers undici manages itself or refuses outright; checked here so none can wedge a request. */
const managed: Record<string, (value: string) => boolean> = {
  'content-length': (value) => /^\d{1,15}$/.test(value.trim()),
  expect: () => false,
};

function initialHeaders(request: NetworkRequest): Map<string, [string, string]> {
  const headers = new Map<string, [string, string]>();
  for (const name of request.rawHeaderList()) {
    const value = request.rawHeader(name) ?? '';
    const key = name.toLowerCase();
    if (!headerName.test(name) || !headerValue.test(value) || managed[key]?.(value) === false) {
      throw new InvalidRequestError(
        'ProtocolInvalidOperationError',
        `Invalid request header ${JSON.stringify(name)}: ${JSON.stringify(value)}`,
      );
    }
    headers.set(key, [name, value]);
  }
  // Qt asks for compressed bodies and decodes them, unless the application chose encodings.
  if (!headers.has('accept-encoding')) {
    headers.set('accept-encoding', ['Accept-Encoding', 'gzip, deflate, br']);
  }
  const control = request.attribute('CacheLoadControlAttribute');
  if (control === 'AlwaysNetwork' && !headers.has('cache-control')) {
    headers.set('cache-control', ['Cache-Control', 'no-cache']);
    headers.set('pragma', ['Pragma', 'no-cache']);
  }
  return headers;
}

function flatHeaders(headers: Map<string, [string, string]>): string[] {
  const flat: string[] = [];
  for (const [name, value] of headers.values()) flat.push(name, value);
  return flat;
}

function addCookies(headers: Map<string, [string, string]>, jar: CookieJarLike, url: URL): void {
  const cookies = jar.cookiesForUrl(url.href);
  if (cookies.length === 0) return;
  const value = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const own = headers.get('cookie');
  headers.set('cookie', ['Cookie', own ? `${own[1]}; ${value}` : value]);
}

/**
 * A proxy asked for credentials: ask the application (proxyAuthenticationRequired) once per
 * hop, remember what it gave, and say whether to try again. Nothing of the request reached the
 * origin, but a streamed body may have been read: only replayable bodies go again.
 */
async function proxyAuthenticated(
  error: unknown,
  proxy: NetworkProxy,
  hop: Hop,
  env: HttpEnvironment,
  attempt: number,
): Promise<boolean> {
  if (attempt > 0 || !isReplayable(hop.body)) return false;
  if (proxyErrorOf(error, proxy)?.error !== 'ProxyAuthenticationRequiredError') return false;
  const authenticator = newProxyAuthenticator(proxy);
  env.proxyAuthenticate(proxy, authenticator);
  if (authenticator.isNull()) return false;
  env.credentials.rememberProxy(proxy, authenticator);
  return true;
}
