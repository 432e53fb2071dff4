import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  isObjectPath,
  NmReplyError,
  optional,
  readBoolean,
  readBytes,
  readCounter,
  readInt,
  readObjectPath,
  readObjectPaths,
  readProps,
  readString,
  readUint,
  unwrapVariant,
} from './dbus-values.js';

const v = (signature: string, value: unknown) => ({ signature, value });

describe('reading D-Bus values defensively', () => {
  it('unwraps variants and keeps own keys only, even "__proto__"', () => {
    const raw = JSON.parse(
      '{"__proto__": {"signature": "s", "value": "x"}, "State": {"signature": "u", "value": 70}}',
    );
    const props = readProps(raw, 'thing');
    expect(props.State).toBe(70);
    expect(Object.getOwnPropertyDescriptor(props, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(props)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(unwrapVariant(v('b', true))).toBe(true);
    expect(unwrapVariant(5)).toBe(5);
  });

  it('throws NmReplyError naming the field for every wrong shape', () => {
    const props = readProps(
      {
        s: v('u', 1),
        u: v('s', 'x'),
        b: v('s', 'true'),
        o: v('s', 'no path'),
        ao: v('as', ['/a', 'b']),
      },
      'dev',
    );
    const attempts = [
      () => readString(props, 's', 'dev'),
      () => readUint(props, 'u', 'dev'),
      () => readBoolean(props, 'b', 'dev'),
      () => readObjectPath(props, 'o', 'dev'),
      () => readObjectPaths(props, 'ao', 'dev'),
      () => readInt(props, 'missing', 'dev'),
      () => readCounter(props, 'u', 'dev'),
      () => readBytes(props, 's', 'dev'),
      () => readProps('not a dict', 'dev'),
      () => readProps([1, 2], 'dev'),
      () => readProps(null, 'dev'),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(NmReplyError);
      expect(attempt).toThrow(/dev/);
    }
  });

  it('reads the documented types', () => {
    const props = readProps(
      {
        s: v('s', 'text'),
        u: v('u', 4294967295),
        i: v('i', -5),
        b: v('b', false),
        t: v('t', 2n ** 40n),
        o: v('o', '/org/freedesktop/NetworkManager/Devices/1'),
        ao: v('ao', ['/', '/a/b_c/D9']),
        ay: v('ay', Buffer.from([0, 255])),
        arr: v('ay', [1, 2, 3]),
      },
      'ok',
    );
    expect(readString(props, 's', 'ok')).toBe('text');
    expect(readUint(props, 'u', 'ok')).toBe(4294967295);
    expect(readInt(props, 'i', 'ok')).toBe(-5);
    expect(readBoolean(props, 'b', 'ok')).toBe(false);
    expect(readCounter(props, 't', 'ok')).toBe(2 ** 40);
    expect(readObjectPath(props, 'o', 'ok')).toBe('/org/freedesktop/NetworkManager/Devices/1');
    expect(readObjectPaths(props, 'ao', 'ok')).toEqual(['/', '/a/b_c/D9']);
    expect([...readBytes(props, 'ay', 'ok')]).toEqual([0, 255]);
    expect([...readBytes(props, 'arr', 'ok')]).toEqual([1, 2, 3]);
    expect(optional(props, 'absent', 'ok', readString, 'fallback')).toBe('fallback');
    expect(() => optional(props, 'u', 'ok', readString, 'fallback')).toThrow(NmReplyError);
  });

  it('rejects byte arrays with values outside 0..255 and negative counters', () => {
    const props = readProps({ ay: v('ay', [1, 256]), t: v('t', -1n) }, 'x');
    expect(() => readBytes(props, 'ay', 'x')).toThrow(NmReplyError);
    expect(() => readCounter(props, 't', 'x')).toThrow(NmReplyError);
  });

  it('knows object paths', () => {
    expect(['/', '/a', '/a/b', '/A_9/b'].every(isObjectPath)).toBe(true);
    expect(['', 'a', '/a/', '//a', '/a-b', '/a/../b', '/ä', 5].some(isObjectPath)).toBe(false);
  });

  it('describes hostile values briefly, never in full', () => {
    const long = describeValue('x'.repeat(10_000));
    expect(long.length).toBeLessThan(60);
    expect(describeValue(Buffer.alloc(3))).toBe('3 bytes');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue('a\nb')).toBe('"a\\nb"');
  });
});
