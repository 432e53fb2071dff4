/**
 * Qt's QNetworkReply::NetworkError as a string union of its constant names, and the mapping
 * from HTTP statuses and undici's errors to it (research nam.md §1 and "Error mapping").
 */

export const networkErrors = [
  'NoError',
  'ConnectionRefusedError',
  'RemoteHostClosedError',
  'HostNotFoundError',
  'TimeoutError',
  'OperationCanceledError',
  'SslHandshakeFailedError',
  'TemporaryNetworkFailureError',
  'NetworkSessionFailedError',
  'BackgroundRequestNotAllowedError',
  'TooManyRedirectsError',
  'InsecureRedirectError',
  'UnknownNetworkError',
  'ProxyConnectionRefusedError',
  'ProxyConnectionClosedError',
  'ProxyNotFoundError',
  'ProxyTimeoutError',
  'ProxyAuthenticationRequiredError',
  'UnknownProxyError',
  'ContentAccessDenied',
  'ContentOperationNotPermittedError',
  'ContentNotFoundError',
  'AuthenticationRequiredError',
  'ContentReSendError',
  'ContentConflictError',
  'ContentGoneError',
  'UnknownContentError',
  'ProtocolUnknownError',
  'ProtocolInvalidOperationError',
  'ProtocolFailure',
  'InternalServerError',
  'OperationNotImplementedError',
  'ServiceUnavailableError',
  'UnknownServerError',
] as const;
export type NetworkError = (typeof networkErrors)[number];

/** Qt's numeric values, for logs and interop with code that speaks Qt. */
export const networkErrorCodes: Readonly<Record<NetworkError, number>> = {
  NoError: 0,
  ConnectionRefusedError: 1,
  RemoteHostClosedError: 2,
  HostNotFoundError: 3,
  TimeoutError: 4,
  OperationCanceledError: 5,
  SslHandshakeFailedError: 6,
  TemporaryNetworkFailureError: 7,
  NetworkSessionFailedError: 8,
  BackgroundRequestNotAllowedError: 9,
  TooManyRedirectsError: 10,
  InsecureRedirectError: 11,
  UnknownNetworkError: 99,
  ProxyConnectionRefusedError: 101,
  ProxyConnectionClosedError: 102,
  ProxyNotFoundError: 103,
  ProxyTimeoutError: 104,
  ProxyAuthenticationRequiredError: 105,
  UnknownProxyError: 199,
  ContentAccessDenied: 201,
  ContentOperationNotPermittedError: 202,
  ContentNotFoundError: 203,
  AuthenticationRequiredError: 204,
  ContentReSendError: 205,
  ContentConflictError: 206,
  ContentGoneError: 207,
  UnknownContentError: 299,
  ProtocolUnknownError: 301,
  ProtocolInvalidOperationError: 302,
  ProtocolFailure: 399,
  InternalServerError: 401,
  OperationNotImplementedError: 402,
  ServiceUnavailableError: 403,
  UnknownServerError: 499,
};

/**
 * The error an HTTP status stands for (qhttpthreaddelegate.cpp statusCodeFromHttp), or
 * NoError below 400.
 */
export function networkErrorOfStatus(status: number): NetworkError {
  if (status < 400) return 'NoError';
  switch (status) {
    case 400:
    case 418:
      return 'ProtocolInvalidOperationError';
    case 401:
      return 'AuthenticationRequiredError';
    case 403:
      return 'ContentAccessDenied';
    case 404:
      return 'ContentNotFoundError';
    case 405:
      return 'ContentOperationNotPermittedError';
    case 407:
      return 'ProxyAuthenticationRequiredError';
    case 409:
      return 'ContentConflictError';
    case 410:
      return 'ContentGoneError';
    case 500:
      return 'InternalServerError';
    case 501:
      return 'OperationNotImplementedError';
    case 503:
      return 'ServiceUnavailableError';
  }
  if (status > 500) return 'UnknownServerError';
  if (status < 500) return 'UnknownContentError';
  return 'ProtocolFailure';
}

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

/** Whether an error code is a certificate verification failure (what sslErrors reports). */
export function isCertificateError(code: string): boolean {
  return tlsCodes.has(code) && !code.startsWith('ERR_SSL') && code !== 'EPROTO';
}

/** Walks an error and its causes for the first `code` property (undici wraps some errors). */
export function errorCodeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') return undefined;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The error a transport failure stands for. `viaProxy`: the failing hop may have been the
 * proxy, so connection-level failures become Proxy* errors.
 */
export function networkErrorOfCause(error: unknown, viaProxy = false): NetworkError {
  const code = errorCodeOf(error) ?? '';
  const message = error instanceof Error ? error.message : '';
  if (/Proxy response \(407\)|Proxy Authentication Required/.test(message)) {
    return 'ProxyAuthenticationRequiredError';
  }
  if (tlsCodes.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return 'SslHandshakeFailedError';
  }
  switch (code) {
    case 'ECONNREFUSED':
      return viaProxy ? 'ProxyConnectionRefusedError' : 'ConnectionRefusedError';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return viaProxy ? 'ProxyConnectionClosedError' : 'RemoteHostClosedError';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return viaProxy ? 'ProxyNotFoundError' : 'HostNotFoundError';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return viaProxy ? 'ProxyTimeoutError' : 'TimeoutError';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'TimeoutError';
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return 'OperationCanceledError';
    case 'UND_ERR_PRX_TLS':
      return 'UnknownProxyError';
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_HEADER_OVERFLOW':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
    case 'UND_ERR_INFO':
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'ERR_PADDING_1':
    case 'ERR__ERROR_FORMAT_PADDING_1':
      return 'ProtocolFailure';
  }
  if (error instanceof Error && error.name === 'HTTPParserError') return 'ProtocolFailure';
  if (code.startsWith('HPE_') || code.startsWith('Z_') || code.startsWith('ERR_BROTLI')) {
    return 'ProtocolFailure';
  }
  if (code.startsWith('ERR_HTTP2')) return 'ProtocolFailure';
  return viaProxy && /proxy|socks/i.test(message) ? 'UnknownProxyError' : 'UnknownNetworkError';
}
