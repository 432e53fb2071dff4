/**
 * Inputs of the access manager's error table: for each NetworkError a request can meet on the
 * wire, a real cause on the rig's servers. rig.test.ts checks what undici alone sees for each
 * (`undici`); mapping that to the NetworkError is the manager's job, checked by its own table.
 * Not here, because no server causes them: NetworkSessionFailedError,
 * BackgroundRequestNotAllowedError, TemporaryNetworkFailureError (session events) and
 * UnknownNetworkError (setNetworkAccessible('NotAccessible')).
 */
import { type FaultServer, startFaultServer } from './fault-server.js';
import { freePort } from './free-port.js';
import { type Httpbin, startHttpbin } from './httpbin.js';
import { type Microsocks, startMicrosocks } from './microsocks.js';
import { type Nginx, startNginx } from './nginx.js';
import { startTinyproxy, type Tinyproxy } from './tinyproxy.js';

/** Qt's QNetworkReply::NetworkError names the servers can cause. */
export type ServerCausedError =
  | 'ConnectionRefusedError'
  | 'RemoteHostClosedError'
  | 'HostNotFoundError'
  | 'TimeoutError'
  | 'OperationCanceledError'
  | 'SslHandshakeFailedError'
  | 'TooManyRedirectsError'
  | 'InsecureRedirectError'
  | 'ProxyConnectionRefusedError'
  | 'ProxyConnectionClosedError'
  | 'ProxyNotFoundError'
  | 'ProxyTimeoutError'
  | 'ProxyAuthenticationRequiredError'
  | 'UnknownProxyError'
  | 'ContentAccessDeniedError'
  | 'ContentOperationNotPermittedError'
  | 'ContentNotFoundError'
  | 'AuthenticationRequiredError'
  | 'ContentReSendError'
  | 'ContentConflictError'
  | 'ContentGoneError'
  | 'UnknownContentError'
  | 'ProtocolUnknownError'
  | 'ProtocolInvalidOperationError'
  | 'ProtocolFailureError'
  | 'InternalServerError'
  | 'OperationNotImplementedError'
  | 'ServiceUnavailableError'
  | 'UnknownServerError';

export interface ErrorCause {
  error: ServerCausedError;
  /** What really goes wrong, for the test's name. */
  cause: string;
  url: string;
  /** Default GET. */
  method?: string;
  /** A body; not replayable = a one-shot stream the manager cannot send a second time. */
  body?: { text: string; replayable: boolean };
  /** Send through this proxy (http:// or socks5://, credentials in the URL if any). */
  proxy?: string;
  /** Trust the rig's test CA for https (default true). */
  trustTestCa?: boolean;
  /** Manager settings or actions the cause needs. */
  setting?: {
    transferTimeoutMs?: number;
    /** Call reply.abort() this long after the request was made. */
    abortAfterMs?: number;
    maxRedirects?: number;
    redirectPolicy?: 'SameOriginRedirectPolicy';
  };
  /**
   * What undici 7's `request` reports on its own (default Agent trusting the test CA, or
   * ProxyAgent/Socks5ProxyAgent with default options): a status, an error (by `code`, else by
   * `name`), or nothing within a second (`hangs`).
   */
  undici: { status: number } | { code: string } | { name: string } | { hangs: true };
}

export interface ErrorRigServers {
  nginx: Nginx;
  httpbin: Httpbin;
  faults: FaultServer;
  /** tinyproxy with Basic auth (user `pat`, password `secret`). */
  guardedProxy: Tinyproxy;
  /** microsocks with username/password (user `sam`, password `hush`). */
  guardedSocks: Microsocks;
  /** A loopback port nobody listens on. */
  closedPort: number;
}

let unique = 0;

