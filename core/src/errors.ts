import type { SessionError } from '@netbearer/machines';

/** Base of every error netbearer throws or rejects with. */
export class NetBearerError extends Error {
  override name = 'NetBearerError';
}

/** A caller passed something the API cannot take; nothing was changed. */
export class InvalidArgumentError extends NetBearerError {
  override name = 'InvalidArgumentError';
}

/** A write to a session property that is read-only (ActiveConfiguration, UserChoiceConfiguration). */
export class ReadOnlyPropertyError extends NetBearerError {
  override name = 'ReadOnlyPropertyError';
}

/** The manager was disposed; it no longer talks to its engines. */
export class DisposedError extends NetBearerError {
  override name = 'DisposedError';
}

/** What went wrong inside an engine, in Qt's connectionError terms. */
export type EngineErrorKind =
  | 'ConnectError'
  | 'DisconnectionError'
  | 'InterfaceLookupError'
  | 'OperationNotSupported'
  | 'PermissionDenied'
  /** ConnectInBackground: bringing the link up would have asked the user (e.g. a password). */
  | 'SecretsRequired'
  | 'EngineUnavailable';

const sessionErrorOf: Record<EngineErrorKind, SessionError> = {
  ConnectError: 'UnknownSessionError',
  DisconnectionError: 'UnknownSessionError',
  InterfaceLookupError: 'UnknownSessionError',
  OperationNotSupported: 'OperationNotSupportedError',
  PermissionDenied: 'OperationNotSupportedError',
  SecretsRequired: 'UnknownSessionError',
  EngineUnavailable: 'UnknownSessionError',
};

/**
 * An engine's refusal or failure. `error` is the session error it becomes, so a session that
 * meets it reports the right `error()` and the engine's message as `errorString()`.
 */
export class EngineError extends NetBearerError {
  override name = 'EngineError';
  readonly error: SessionError;

  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.error = sessionErrorOf[kind];
  }
}
