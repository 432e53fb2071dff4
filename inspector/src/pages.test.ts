/**
 * A page that cannot keep up: its entries are dropped and counted, and past a second bound it
 * is disconnected. The application never waits for it. A fake socket stands in for the page
 * so the buffered amount is exactly what the test says.
 */
import { EventEmitter } from 'node:events';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { Pages } from './pages.js';
import type { ServerMessage } from './protocol.js';
import { Recorder } from './recorder.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  bufferedAmount = 0;
  terminated = false;
  readonly sent: ServerMessage[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ServerMessage);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = this.CLOSED;
    this.emit('close', 1006);
  }
  close(): void {
    this.terminate();
  }
}

const cleanUp: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanUp.splice(0)) await f();
});

async function setUp() {
  const world = new SimulatedWorld({ connectDelay: 5, disconnectDelay: 1 });
  world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi' });
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
  let pages: Pages | undefined;
  const recorder = new Recorder(
    manager,
    100,
    () => pages?.heard(),
    () => {},
  );
  pages = new Pages(manager, recorder, async () => [], {
    control: false,
    batchInterval: 5,
    maxBuffered: 1000,
    maxBufferedHard: 8000,
    flushAfter: 50,
  });
  const p = pages;
  cleanUp.push(async () => {
    await p.close();
    recorder.close();
    await manager.dispose();
  });
  const session = new NetworkSession(manager.configurationFromIdentifier('sim:wifi'));
  const cycle = async () => {
    session.open();
    await session.waitForOpened(2_000);
    session.close();
    await new Promise((r) => setTimeout(r, 30));
  };
  return { pages, cycle };
}

const batches = (socket: FakeSocket) =>
  socket.sent.filter((m): m is Extract<ServerMessage, { type: 'batch' }> => m.type === 'batch');

describe('a slow page', () => {
  it('is skipped while its buffer is over the bound, then told how much it missed', async () => {
    const { pages, cycle } = await setUp();
    const socket = new FakeSocket();
    pages.add(socket as unknown as WebSocket);
    await new Promise((r) => setImmediate(r));
    expect(socket.sent[0]?.type).toBe('hello');
    await cycle();
    expect(batches(socket).length).toBeGreaterThan(0);
    expect(batches(socket).every((b) => b.dropped === 0)).toBe(true);

    socket.bufferedAmount = 1001;
    const before = socket.sent.length;
    await cycle();
    expect(socket.sent.length).toBe(before);

    socket.bufferedAmount = 0;
    await cycle();
    const last = batches(socket).at(-1);
    expect(last?.dropped).toBeGreaterThan(0);
    expect(socket.terminated).toBe(false);
  });

  it('is disconnected past the hard bound, and the others go on', async () => {
    const { pages, cycle } = await setUp();
    const slow = new FakeSocket();
    const fine = new FakeSocket();
    pages.add(slow as unknown as WebSocket);
    pages.add(fine as unknown as WebSocket);
    await new Promise((r) => setImmediate(r));
    slow.bufferedAmount = 8001;
    await cycle();
    expect(slow.terminated).toBe(true);
    expect(pages.count).toBe(1);
    expect(batches(slow)).toHaveLength(0);
    expect(batches(fine).length).toBeGreaterThan(0);
  });

  it('keeps no timer while nobody watches', async () => {
    const { pages } = await setUp();
    const socket = new FakeSocket();
    pages.add(socket as unknown as WebSocket);
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    try {
      pages.heard();
      expect(armed).toHaveBeenCalledTimes(1);
      const timer = armed.mock.results[0]?.value;
      // The last page leaves: its pending batch timer goes with it.
      socket.terminate();
      expect(pages.count).toBe(0);
      expect(cleared).toHaveBeenCalledWith(timer);
      pages.heard();
      pages.heard();
      expect(armed).toHaveBeenCalledTimes(1);
    } finally {
      armed.mockRestore();
      cleared.mockRestore();
    }
  });
});
