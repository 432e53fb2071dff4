/**
 * The inspector's server over real sockets: the page's files, the hello and the batches a
 * page gets, control, the exports, a slow page, and a process that exits after close().
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NetworkSession } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import type { InspectorTrace, ServerMessage, SessionInfo, TimelineEntry } from './protocol.js';
import type { StatelyMessage } from './stately.js';
import { get, message, openSocket, useInspectors } from './testing/clients.js';

const start = useInspectors();

type Batch = Extract<ServerMessage, { type: 'batch' }>;
const isBatch = (m: ServerMessage): m is Batch => m.type === 'batch';

function opened(result: Awaited<ReturnType<typeof openSocket>>) {
  if (result.refused) throw new Error(`socket refused with ${result.status}`);
  return result;
}

/** The state values one session went through, as entries tell them (repeats folded). */
function statesIn(entries: readonly TimelineEntry[], sessionId: string): unknown[] {
  const values = entries
    .filter((e): e is Extract<TimelineEntry, { kind: 'event' }> => e.kind === 'event')
    .filter((e) => e.actorId === sessionId)
    .map((e) => e.value);
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

function valuesOf(messages: ServerMessage[], sessionId: string): unknown[] {
  return statesIn(
    messages.filter(isBatch).flatMap((b) => b.entries),
    sessionId,
  );
}

async function waitFor<T>(read: () => T | undefined, what: string, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startInspector', () => {
  it('serves the page from 127.0.0.1 with its MIME types and a strict CSP', async () => {
    const s = await start();
    expect(s.inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{32}$/);
    const page = await get(s.inspector.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${s.inspector.port}`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = page.body.match(/src="([^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const js = await get(s.inspector.port, `/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('greets a page with the sessions and links, then sends what happens in batches', async () => {
    const s = await start();
    const before = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    const page = opened(await openSocket(s));
    expect(page.hello).toMatchObject({ type: 'hello', version: 1, control: false, graphs: [] });
    const hello = page.hello as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.sessions.map((x: SessionInfo) => x.id)).toEqual([before.actor.sessionId]);
    expect(hello.sessions[0]).toMatchObject({ configurationId: 'sim:wifi', state: 'Disconnected' });

    const started = Date.now();
    before.open();
    await before.waitForOpened(2_000);
    const connected = await waitFor(
      () =>
        valuesOf(page.messages, before.actor.sessionId).includes('Connected') ? true : undefined,
      'Connected on the page',
    );
    expect(connected).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(valuesOf(page.messages, before.actor.sessionId)).toEqual(['Connecting', 'Connected']);
    const batches = page.messages.filter(isBatch);
    const info = batches.flatMap((b) => b.sessions).at(-1);
    expect(info).toMatchObject({ id: before.actor.sessionId, state: 'Connected', isOpen: true });
    const link = batches.flatMap((b) => b.links).at(-1);
    expect(link).toMatchObject({ configurationId: 'sim:wifi', status: 'Up', ownership: 'owned' });
    expect(link?.holders).toEqual([before.actor.sessionId]);
    const engine = batches.flatMap((b) => b.entries).filter((e) => e.kind === 'engine');
    expect(engine.map((e) => (e.event as { type: string }).type)).toContain('linkStatus');
    const taken = batches
      .flatMap((b) => b.entries)
      .find((e) => e.kind === 'event' && e.actorId === before.actor.sessionId);
    expect(taken?.kind === 'event' && taken.taken).toEqual(['Disconnected:OPEN:0']);
    // Many events, few messages: batched.
    expect(batches.length).toBeLessThan(batches.flatMap((b) => b.entries).length);
  });

  it('logs what a machine emits after the event that made it emit', async () => {
    const s = await start();
    const session = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    const page = opened(await openSocket(s));
    session.open();
    await session.waitForOpened(2_000);
    const id = session.actor.sessionId;
    const mine = () =>
      page.messages
        .filter(isBatch)
        .flatMap((b) => b.entries)
        .filter((e) => e.kind !== 'engine' && e.actorId === id);
    const entries = await waitFor(
      () => (mine().some((e) => e.kind === 'emitted') ? mine() : undefined),
      'the opened emission',
    );
    const openedAt = entries.findIndex(
      (e) => e.kind === 'emitted' && (e.emitted as { type?: string }).type === 'opened',
    );
    const cause = entries.findIndex((e) => e.kind === 'event' && e.value === 'Connected');
    expect(cause).toBeGreaterThanOrEqual(0);
    expect(openedAt).toBeGreaterThan(cause);
    const seqs = entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('with control, a page opens and closes sessions through their public methods', async () => {
    const s = await start({ control: true });
    const session = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    const page = opened(await openSocket(s));
    expect(page.hello).toMatchObject({ control: true });
    const result = (id: string) =>
      message(
        page,
        (m): m is Extract<ServerMessage, { type: 'controlResult' }> =>
          m.type === 'controlResult' && m.requestId === id,
      );
    page.socket.send(
      JSON.stringify({
        type: 'control',
        requestId: 'r1',
        sessionId: session.actor.sessionId,
        method: 'open',
      }),
    );
    expect(await result('r1')).toMatchObject({ ok: true });
    expect(await session.waitForOpened(2_000)).toBe(true);
    page.socket.send(
      JSON.stringify({
        type: 'control',
        requestId: 'r2',
        configurationId: 'sim:lan',
        method: 'open',
      }),
    );
    expect(await result('r2')).toMatchObject({ ok: true });
    await waitFor(() => (s.world.state('sim:lan') === 'Active' ? true : undefined), 'lan up');
    page.socket.send(
      JSON.stringify({ type: 'control', requestId: 'r3', sessionId: 'no-such', method: 'close' }),
    );
    expect(await result('r3')).toMatchObject({ ok: false, error: 'No session no-such.' });
    page.socket.send(
      JSON.stringify({
        type: 'control',
        requestId: 'r4',
        configurationId: 'sim:nothing',
        method: 'open',
      }),
    );
    expect(await result('r4')).toMatchObject({ ok: false });
  });

  it('exports the recorded run as a trace and as Stately inspection messages', async () => {
    const s = await start();
    const session = new NetworkSession(s.manager.configurationFromIdentifier('sim:wifi'));
    session.open();
    await session.waitForOpened(2_000);
    const answer = await get(s.inspector.port, `/trace.json?token=${s.token}`);
    expect(answer.status).toBe(200);
    const trace = JSON.parse(answer.body) as InspectorTrace;
    expect(trace).toMatchObject({ format: 'netbearer-inspector-trace', version: 1 });
    expect(trace.sessions.map((x) => x.id)).toContain(session.actor.sessionId);
    expect(statesIn(trace.entries, session.actor.sessionId)).toEqual([
      'Invalid',
      'Disconnected',
      'Connecting',
      'Connected',
    ]);
    const emitted = trace.entries.flatMap((e) =>
      e.kind === 'emitted' && e.actorId === session.actor.sessionId ? [e.emitted] : [],
    );
    expect(emitted).toContainEqual(expect.objectContaining({ type: 'opened' }));
    const stately = JSON.parse(
      (await get(s.inspector.port, `/stately.json?token=${s.token}`)).body,
    ) as StatelyMessage[];
    const mine = stately.filter((m) => m.sessionId === session.actor.sessionId);
    expect(mine[0]?.type).toBe('@xstate.actor');
    expect(mine.filter((m) => m.type === '@xstate.actor')).toHaveLength(1);
    const events = mine.filter((m) => m.type === '@xstate.event');
    expect(events.length).toBeGreaterThan(2);
    expect(mine.filter((m) => m.type === '@xstate.snapshot')).toHaveLength(events.length);
    const open = mine.findIndex(
      (m) => m.type === '@xstate.event' && (m.event as { type: string }).type === 'OPEN',
    );
    expect(mine[open + 1]).toMatchObject({
      type: '@xstate.snapshot',
      snapshot: { value: 'Connecting', status: 'active' },
      event: { type: 'OPEN' },
    });
    for (const m of stately) expect(typeof m._version).toBe('string');
  });

  it('close() lets the process exit', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/m);
    expect(exit, out).toBe(0);
  });
});

/** Runs the built package (tsc -b precedes the tests): start, connect a page, close. */
const childScript = `
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { startInspector } from '@netbearer/inspector';
import WebSocket from 'ws';
const world = new SimulatedWorld();
world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi' });
const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
const inspector = await startInspector(manager, { graphs: async () => [] });
console.log(inspector.url);
const url = new URL(inspector.url);
const socket = new WebSocket('ws://' + url.host + '/ws?token=' + url.hash.slice(7), { origin: url.origin });
await new Promise((resolve, reject) => { socket.once('message', resolve); socket.once('error', reject); });
new NetworkSession(manager.configurationFromIdentifier('sim:wifi')).open();
await new Promise((r) => setTimeout(r, 100));
await inspector.close();
await manager.dispose();
`;
