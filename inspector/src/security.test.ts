/**
 * One test per threat to a local inspector, over raw HTTP and WebSocket clients that send the
 * headers an attacker's page or a rebound DNS name would (research/inspector.md §4).
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { NetworkSession } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { closeCodes, maxPageMessageBytes } from './protocol.js';
import {
  closed,
  get,
  openSocket,
  rawUpgrade,
  type Started,
  useInspectors,
} from './testing/clients.js';

const start = useInspectors();

async function page(s: Started) {
  const opened = await openSocket(s);
  if (opened.refused) throw new Error(`the page's own socket was refused (${opened.status})`);
  return opened;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('inspector security', () => {
  it('listens on 127.0.0.1 only', async () => {
    const s = await start();
    expect(await accepts('127.0.0.1', s.inspector.port)).toBe(true);
    expect(await accepts('::1', s.inspector.port)).toBe(false);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal)
      .map((a) => a!.address);
    for (const address of others) {
      expect(await accepts(address, s.inspector.port), address).toBe(false);
    }
  });

  it("refuses a page from another origin, or with no Origin, or another loopback port's", async () => {
    const s = await start();
    for (const origin of [
      'https://evil.example',
      'http://127.0.0.1.evil.example',
      `http://127.0.0.1:${s.inspector.port + 1}`,
      'null',
      undefined,
    ]) {
      expect(await openSocket(s, { origin }), String(origin)).toEqual({
        refused: true,
        status: 403,
      });
    }
    expect((await openSocket(s, { origin: `http://localhost:${s.inspector.port}` })).refused).toBe(
      false,
    );
  });

  it('refuses a wrong Host (DNS rebinding), on the socket and on every HTTP path', async () => {
    const s = await start();
    const port = s.inspector.port;
    for (const host of [
      `attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      '127.0.0.1',
      '',
      '[::1',
    ]) {
      const headers = { Host: host, Origin: s.origin };
      expect(await rawUpgrade(port, `/ws?token=${s.token}`, headers), host).toBe(403);
      expect((await get(port, '/', { host })).status, host).toBe(403);
      expect((await get(port, `/trace.json?token=${s.token}`, { host })).status, host).toBe(403);
    }
    // The same raw request with the right Host is let in: the refusals above are the Host's.
    expect(
      await rawUpgrade(port, `/ws?token=${s.token}`, {
        Host: `127.0.0.1:${port}`,
        Origin: s.origin,
      }),
    ).toBe(101);
    // Still serving after malformed headers.
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/', { host: `LOCALHOST:${port}` })).status).toBe(200);
  });

  it('refuses a missing or wrong token, on the socket and the exports', async () => {
    const s = await start();
    const wrong = `${s.token.slice(0, -1)}${s.token.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [undefined, '', wrong, `${s.token}x`, s.token.slice(1)]) {
      expect(await openSocket(s, { token }), String(token)).toEqual({ refused: true, status: 403 });
    }
    for (const path of [
      '/trace.json',
      `/trace.json?token=${wrong}`,
      '/stately.json',
      `/stately.json?token=`,
    ]) {
      const answer = await get(s.inspector.port, path);
      expect(answer.status, path).toBe(403);
      expect(answer.body).not.toContain('entries');
    }
    // The page itself carries no data, so it needs no token.
    expect((await get(s.inspector.port, '/')).status).toBe(200);
  });

  it('closes a socket that sends an oversize message', async () => {
    const s = await start({ control: true });
    const p = await page(s);
    const code = closed(p.socket);
    p.socket.send('x'.repeat(maxPageMessageBytes + 1));
    expect(await code).toBe(closeCodes.tooBig);
  });

  it('refuses control when it is not enabled: the session is not touched', async () => {
    const s = await start();
    const session = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    const p = await page(s);
    const code = closed(p.socket);
    p.socket.send(
      JSON.stringify({
        type: 'control',
        requestId: '1',
        sessionId: session.actor.sessionId,
        method: 'open',
      }),
    );
    expect(await code).toBe(closeCodes.policy);
    await new Promise((r) => setTimeout(r, 100));
    expect(session.state()).toBe('Disconnected');
    expect(p.messages.some((m) => m.type === 'controlResult')).toBe(false);
  });

  it('refuses an unknown message type, and anything that is not a message', async () => {
    const s = await start({ control: true });
    for (const text of [
      JSON.stringify({ type: 'send', event: { type: 'LINK_UP' } }),
      JSON.stringify({ type: '__proto__' }),
      '[]',
      'not json',
      'null',
    ]) {
      const p = await page(s);
      const code = closed(p.socket);
      p.socket.send(text);
      expect(await code, text).toBe(closeCodes.policy);
    }
    const p = await page(s);
    const code = closed(p.socket);
    p.socket.send(Buffer.from('{}'), { binary: true });
    expect(await code).toBe(closeCodes.policy);
  });

  it('refuses anything but a public session method, even with control on', async () => {
    const s = await start({ control: true });
    const session = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    const id = session.actor.sessionId;
    for (const message of [
      { type: 'control', requestId: '1', sessionId: id, method: 'LINK_UP' },
      { type: 'control', requestId: '1', sessionId: id, method: 'send' },
      { type: 'control', requestId: '1', sessionId: id, method: 'dispose' },
      { type: 'control', requestId: '1', sessionId: id, method: 'setSessionProperty' },
      { type: 'control', requestId: '1', sessionId: id, method: 'constructor' },
      {
        type: 'control',
        requestId: '1',
        sessionId: id,
        method: 'open',
        event: { type: 'LINK_UP' },
      },
      { type: 'control', requestId: '1', configurationId: 'sim:wifi', method: 'close' },
      { type: 'control', requestId: 1, sessionId: id, method: 'open' },
    ]) {
      const p = await page(s);
      const code = closed(p.socket);
      p.socket.send(JSON.stringify(message));
      expect(await code, JSON.stringify(message)).toBe(closeCodes.policy);
    }
    expect(session.state()).toBe('Disconnected');
  });

  it('serves nothing outside the page directory', async () => {
    const s = await start();
    for (const path of [
      '/../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/package.json',
      '/js/../../package.json',
      '/js/%2e%2e/%2e%2e/src/inspector.ts',
      '/%2e%2e%2f%2e%2e%2fpackage.json',
      '/..\\package.json',
      '/index.html%00.js',
      '//etc/passwd',
      '/js',
      '/js/',
    ]) {
      const answer = await get(s.inspector.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('"name"');
    }
  });

  it('accepts only GET and HEAD, and sends no CORS permission', async () => {
    const s = await start();
    expect((await get(s.inspector.port, '/', {}, 'POST')).status).toBe(405);
    const answer = await get(s.inspector.port, `/trace.json?token=${s.token}`, {
      origin: 'https://evil.example',
    });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});
