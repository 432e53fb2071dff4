import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cacheableRequest,
  freshness,
  headerValue,
  isFresh,
  parseCacheControl,
  unstorableReason,
} from './cache-policy.js';

const now = Date.parse('2026-12-01T12:00:00Z');
const http = (ms: number) => new Date(ms).toUTCString();
const stored = (headers: Record<string, string>, status = 200, at = now) => ({
  status,
  headers,
  requestTime: at,
  responseTime: at,
});

describe('parseCacheControl', () => {
  it('reads directives, quoted values and skips junk', () => {
    const cc = parseCacheControl('Max-Age=60, no-cache="set-cookie, x", private , s-maxage=5');
    expect(Object.fromEntries(cc)).toEqual({
      'max-age': '60',
      'no-cache': 'set-cookie, x',
      private: '',
      's-maxage': '5',
    });
    expect(parseCacheControl(undefined).size).toBe(0);
  });

  it('never throws (fast-check)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => parseCacheControl(s) instanceof Map),
      { numRuns: 300 },
    );
  });
});

describe('freshness (RFC 9111 §4.2)', () => {
  it('uses max-age, ignores s-maxage (private cache), then Expires, then the Last-Modified heuristic', () => {
    expect(freshness(stored({ 'cache-control': 'max-age=60, s-maxage=600' }), now).lifetime).toBe(
      60_000,
    );
    expect(freshness(stored({ 'cache-control': 's-maxage=600' }), now).lifetime).toBe(0);
    expect(freshness(stored({ date: http(now), expires: http(now + 30_000) }), now).lifetime).toBe(
      30_000,
    );
    expect(freshness(stored({ expires: 'garbage' }), now).lifetime).toBe(0);
    expect(
      freshness(stored({ date: http(now), 'last-modified': http(now - 100_000_000) }), now)
        .lifetime,
    ).toBe(10_000_000);
    // heuristics only for heuristically cacheable statuses
    expect(
      freshness(stored({ date: http(now), 'last-modified': http(now - 100_000) }, 302), now)
        .lifetime,
    ).toBe(0);
  });

  it('gives finite, non-negative numbers for any header values (fast-check)', () => {
    const value = fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      fc.nat().map(String),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            'cache-control': value,
            expires: value,
            date: value,
            'last-modified': value,
            age: value,
          },
          { requiredKeys: [] },
        ),
        fc.integer({ min: 100, max: 599 }),
        (headers, status) => {
          const { lifetime, age } = freshness(stored(headers, status), now);
          return Number.isFinite(lifetime) && lifetime >= 0 && Number.isFinite(age) && age >= 0;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ages by Age, transit delay and residence', () => {
    const s = {
      status: 200,
      headers: { age: '10', 'cache-control': 'max-age=60' },
      requestTime: now - 2000,
      responseTime: now,
    };
    expect(freshness(s, now + 5000).age).toBe(10_000 + 2000 + 5000);
    expect(isFresh(s, now + 40_000)).toBe(true);
    expect(isFresh(s, now + 50_000)).toBe(false);
    expect(isFresh(stored({ 'cache-control': 'max-age=60, no-cache' }), now)).toBe(false);
  });
});

describe('what is cached', () => {
  it('only GET and HEAD without Range or own conditionals look in the cache', () => {
    expect(cacheableRequest('GET', {})).toBeUndefined();
    expect(cacheableRequest('head', undefined)).toBeUndefined();
    expect(cacheableRequest('POST', {})).toMatch(/POST/);
    expect(cacheableRequest('GET', { Range: 'bytes=0-1' })).toMatch(/Range/);
    expect(cacheableRequest('GET', { 'If-None-Match': '"x"' })).toMatch(/conditional/);
  });

  it('stores what RFC 9111 §3 allows a private cache to store', () => {
    const get = { method: 'GET', headers: {} };
    const ok = (headers: Record<string, string>, status = 200, request = get) =>
      unstorableReason(request, { status, headers });
    expect(ok({ 'cache-control': 'max-age=60' })).toBeUndefined();
    expect(ok({ 'cache-control': 'private, max-age=60' })).toBeUndefined();
    expect(ok({ etag: '"a"' })).toBeUndefined();
    expect(ok({})).toBeUndefined(); // 200 is heuristically cacheable
    expect(ok({ 'cache-control': 'no-store' })).toBe('no-store');
    expect(ok({}, 200, { method: 'GET', headers: { 'cache-control': 'no-store' } })).toBe(
      'no-store',
    );
    expect(ok({ vary: 'accept, *' })).toBe('Vary: *');
    expect(ok({}, 302)).toMatch(/explicit freshness/);
    expect(ok({ 'cache-control': 'max-age=5' }, 302)).toBeUndefined();
    expect(ok({}, 500)).toMatch(/500/);
    expect(ok({}, 200, { method: 'POST', headers: {} })).toMatch(/GET/);
    expect(ok({}, 200, { method: 'HEAD', headers: {} })).toMatch(/GET/);
    expect(
      ok({ 'cache-control': 'max-age=60' }, 200, {
        method: 'GET',
        headers: { authorization: 'x' },
      }),
    ).toMatch(/authorized/);
    expect(
      ok({ 'cache-control': 'public, max-age=60' }, 200, {
        method: 'GET',
        headers: { authorization: 'x' },
      }),
    ).toBeUndefined();
  });

  it('reads headers in any case, joining repeats', () => {
    expect(
      headerValue({ 'Cache-Control': 'a', 'cache-control': ['b', 'c'] }, 'CACHE-control'),
    ).toBe('a, b, c');
    expect(headerValue({}, 'x')).toBeUndefined();
  });
});
