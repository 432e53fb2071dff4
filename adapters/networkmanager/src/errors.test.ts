import { EngineError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { DBusCallError, localErrors } from './dbus-client.js';
import { engineErrorFrom, kindOfCallError } from './errors.js';

const call = (name: string, text = 'text') =>
  new DBusCallError(name, text, 'org.freedesktop.NetworkManager.ActivateConnection');

describe('D-Bus failures as EngineError kinds', () => {
  it('recognises permission refusals by name or by polkit text', () => {
    expect(
      kindOfCallError(call('org.freedesktop.NetworkManager.PermissionDenied'), 'ConnectError'),
    ).toBe('PermissionDenied');
    expect(kindOfCallError(call('org.freedesktop.DBus.Error.AccessDenied'), 'ConnectError')).toBe(
      'PermissionDenied',
    );
    expect(
      kindOfCallError(
        call('org.example.Odd', 'Not authorized to control networking.'),
        'ConnectError',
      ),
    ).toBe('PermissionDenied');
  });

  it('says EngineUnavailable when NetworkManager or the bus is gone', () => {
    for (const name of [
      'org.freedesktop.DBus.Error.ServiceUnknown',
      localErrors.closed,
      localErrors.timeout,
    ]) {
      expect(kindOfCallError(call(name), 'DisconnectionError')).toBe('EngineUnavailable');
    }
  });

  it('keeps the fallback for everything else, and for non-D-Bus errors', () => {
    expect(
      kindOfCallError(call('org.freedesktop.NetworkManager.UnknownConnection'), 'ConnectError'),
    ).toBe('ConnectError');
    expect(kindOfCallError(new Error('x'), 'DisconnectionError')).toBe('DisconnectionError');
  });

  it('builds a message with the peer text and the D-Bus name, keeping the cause', () => {
    const cause = call(
      'org.freedesktop.NetworkManager.PermissionDenied',
      'Not authorized to control networking.',
    );
    const error = engineErrorFrom(cause, 'ConnectError', 'NetworkManager did not activate "x"');
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      kind: 'PermissionDenied',
      error: 'OperationNotSupportedError',
      cause,
    });
    expect(error.message).toBe(
      'NetworkManager did not activate "x": Not authorized to control networking. (org.freedesktop.NetworkManager.PermissionDenied)',
    );
    const already = new EngineError('ConnectError', 'as is');
    expect(engineErrorFrom(already, 'DisconnectionError', 'x')).toBe(already);
  });
});
