import { NetBearerError, type SessionError } from '@netbearer/core';
import type { NetworkError } from './network-error.js';

/**
 * Why a reply failed: `error` is Qt's NetworkError name, `message` what errorString() says,
 * and `cause` the underlying error (undici's, zlib's, the file system's) when there is one.
 */
export class NetworkReplyError extends NetBearerError {
  override name = 'NetworkReplyError';
  constructor(
    readonly error: Exclude<NetworkError, 'NoError'>,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The session the request needed failed to open, or was lost under it. */
export class NetworkSessionFailedError extends NetworkReplyError {
  override name = 'NetworkSessionFailedError';
  constructor(
    message: string,
    /** The session's error, when the session reported one. */
    readonly sessionError?: SessionError,
    options?: ErrorOptions,
  ) {
    super('NetworkSessionFailedError', message, options);
  }
}

/** A background request while the session's policy forbids background traffic. */
export class BackgroundRequestNotAllowedError extends NetworkReplyError {
  override name = 'BackgroundRequestNotAllowedError';
  constructor(message = 'Background request not allowed.') {
    super('BackgroundRequestNotAllowedError', message);
  }
}

/**
 * The link went away under a transfer that cannot be moved safely: a request that is not
 * idempotent (sending it again could do twice what it does), or a download the application
 * already read from whose representation changed.
 */
export class TemporaryNetworkFailureError extends NetworkReplyError {
  override name = 'TemporaryNetworkFailureError';
  constructor(message: string, options?: ErrorOptions) {
    super('TemporaryNetworkFailureError', message, options);
  }
}

/**
 * A download could not be completed on the new link because its representation changed
 * (another ETag, or the server ignored If-Range) after the application had read part of it:
 * the parts are never spliced together.
 */
export class RepresentationChangedError extends TemporaryNetworkFailureError {
  override name = 'RepresentationChangedError';
}

/** The application blocked network access (setNetworkAccessible('NotAccessible')). */
export class NetworkAccessDisabledError extends NetworkReplyError {
  override name = 'NetworkAccessDisabledError';
  constructor() {
    super('UnknownNetworkError', 'Network access is disabled.');
  }
}

/** The request cannot be sent as given: a bad verb, header, URL or body. Nothing was sent. */
export class InvalidRequestError extends NetworkReplyError {
  override name = 'InvalidRequestError';
}

/** abort() was called, or the manager was disposed, before the reply finished. */
export class OperationCanceledError extends NetworkReplyError {
  override name = 'OperationCanceledError';
  constructor(message = 'Operation canceled', options?: ErrorOptions) {
    super('OperationCanceledError', message, options);
  }
}
