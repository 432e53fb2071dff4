/** D-Bus failures in EngineError terms: what a session can report and an app can act on. */
import { EngineError, type EngineErrorKind } from '@netbearer/core';
import { DBusCallError, localErrors } from './dbus-client.js';

const permissionErrors = new Set([
  'org.freedesktop.NetworkManager.PermissionDenied',
  'org.freedesktop.NetworkManager.Settings.PermissionDenied',
  'org.freedesktop.DBus.Error.AccessDenied',
  'org.freedesktop.DBus.Error.AuthFailed',
  'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired',
]);

const goneErrors = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.NoReply',
  'org.freedesktop.DBus.Error.Disconnected',
  localErrors.closed,
  localErrors.timeout,
]);

/** The EngineError kind for a failed call, `fallback` when it is not about rights or presence. */
export function kindOfCallError(error: unknown, fallback: EngineErrorKind): EngineErrorKind {
  if (!(error instanceof DBusCallError)) return fallback;
  if (permissionErrors.has(error.errorName) || /not authori[sz]ed/i.test(error.message))
    return 'PermissionDenied';
  if (goneErrors.has(error.errorName)) return 'EngineUnavailable';
  return fallback;
}

export function engineErrorFrom(
  error: unknown,
  fallback: EngineErrorKind,
  doing: string,
): EngineError {
  if (error instanceof EngineError) return error;
  const kind = kindOfCallError(error, fallback);
  const detail =
    error instanceof DBusCallError
      ? `${error.text} (${error.errorName})`
      : error instanceof Error
        ? error.message
        : String(error);
  return new EngineError(kind, `${doing}: ${detail}`, { cause: error });
}
