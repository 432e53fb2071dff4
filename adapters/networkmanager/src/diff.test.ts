import type { EngineConfiguration } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { diffConfigurations, isEmptyDiff, sameConfiguration } from './diff.js';

const c = (identifier: string, over: Partial<EngineConfiguration> = {}): EngineConfiguration => ({
  identifier,
  name: identifier,
  type: 'InternetAccessPoint',
  state: 'Defined',
  bearerType: 'Ethernet',
  purpose: 'PublicPurpose',
  ...over,
});
const map = (...list: EngineConfiguration[]) => new Map(list.map((x) => [x.identifier, x]));

describe('diffConfigurations', () => {
  it('finds added, changed and removed', () => {
    const diff = diffConfigurations(
      map(c('a'), c('b'), c('gone')),
      map(c('a'), c('b', { state: 'Active' }), c('new')),
    );
    expect(diff.added.map((x) => x.identifier)).toEqual(['new']);
    expect(diff.changed.map((x) => x.identifier)).toEqual(['b']);
    expect(diff.removed).toEqual(['gone']);
    expect(isEmptyDiff(diffConfigurations(map(c('a')), map(c('a'))))).toBe(true);
  });

  it('treats absent and null/false defaults alike, and compares every field', () => {
    expect(sameConfiguration(c('a'), c('a', { interfaceName: null, virtual: false }))).toBe(true);
    for (const over of [
      { name: 'x' },
      { purpose: 'PrivatePurpose' as const },
      { interfaceName: 'eth0' },
      { bearerType: 'WLAN' as const },
      { capabilities: [] },
      { virtual: true },
    ]) {
      expect(sameConfiguration(c('a'), c('a', over))).toBe(false);
    }
  });
});
