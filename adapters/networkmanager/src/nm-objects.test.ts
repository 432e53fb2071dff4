import { describe, expect, it } from 'vitest';
import { NmReplyError } from './dbus-values.js';
import { NmObjectStore } from './nm-objects.js';

const v = (signature: string, value: unknown) => ({ signature, value });
const dev = 'org.freedesktop.NetworkManager.Device';

describe('NmObjectStore (ObjectManager mirror)', () => {
  it('loads a snapshot, applies added/removed/changed, ignores malformed parts', () => {
    const store = new NmObjectStore();
    store.replace({
      '/d/1': { [dev]: { State: v('u', 30), Interface: v('s', 'eth0') } },
      'not a path': { [dev]: { State: v('u', 1) } },
      '/d/2': { [dev]: 'garbage' },
    });
    expect(store.get('/d/1', dev)).toMatchObject({ State: 30, Interface: 'eth0' });
    expect(store.has('/d/2')).toBe(false);
    expect([...store.withInterface(dev)].map(([p]) => p)).toEqual(['/d/1']);

    expect(store.updateProperties('/d/1', dev, { State: v('u', 100) })).toBe(true);
    expect(store.get('/d/1', dev)).toMatchObject({ State: 100, Interface: 'eth0' });
    expect(store.updateProperties('/d/9', dev, { State: v('u', 1) })).toBe(false);
    expect(store.updateProperties('/d/1', dev, 'garbage')).toBe(false);
    expect(store.updateProperties('/d/1', 42, {})).toBe(false);

    expect(store.addInterfaces('/d/3', { [dev]: { State: v('u', 20) } })).toEqual([dev]);
    expect(store.addInterfaces('bad path', { [dev]: {} })).toEqual([]);
    expect(store.removeInterfaces('/d/3', [dev, 'other'])).toEqual([dev]);
    expect(store.has('/d/3')).toBe(false);
    expect(store.removeInterfaces('/d/1', 'not a list')).toEqual([]);
  });

  it('rejects a snapshot that is not a dictionary', () => {
    expect(() => new NmObjectStore().replace(['/d/1'])).toThrow(NmReplyError);
  });

  it('survives random junk without throwing anything but NmReplyError', () => {
    const store = new NmObjectStore();
    const junk = [
      null,
      0,
      'x',
      [],
      {},
      { '/a': null },
      { '/a': { i: { p: 1 } } },
      { '/a': [1] },
      Buffer.alloc(2),
    ];
    for (const a of junk) {
      for (const b of junk) {
        try {
          store.replace(a);
        } catch (error) {
          expect(error).toBeInstanceOf(NmReplyError);
        }
        store.addInterfaces(a, b);
        store.removeInterfaces(a, b);
        store.updateProperties('/a', a, b);
      }
    }
  });
});
