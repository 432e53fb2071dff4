/**
 * D-Bus replies are hostile input: NetworkManager could be old, new, replaced or broken. These
 * readers check the shape of what dbus-next unmarshalled and say precisely what was wrong.
 */
import { NetBearerError } from '@netbearer/core';

/** A D-Bus reply or signal did not have the shape NetworkManager's API documents. */
export class NmReplyError extends NetBearerError {
  override name = 'NmReplyError';
}

export type Props = Readonly<Record<string, unknown>>;

/** dbus-next's Variant, recognised by shape so a second copy of dbus-next still works. */
export function unwrapVariant(value: unknown): unknown {
  if (isRecord(value) && typeof value.signature === 'string' && 'value' in value)
    return value.value;
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
  );
}

/** An a{sv} as a plain map of unwrapped values; own keys only (a key may be "__proto__"). */
export function readProps(value: unknown, what: string): Props {
  if (!isRecord(value)) throw new NmReplyError(`${what}: expected a{sv}, got ${describe(value)}`);
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) out[key] = unwrapVariant(value[key]);
  return out;
}

export function readString(props: Props, key: string, what: string): string {
  const value = props[key];
  if (typeof value !== 'string')
    throw new NmReplyError(`${what}.${key}: expected a string, got ${describe(value)}`);
  return value;
}

export function readUint(props: Props, key: string, what: string): number {
  const value = props[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new NmReplyError(`${what}.${key}: expected an unsigned integer, got ${describe(value)}`);
  }
  return value;
}

export function readBoolean(props: Props, key: string, what: string): boolean {
  const value = props[key];
  if (typeof value !== 'boolean')
    throw new NmReplyError(`${what}.${key}: expected a boolean, got ${describe(value)}`);
  return value;
}

/** D-Bus 't' arrives as a bigint; counters stay exact up to 2^53 bytes (8 PiB). */
export function readCounter(props: Props, key: string, what: string): number {
  const value = props[key];
  if (typeof value === 'bigint' && value >= 0n) return Number(value);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new NmReplyError(
    `${what}.${key}: expected an unsigned 64-bit counter, got ${describe(value)}`,
  );
}

export function readObjectPath(props: Props, key: string, what: string): string {
  const value = props[key];
  if (!isObjectPath(value))
    throw new NmReplyError(`${what}.${key}: expected an object path, got ${describe(value)}`);
  return value;
}

export function readObjectPaths(props: Props, key: string, what: string): string[] {
  const value = props[key];
  if (!Array.isArray(value) || !value.every(isObjectPath)) {
    throw new NmReplyError(
      `${what}.${key}: expected an array of object paths, got ${describe(value)}`,
    );
  }
  return value;
}

export function readBytes(props: Props, key: string, what: string): Uint8Array {
  const value = props[key];
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Uint8Array.from(value as number[]);
  }
  throw new NmReplyError(`${what}.${key}: expected bytes, got ${describe(value)}`);
}

/** Optional fields: absent means the documented default, present but malformed is an error. */
export function optional<T>(
  props: Props,
  key: string,
  what: string,
  read: (p: Props, k: string, w: string) => T,
  fallback: T,
): T {
  return props[key] === undefined ? fallback : read(props, key, what);
}

const objectPathPattern = /^\/([A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*)?$/;

export function isObjectPath(value: unknown): value is string {
  return typeof value === 'string' && objectPathPattern.test(value);
}

/** For messages: the type and a bounded, printable excerpt, never the whole hostile value. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

export function readInt(props: Props, key: string, what: string): number {
  const value = props[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new NmReplyError(`${what}.${key}: expected an integer, got ${describe(value)}`);
  }
  return value;
}
