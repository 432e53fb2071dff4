import { describe, expect, it } from 'vitest';
import { serialise, toJson } from './serialise.js';

describe('serialise', () => {
  it('keeps plain JSON as it is', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2.5 }] };
    expect(serialise(value)).toEqual(value);
  });

  it('marks a cycle, but shows an object shared by two branches twice', () => {
    const shared = { name: 'shared' };
    const cyclic: Record<string, unknown> = { left: shared, right: shared };
    cyclic.self = cyclic;
    const list: unknown[] = [1];
    list.push(list);
    expect(serialise(cyclic)).toEqual({
      left: { name: 'shared' },
      right: { name: 'shared' },
      self: { '@type': 'Circular' },
    });
    expect(serialise(list)).toEqual([1, { '@type': 'Circular' }]);
  });

  it('shows Errors with name, message, code and cause', () => {
    const cause = new RangeError('inner');
    const error = Object.assign(new Error('outer', { cause }), { code: 'EFAIL' });
    expect(serialise(error)).toEqual({
      '@type': 'Error',
      name: 'Error',
      message: 'outer',
      code: 'EFAIL',
      cause: { '@type': 'Error', name: 'RangeError', message: 'inner' },
    });
  });

  it('shows Maps, Sets, BigInt, Dates and non-finite numbers', () => {
    const map = new Map<unknown, unknown>([
      ['a', 1],
      [{ k: 1 }, new Set([1n])],
    ]);
    expect(serialise({ map, n: 12345678901234567890n, d: new Date(0), inf: Infinity })).toEqual({
      map: {
        '@type': 'Map',
        size: 2,
        entries: [
          ['a', 1],
          [{ k: 1 }, { '@type': 'Set', size: 1, values: [{ '@type': 'BigInt', value: '1' }] }],
        ],
      },
      n: { '@type': 'BigInt', value: '12345678901234567890' },
      d: { '@type': 'Date', value: '1970-01-01T00:00:00.000Z' },
      inf: { '@type': 'Number', value: 'Infinity' },
    });
  });

  it('shows functions, symbols and undefined instead of dropping them', () => {
    function handler() {}
    expect(serialise({ f: handler, s: Symbol('tag'), u: undefined })).toEqual({
      f: { '@type': 'Function', name: 'handler' },
      s: { '@type': 'Symbol', description: 'tag' },
      u: { '@type': 'undefined' },
    });
  });

  it('bounds huge strings, long lists, wide objects and deep nesting', () => {
    const limits = { maxString: 10, maxEntries: 3, maxDepth: 3 };
    expect(serialise('x'.repeat(1_000_000), limits)).toBe(
      `${'x'.repeat(10)}…(999990 more characters)`,
    );
    expect(serialise([1, 2, 3, 4, 5], limits)).toEqual([
      1,
      2,
      3,
      { '@type': 'Truncated', more: 2 },
    ]);
    expect(serialise({ a: 1, b: 2, c: 3, d: 4 }, limits)).toEqual({
      a: 1,
      b: 2,
      c: 3,
      '@truncated': 1,
    });
    expect(serialise({ a: { b: { c: { d: 1 } } } }, limits)).toEqual({
      a: { b: { c: { '@type': 'Truncated', reason: 'depth' } } },
    });
  });

  it('never throws, even on a getter that throws', () => {
    const hostile = {
      get boom() {
        throw new Error('no');
      },
    };
    expect(serialise(hostile)).toEqual({ boom: { '@type': 'Unserialisable' } });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(serialise(revoked.proxy)).toEqual({ '@type': 'Unserialisable' });
    expect(JSON.parse(toJson({ hostile, big: 1n }))).toEqual({
      hostile: { boom: { '@type': 'Unserialisable' } },
      big: { '@type': 'BigInt', value: '1' },
    });
  });
});
