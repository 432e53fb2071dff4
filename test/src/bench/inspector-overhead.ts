import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  NetworkConfigurationManager,
  type NetworkConfigurationManagerOptions,
  NetworkSession,
} from '@netbearer/core';
import { startInspector } from '@netbearer/inspector';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocketServer } from 'ws';
import { type BenchLine, collectGarbage, line, median } from './measure.js';

/** Resolves once `count` calls of `count()` were made; fails rather than hanging. */
function counter(count: number, what: string) {
  let seen = 0;
  let done = () => {};
  let fail = (_: Error) => {};
  const reached = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  const timer = setTimeout(() => fail(new Error(`benchmark stuck waiting for ${what}`)), 120_000);
  timer.unref();
  return {
    reached: reached.finally(() => clearTimeout(timer)),
    count: () => {
      if (++seen === count) done();
    },
  };
}

/** What is attached while the sessions run; returns how to detach it. */
type Attach = (manager: NetworkConfigurationManager) => Promise<() => Promise<void>>;

/** Creates `count` sessions on one access point, opens them all, closes them all: the time. */
async function timeSessions(
  count: number,
  attach: Attach | undefined,
  options: Partial<NetworkConfigurationManagerOptions> = {},
): Promise<number> {
  const world = new SimulatedWorld();
  const a = world.addAccessPoint({ name: 'a', interfaceName: 'wlan0' });
  const manager = await NetworkConfigurationManager.create({
    ...options,
    engines: [world.engine()],
  });
  const detach = await attach?.(manager);
  const config = manager.configurationFromIdentifier(a);
  // The last run's garbage is not this run's cost.
  collectGarbage();
  const opened = counter(count, 'every session to open');
  const closed = counter(count, 'every session to close');
  const start = performance.now();
  const sessions = Array.from({ length: count }, () => {
    const s = new NetworkSession(config);
    s.on('opened', opened.count);
    s.on('closed', closed.count);
    return s;
  });
  for (const s of sessions) s.open();
  await opened.reached;
  for (const s of sessions) s.close();
  await closed.reached;
  // Work an inspector deferred to a later turn (setTimeout 0) is the app's time too.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const elapsed = performance.now() - start;
  await detach?.();
  await manager.dispose();
  return elapsed;
}

/** The inspector started and closed before the work: nothing is attached while it runs. */
const inspectorClosed: Attach = async (manager) => {
  const inspector = await startInspector(manager, { graphs: async () => [] });
  await inspector.close();
  return async () => {};
};

/** The inspector attached, nobody looking. */
const inspectorAlone: Attach = async (manager) => {
  const inspector = await startInspector(manager, { graphs: async () => [] });
  return () => inspector.close();
};

/**
 * A page in its own process, as a browser would be: it reads and parses every message and,
 * when told to stop, reports how much it read and how many entries it was told it missed.
 */
const pageScript = `
import WebSocket from 'ws';
const url = new URL(process.argv[1]);
const socket = new WebSocket('ws://' + url.host + '/ws?token=' + url.hash.slice(7), { origin: url.origin, maxPayload: 0 });
let bytes = 0, dropped = 0;
socket.on('message', (data) => {
  bytes += data.length;
  const message = JSON.parse(data.toString());
  if (message.type === 'hello') console.log('ready');
  if (message.type === 'batch') dropped = message.dropped;
});
socket.on('close', () => { console.log(JSON.stringify({ bytes, dropped })); process.exit(0); });
socket.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/** The inspector attached and a page, in another process, reading everything. */
const inspectorWithPage: Attach = async (manager) => {
  const inspector = await startInspector(manager, { graphs: async () => [] });
  const page = spawn(process.execPath, ['--input-type=module', '-e', pageScript, inspector.url], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  page.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => page.on('exit', resolve));
  for (let waited = 0; !out.includes('ready'); waited += 10) {
    if (waited > 30_000 || page.exitCode !== null)
      throw new Error(`the page did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return async () => {
    // Lets the last batch go out, then the close tells the page to report.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await inspector.close();
    if ((await exited) !== 0) throw new Error(`the page failed: ${out}`);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { bytes: number; dropped: number };
    pageBytes.push(report.bytes);
    pageDropped.push(report.dropped);
  };
};
const pageBytes: number[] = [];
const pageDropped: number[] = [];

/** @statelyai/inspect's WebSocket inspector on the manager's creation-time hook. */
async function timeStately(count: number): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let received = 0;
  const connected = new Promise<void>((resolve) =>
    server.on('connection', (socket) => {
      socket.on('message', () => received++);
      resolve();
    }),
  );
  const port = (server.address() as AddressInfo).port;
  const stately = createWebSocketInspector({ url: `ws://127.0.0.1:${port}` });
  let elapsed: number;
  try {
    // Timed once its socket is open, as ours is timed with its page connected.
    await connected;
    const inspect = (
      event: Parameters<NonNullable<NetworkConfigurationManagerOptions['inspect']>>[0],
    ) => stately.inspect.next?.(event);
    elapsed = await timeSessions(count, undefined, { inspect });
    for (let waited = 0; received === 0 && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    stately.stop();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (received === 0) throw new Error('@statelyai/inspect delivered nothing');
  return elapsed;
}

/**
 * 10,000 sessions opened and closed on the simulated world, interleaved round by round: with
 * no inspector; with ours started and closed again before the work (it must cost nothing);
 * attached with no page; attached with a page reading. Then @statelyai/inspect's WebSocket
 * inspector on the same work, once (research/inspector.md measured it at 6.2×).
 */
export async function inspectorOverhead(count = 10_000, rounds = 3): Promise<BenchLine[]> {
  const none: number[] = [];
  const detached: number[] = [];
  const alone: number[] = [];
  const withPage: number[] = [];
  const cases: Array<[number[], Attach | undefined]> = [
    [none, undefined],
    [detached, inspectorClosed],
    [alone, inspectorAlone],
    [withPage, inspectorWithPage],
  ];
  await timeSessions(count, undefined); // warm-up
  await timeSessions(count, inspectorWithPage);
  pageBytes.length = 0;
  pageDropped.length = 0;
  for (let i = 0; i < rounds; i++) {
    // Each round in another order, so no case always follows the same one.
    for (let j = 0; j < cases.length; j++) {
      const [times, attach] = cases[(i + j) % cases.length]!;
      times.push(await timeSessions(count, attach));
    }
  }
  const stately = await timeStately(count);
  const base = median(none);
  const megabytes = Math.round(median(pageBytes) / 1e5) / 10;
  return [
    line(
      `inspector closed before the work (nothing attached): ${count} sessions open+close vs no inspector`,
      median(detached),
      'ms',
      base,
    ),
    line(
      `inspector attached, no page: ${count} sessions open+close vs no inspector`,
      median(alone),
      'ms',
      base,
    ),
    line(
      `inspector with a page reading: ${count} sessions open+close (${megabytes} MB read, ${median(pageDropped)} entries dropped) vs no inspector`,
      median(withPage),
      'ms',
      base,
    ),
    line(
      `inspector comparison, @statelyai/inspect createWebSocketInspector: ${count} sessions open+close vs no inspector`,
      stately,
      'ms',
      base,
    ),
  ];
}
