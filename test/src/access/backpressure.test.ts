/**
 * A reply read slowly must not buffer the whole body: above its read buffer size the manager
 * stops reading from the socket (undici pauses) until the application reads (Qt's
 * QNetworkReply::setReadBufferSize).
 */
import { createHash } from 'node:crypto';
import { NetworkAccessManager, type NetworkReply } from '@netbearer/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Nginx, startNginx } from '../support/http-servers/index.js';

const largeBytes = 32 * 1024 * 1024;
let nginx: Nginx;
const managers: NetworkAccessManager[] = [];

beforeAll(async () => {
  nginx = await startNginx({ largeFileBytes: largeBytes });
});
afterAll(async () => {
  await Promise.all(managers.map((m) => m.dispose()));
  await nginx?.stop();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Waits until the reply's buffer stops growing (or the reply finished). */
async function settled(reply: NetworkReply): Promise<number> {
  let last = -1;
  let still = 0;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !reply.isFinished()) {
    await new Promise((r) => setTimeout(r, 50));
    const now = reply.bytesAvailable();
    still = now === last && now > 0 ? still + 1 : 0;
    if (still >= 4) break;
    last = now;
  }
  return reply.bytesAvailable();
}

describe('backpressure', () => {
  it('an unread reply holds about its read buffer size, and reading gets the rest intact', async () => {
    const nam = new NetworkAccessManager();
    managers.push(nam);
    const reply = nam.get(`${nginx.httpOrigin}/large.bin`);
    reply.setReadBufferSize(1024 * 1024);
    const buffered = await settled(reply);
    expect(reply.isFinished()).toBe(false);
    // One chunk of undici's may land above the mark.
    expect(buffered).toBeGreaterThan(0);
    expect(buffered).toBeLessThanOrEqual(reply.readBufferSize() + 256 * 1024);
    const body = await reply.readAll();
    expect(body.byteLength).toBe(largeBytes);
    const served = nginx.files.find((f) => f.name === 'large.bin');
    expect(sha256(body)).toBe(served?.sha256);
    expect(reply.error()).toBe('NoError');
  });

  it('by default (Qt’s: no limit) a reply buffers the whole body and finishes unread', async () => {
    const nam = new NetworkAccessManager();
    managers.push(nam);
    const reply = nam.get(`${nginx.httpOrigin}/large.bin`);
    expect(reply.readBufferSize()).toBe(0);
    await new Promise<void>((resolve) => reply.once('finished', () => resolve()));
    expect(reply.bytesAvailable()).toBe(largeBytes);
  });

  it('a smaller read buffer size holds less', async () => {
    const nam = new NetworkAccessManager();
    managers.push(nam);
    const reply = nam.get(`${nginx.httpOrigin}/large.bin`);
    reply.setReadBufferSize(128 * 1024);
    const buffered = await settled(reply);
    expect(buffered).toBeLessThanOrEqual(128 * 1024 + 256 * 1024);
    expect((await reply.readAll()).byteLength).toBe(largeBytes);
  });
});
