import { InvalidArgumentError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { isLoopback } from './network-access-manager.js';
import { NetworkRequest } from './network-request.js';

describe('NetworkRequest', () => {
  it('keeps headers case-insensitively, as spelled, and removes them with an empty value', () => {
    const request = new NetworkRequest('http://example.test/', { headers: { 'X-Trace': '1' } });
    expect(request.rawHeader('x-trace')).toBe('1');
    expect(request.rawHeaderList()).toEqual(['X-Trace']);
    request.setRawHeader('x-trace', '');
    expect(request.hasRawHeader('X-Trace')).toBe(false);
  });

  it('attributes default, set and reset', () => {
    const request = new NetworkRequest('http://example.test/');
    expect(request.attribute('CacheLoadControlAttribute')).toBeUndefined();
    expect(request.attribute('CacheLoadControlAttribute', 'PreferNetwork')).toBe('PreferNetwork');
    request.setAttribute('CacheLoadControlAttribute', 'AlwaysCache');
    expect(request.attribute('CacheLoadControlAttribute')).toBe('AlwaysCache');
    request.setAttribute('CacheLoadControlAttribute', undefined);
    expect(request.attribute('CacheLoadControlAttribute')).toBeUndefined();
  });

  it('clone() is independent', () => {
    const request = new NetworkRequest('http://a.test/', {
      headers: [['A', '1']],
      priority: 'HighPriority',
      transferTimeout: 5,
      maxRedirectsAllowed: 3,
    });
    const copy = request.clone();
    request.setRawHeader('A', '2');
    request.setUrl('http://b.test/');
    expect(copy.rawHeader('a')).toBe('1');
    expect(copy.url()).toBe('http://a.test/');
    expect([copy.priority(), copy.transferTimeout(), copy.maxRedirectsAllowed()]).toEqual([
      'HighPriority',
      5,
      3,
    ]);
  });

  it('takes any URL text (the reply reports bad ones) but refuses bad numbers', () => {
    expect(new NetworkRequest('not a url').url()).toBe('not a url');
    expect(() => new NetworkRequest('x', { transferTimeout: -1 })).toThrow(InvalidArgumentError);
    expect(() => new NetworkRequest('x').setMaxRedirectsAllowed(1.5)).toThrow(InvalidArgumentError);
  });
});

describe('isLoopback', () => {
  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.9.9.9', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ] as const)('%s → %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});
