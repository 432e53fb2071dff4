import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkAddress, type LinkSource, type SourceAddress } from './link-address.js';
import { LinkDispatcher } from './link-dispatcher.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string, scopeid: number): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: `${address}/64`,
  scopeid,
});

/** A LinkAddress on `nb1` over a fake interface table that `table()` returns at each look. */
function linkOn(table: () => Record<string, NetworkInterfaceInfo[]>, wait = 2_000) {
  let looks = 0;
  const link = new LinkAddress('nb1', {
    wait,
    every: 5,
    interfaces: () => {
      looks += 1;
      return table();
    },
    present: (name) => name === 'nb1',
  });
  return { link, looks: () => looks };
}

describe('LinkAddress', () => {
  const both = { nb1: [v6('fe80::1', 3), v4('10.231.2.7'), v6('2001:db8::7', 0)] };

  it("binds to the link's address in the family of the target", async () => {
    const { link } = linkOn(() => both);
    expect(await link.sourceFor('10.231.100.1')).toEqual({ address: '10.231.2.7', family: 4 });
    expect(await link.sourceFor('[2001:db8::1]')).toEqual({ address: '2001:db8::7', family: 6 });
    // A host name: IPv4 first, and the name is then looked up in that family.
    expect(await link.sourceFor('example.test')).toEqual({ address: '10.231.2.7', family: 4 });
  });

  it('never binds loopback targets, link-local or internal addresses', async () => {
    const { link, looks } = linkOn(() => ({
      nb1: [v4('127.0.0.9', true), v6('fe80::1', 3)],
    }));
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      expect(await link.sourceFor(host)).toBeUndefined();
    }
    expect(looks()).toBe(0);
    const short = linkOn(() => ({ nb1: [v4('127.0.0.9', true), v6('fe80::1', 3)] }), 30).link;
    expect(await short.sourceFor('10.0.0.1')).toBeUndefined();
    expect(await short.sourceFor('[2001:db8::1]')).toBeUndefined();
  });

  it('waits for an address that reaches the interface after it reads Active', async () => {
    let table: Record<string, NetworkInterfaceInfo[]> = {};
    const { link, looks } = linkOn(() => table);
    const pending = link.sourceFor('10.231.100.1');
    setTimeout(() => {
      table = { nb1: [v4('10.231.2.9')] };
    }, 40);
    expect(await pending).toEqual({ address: '10.231.2.9', family: 4 });
    expect(looks()).toBeGreaterThan(1);
  });

  it('gives up after the bounded wait, and does not wait for an interface that is not there', async () => {
    const { link } = linkOn(() => ({}), 60);
    const started = Date.now();
    expect(await link.sourceFor('10.231.100.1')).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);

    const gone = new LinkAddress('nb9', {
      wait: 5_000,
      interfaces: () => ({}),
      present: () => false,
    });
    const at = Date.now();
    expect(await gone.sourceFor('10.231.100.1')).toBeUndefined();
    expect(Date.now() - at).toBeLessThan(1_000);
  });
});

describe('LinkDispatcher bound to a link', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((request, response) => response.end(request.socket.remoteAddress));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** The source address the server saw for a GET through `links`. */
  async function seenFrom(links: LinkDispatcher): Promise<string> {
    try {
      const response = await links.agent(false).request({ origin, path: '/', method: 'GET' });
      return await response.body.text();
    } finally {
      await links.destroy();
    }
  }

  it('connects from the address the link gives (undici would ignore connect.localAddress)', async () => {
    const asked: string[] = [];
    const link: LinkSource = {
      sourceFor: async (hostname): Promise<SourceAddress> => {
        asked.push(hostname);
        return { address: '127.0.0.2', family: 4 };
      },
    };
    const links = new LinkDispatcher({ connections: 1, tls: {}, link });
    expect(await seenFrom(links)).toBe('127.0.0.2');
    expect(asked).toEqual(['127.0.0.1']);
  });

  it('connects unbound without a link, or when the link has no address to give', async () => {
    expect(await seenFrom(new LinkDispatcher({ connections: 1, tls: {} }))).toBe('127.0.0.1');
    const none: LinkSource = { sourceFor: async () => undefined };
    expect(await seenFrom(new LinkDispatcher({ connections: 1, tls: {}, link: none }))).toBe(
      '127.0.0.1',
    );
  });
});
