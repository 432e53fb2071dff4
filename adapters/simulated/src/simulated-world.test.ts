import { InvalidArgumentError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { SimulatedWorld } from './simulated-world.js';

describe('simulated world delays', () => {
  it('refuses delays a timer cannot wait for, rather than firing them at once', () => {
    for (const connectDelay of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new SimulatedWorld({ connectDelay })).toThrow(InvalidArgumentError);
    }
    const world = new SimulatedWorld({ connectDelay: 2 ** 31 - 1 });
    expect(() => world.addAccessPoint({ name: 'slow', disconnectDelay: 2 ** 31 })).toThrow(
      /from 0 to 2147483647/,
    );
  });

  it('a release takes down only a link a process brought up, and only when nobody holds it', async () => {
    const world = new SimulatedWorld();
    const user = world.addAccessPoint({ name: 'user', active: true });
    const spare = world.addAccessPoint({ name: 'spare' });
    const [a, b] = [world.engine('a'), world.engine('b')];
    const signal = new AbortController().signal;
    expect(await a.connect(user, { signal })).toBe('joined');
    expect(await a.disconnect(user, { signal, mode: 'release' })).toBe('kept');
    expect(world.state(user)).toBe('Active');

    expect(await a.connect(spare, { signal })).toBe('started');
    expect(await b.connect(spare, { signal })).toBe('joined');
    expect(await a.disconnect(spare, { signal, mode: 'release' })).toBe('kept');
    expect(await b.disconnect(spare, { signal, mode: 'release' })).toBe('down');
    expect(world.state(spare)).toBe('Discovered');

    expect(await b.disconnect(user, { signal, mode: 'stop' })).toBe('down');
    expect(world.state(user)).toBe('Discovered');
  });
});