export function errorCauses(servers: ErrorRigServers): ErrorCause[] {
  const { nginx, httpbin, faults, guardedProxy, guardedSocks, closedPort } = servers;
  const closed = `http://127.0.0.1:${closedPort}`;
  const fresh = () => `cause-${process.pid}-${++unique}`;
  const status = (
    error: ServerCausedError,
    code: number,
    origin = httpbin.origin,
    path = `/status/${code}`,
  ): ErrorCause => ({
    error,
    cause: `the server answers ${code}`,
    url: `${origin}${path}`,
    undici: { status: code },
  });
  return [
    {
      error: 'ConnectionRefusedError',
      cause: 'nobody listens on the port',
      url: `${closed}/`,
      undici: { code: 'ECONNREFUSED' },
    },
    {
      error: 'RemoteHostClosedError',
      cause: 'the server closes the connection before answering',
      url: `${faults.closingOrigin}/`,
      undici: { code: 'UND_ERR_SOCKET' },
    },
    {
      error: 'RemoteHostClosedError',
      cause: 'the server closes the connection mid-body (no validator, so no resume)',
      url: `${faults.origin}/resource/${fresh()}?size=100000&cutAfter=1000&validator=none`,
      undici: { status: 200 },
    },
    {
      error: 'HostNotFoundError',
      cause: 'the name does not resolve (.invalid, RFC 6761)',
      url: 'http://netbearer-test.invalid/',
      undici: { code: 'ENOTFOUND' },
    },
    {
      error: 'TimeoutError',
      cause: 'the server reads the request and never answers',
      url: `${faults.origin}/never-answers`,
      setting: { transferTimeoutMs: 300 },
      undici: { hangs: true },
    },
    {
      error: 'OperationCanceledError',
      cause: 'the application aborts a trickling download',
      url: `${faults.origin}/trickle?size=100&intervalMs=100`,
      setting: { abortAfterMs: 250 },
      undici: { status: 200 },
    },
    {
      error: 'SslHandshakeFailedError',
      cause: 'the certificate has expired',
      url: `${nginx.badTlsOrigins!.expired}/hello.txt`,
      undici: { code: 'CERT_HAS_EXPIRED' },
    },
    {
      error: 'SslHandshakeFailedError',
      cause: 'the certificate is self-signed',
      url: `${nginx.badTlsOrigins!.selfSigned}/hello.txt`,
      undici: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    },
    {
      error: 'SslHandshakeFailedError',
      cause: 'the certificate names another host',
      url: `${nginx.badTlsOrigins!.wrongHost}/hello.txt`,
      undici: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    },
    {
      error: 'SslHandshakeFailedError',
      cause: 'the issuing CA is not trusted',
      url: `${nginx.httpsOrigin}/hello.txt`,
      trustTestCa: false,
      undici: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    },
    {
      error: 'TooManyRedirectsError',
      cause: 'five redirects where three are allowed',
      url: `${httpbin.origin}/redirect/5`,
      setting: { maxRedirects: 3 },
      undici: { status: 302 },
    },
    {
      error: 'InsecureRedirectError',
      cause: 'https redirects to http (NoLessSafeRedirectPolicy, the default)',
      url: `${nginx.httpsOrigin}/to-http`,
      undici: { status: 302 },
    },
    {
      error: 'InsecureRedirectError',
      cause: 'a redirect to another origin under SameOriginRedirectPolicy',
      url: `${httpbin.origin}/redirect-to?url=${encodeURIComponent(`${nginx.httpOrigin}/hello.txt`)}`,
      setting: { redirectPolicy: 'SameOriginRedirectPolicy' },
      undici: { status: 302 },
    },
    {
      error: 'ProxyConnectionRefusedError',
      cause: 'nobody listens on the proxy port',
      url: `${nginx.httpOrigin}/hello.txt`,
      proxy: closed,
      undici: { code: 'ECONNREFUSED' },
    },
    {
      error: 'ProxyConnectionClosedError',
      cause: 'the proxy closes the connection at once',
      url: `${nginx.httpOrigin}/hello.txt`,
      proxy: faults.closingOrigin,
      undici: { code: 'ECONNRESET' },
    },
    {
      error: 'ProxyNotFoundError',
      cause: 'the proxy name does not resolve',
      url: `${nginx.httpOrigin}/hello.txt`,
      proxy: 'http://netbearer-proxy.invalid:3128',
      undici: { code: 'ENOTFOUND' },
    },
    {
      error: 'ProxyTimeoutError',
      cause: 'the proxy accepts the connection and never answers',
      url: `${nginx.httpOrigin}/hello.txt`,
      proxy: faults.silentOrigin,
      setting: { transferTimeoutMs: 300 },
      undici: { hangs: true },
    },
    {
      error: 'ProxyAuthenticationRequiredError',
      cause: 'tinyproxy wants Basic credentials (407)',
      url: `${nginx.httpsOrigin}/hello.txt`,
      proxy: guardedProxy.url,
      undici: { code: 'UND_ERR_ABORTED' },
    },
    {
      error: 'UnknownProxyError',
      cause: 'the SOCKS5 proxy rejects the client without credentials',
      url: `${nginx.httpOrigin}/hello.txt`,
      proxy: `socks5://127.0.0.1:${guardedSocks.port}`,
      undici: { code: 'UND_ERR_SOCKS5_AUTH_REJECTED' },
    },
    status('ContentAccessDeniedError', 403),
    {
      error: 'ContentOperationNotPermittedError',
      cause: 'nginx refuses POST to a static file (405)',
      url: `${nginx.httpOrigin}/hello.txt`,
      method: 'POST',
      body: { text: 'x', replayable: true },
      undici: { status: 405 },
    },
    {
      ...status('ContentNotFoundError', 404, nginx.httpOrigin, '/missing.txt'),
      cause: 'nginx has no such file',
    },
    {
      error: 'AuthenticationRequiredError',
      cause: 'httpbin wants Basic credentials and the application gives none',
      url: `${httpbin.origin}/basic-auth/ann/pw`,
      undici: { status: 401 },
    },
    {
      error: 'ContentReSendError',
      cause: 'a 307 asks to send a one-shot stream body again',
      url: `${httpbin.origin}/redirect-to?url=%2Fanything&status_code=307`,
      method: 'POST',
      body: { text: 'once only', replayable: false },
      undici: { status: 307 },
    },
    status('ContentConflictError', 409),
    status('ContentGoneError', 410),
    status('UnknownContentError', 422),
    {
      error: 'ProtocolUnknownError',
      cause: 'a scheme no one speaks',
      url: 'gopher://127.0.0.1/x',
      undici: { code: 'UND_ERR_INVALID_ARG' },
    },
    status('ProtocolInvalidOperationError', 400),
    status('ProtocolInvalidOperationError', 418),
    {
      error: 'ProtocolFailureError',
      cause: 'a status line that is not HTTP',
      url: `${faults.origin}/bad-status-line`,
      undici: { name: 'HTTPParserError' },
    },
    {
      error: 'ProtocolFailureError',
      cause: 'a chunk size that is not hexadecimal',
      url: `${faults.origin}/bad-chunking`,
      undici: { status: 200 },
    },
    {
      error: 'ProtocolFailureError',
      cause: 'a 64 KiB response header',
      url: `${faults.origin}/huge-headers`,
      undici: { code: 'UND_ERR_HEADERS_OVERFLOW' },
    },
    {
      error: 'ProtocolFailureError',
      cause: 'Content-Encoding gzip on bytes that are not gzip',
      url: `${faults.origin}/bad-gzip`,
      undici: { status: 200 },
    },
    status('InternalServerError', 500),
    status('OperationNotImplementedError', 501),
    status('ServiceUnavailableError', 503),
    status('UnknownServerError', 502),
  ];
}

export interface ErrorRig {
  servers: ErrorRigServers;
  /** Fresh causes (new resource names each call). */
  causes(): ErrorCause[];
  stop(): Promise<void>;
}

/** Starts every server the error table needs, in parallel (about a second). */
export async function startErrorRig(): Promise<ErrorRig> {
  const started = await Promise.allSettled([
    startNginx({ badCertificates: true }),
    startHttpbin(),
    startFaultServer(),
    startTinyproxy({ basicAuth: { user: 'pat', password: 'secret' } }),
    startMicrosocks({ user: 'sam', password: 'hush' }),
  ] as const);
  const stopAll = () =>
    Promise.all(
      started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)),
    );
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [nginx, httpbin, faults, guardedProxy, guardedSocks] = started.map(
    (result) => (result as PromiseFulfilledResult<unknown>).value,
  ) as [Nginx, Httpbin, FaultServer, Tinyproxy, Microsocks];
  const servers = {
    nginx,
    httpbin,
    faults,
    guardedProxy,
    guardedSocks,
    closedPort: await freePort(),
  };
  return {
    servers,
    causes: () => errorCauses(servers),
    stop: async () => {
      await stopAll();
    },
  };
}
