import { describe, expect, it } from 'vitest';
import {
  errorCodeOf,
  isCertificateError,
  networkErrorCodes,
  networkErrorOfCause,
  networkErrorOfStatus,
  networkErrors,
} from './network-error.js';

describe('networkErrorOfStatus (Qt statusCodeFromHttp)', () => {
  it.each([
    [200, 'NoError'],
    [304, 'NoError'],
    [400, 'ProtocolInvalidOperationError'],
    [401, 'AuthenticationRequiredError'],
    [403, 'ContentAccessDenied'],
    [404, 'ContentNotFoundError'],
    [405, 'ContentOperationNotPermittedError'],
    [407, 'ProxyAuthenticationRequiredError'],
    [409, 'ContentConflictError'],
    [410, 'ContentGoneError'],
    [418, 'ProtocolInvalidOperationError'],
    [422, 'UnknownContentError'],
    [500, 'InternalServerError'],
    [501, 'OperationNotImplementedError'],
    [502, 'UnknownServerError'],
    [503, 'ServiceUnavailableError'],
    [599, 'UnknownServerError'],
  ] as const)('%i → %s', (status, error) => {
    expect(networkErrorOfStatus(status)).toBe(error);
  });
});

describe('networkErrorOfCause', () => {
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    ['ECONNREFUSED', 'ConnectionRefusedError'],
    ['UND_ERR_SOCKET', 'RemoteHostClosedError'],
    ['ECONNRESET', 'RemoteHostClosedError'],
    ['ENOTFOUND', 'HostNotFoundError'],
    ['EAI_AGAIN', 'HostNotFoundError'],
    ['UND_ERR_CONNECT_TIMEOUT', 'TimeoutError'],
    ['UND_ERR_HEADERS_TIMEOUT', 'TimeoutError'],
    ['UND_ERR_BODY_TIMEOUT', 'TimeoutError'],
    ['UND_ERR_ABORTED', 'OperationCanceledError'],
    ['CERT_HAS_EXPIRED', 'SslHandshakeFailedError'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'SslHandshakeFailedError'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SslHandshakeFailedError'],
    ['UND_ERR_HEADERS_OVERFLOW', 'ProtocolFailure'],
    ['Z_DATA_ERROR', 'ProtocolFailure'],
    ['SOMETHING_ELSE', 'UnknownNetworkError'],
  ] as const)('%s → %s', (code, error) => {
    expect(networkErrorOfCause(coded(code))).toBe(error);
  });

  it('finds the code on a cause and maps proxy hops', () => {
    const wrapped = new Error('fetch failed', { cause: coded('ECONNREFUSED') });
    expect(errorCodeOf(wrapped)).toBe('ECONNREFUSED');
    expect(networkErrorOfCause(wrapped, true)).toBe('ProxyConnectionRefusedError');
    expect(networkErrorOfCause(coded('ENOTFOUND'), true)).toBe('ProxyNotFoundError');
  });

  it('never throws on odd values', () => {
    for (const odd of [undefined, null, 42, 'text', {}, { code: 7 }, Object.create(null)]) {
      expect(networkErrors).toContain(networkErrorOfCause(odd));
    }
  });

  it('certificate problems are told from handshake failures', () => {
    expect(isCertificateError('CERT_HAS_EXPIRED')).toBe(true);
    expect(isCertificateError('ERR_SSL_WRONG_VERSION_NUMBER')).toBe(false);
  });

  it('every name has Qt’s number', () => {
    expect(Object.keys(networkErrorCodes).sort()).toEqual([...networkErrors].sort());
    expect(networkErrorCodes.ProtocolFailure).toBe(399);
  });
});
