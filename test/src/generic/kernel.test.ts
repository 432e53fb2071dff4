/**
 * The generic engine against a real kernel: it runs in a child process inside a network
 * namespace of its own, and the test drives veth links there with iproute2.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { ChildMessage, EngineProcess } from './engine-process.js';
import { useNamespacePairs } from './netns.js';

interface Configuration {
  readonly identifier: string;
  readonly name: string;
  readonly state: string;
  readonly bearerType: string;
  readonly virtual?: boolean;
  readonly interfaceName?: string | null;
}
interface Started {
  readonly list: Configuration[];
  readonly watching: string;
  readonly capabilities: string[];
}
interface Statistics {
  readonly bytesReceived: number;
  readonly bytesWritten: number;
}

const changedTo =
  (identifier: string, state: string) =>
  (event: ChildMessage): boolean => {
    const c = event.configuration as Configuration | undefined;
    return (
      event.event === 'configurationChanged' && c?.identifier === identifier && c.state === state
    );
  };

/** A process's state letter from /proc ('Z': zombie, as good as gone), or 'gone'. */
function processState(pid: number): string {
  try {
    return /^State:\s*(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 'gone';
  } catch {
    return 'gone';
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The child's active resources (process.getActiveResourcesInfo()) other than pipes: those are
 * its own stdio, active or not depending on how much it wrote, plus the monitor's stdout.
 */
async function resources(engine: EngineProcess): Promise<string[]> {
  const all = await engine.request<string[]>('resources');
  return all.filter((resource) => resource !== 'PipeWrap').sort();
}

/** The kernel turns a link's operstate up a moment after its carrier (linkwatch). */
async function untilState(engine: EngineProcess, started: Started, id: string, state: string) {
  if (started.list.find((c) => c.identifier === id)?.state === state) return;
  await engine.waitFor(`${id} ${state}`, changedTo(id, state));
}

/** The engine begins to watch on the turn after start() (core may say nobody listens first). */
async function untilWatching(engine: EngineProcess, kind: string): Promise<void> {
  await vi.waitFor(async () => expect(await engine.request('watching')).toBe(kind), {
    timeout: 3000,
    interval: 20,
  });
}

const ns = useNamespacePairs(`nbgk${process.pid}`);

describe('generic engine in a network namespace', () => {
  it('lists the links of its namespace, veths as virtual Ethernet, loopback not at all', async () => {
    await ns.inEngine('link', 'set', 'lo', 'up');
    await ns.veth('o;$(id)ü', 'nbp1');
    const engine = ns.engineChild();
    const started = await engine.request<Started>('start', { options: { watch: false } });
    expect(started.list.map((c) => c.identifier)).toEqual(['generic:nbv0', 'generic:o;$(id)ü']);
    expect(started.list[0]).toEqual({
      identifier: 'generic:nbv0',
      name: 'nbv0',
      type: 'InternetAccessPoint',
      state: 'Defined',
      bearerType: 'Ethernet',
      purpose: 'UnknownPurpose',
      interfaceName: 'nbv0',
      virtual: true,
    });
    expect(started.capabilities).toEqual(['DataStatistics']);
    expect(started.watching).toBe('none');
  });

  it('follows a link from Defined to Discovered to Active and back, then its removal', async () => {
    const engine = ns.engineChild();
    const started = await engine.request<Started>('start', { options: {} });
    await untilWatching(engine, 'monitor');
    expect(started.list.map((c) => [c.identifier, c.state])).toEqual([['generic:nbv0', 'Defined']]);

    await ns.inEngine('link', 'set', 'nbv0', 'up'); // no carrier while the peer is down
    await ns.inPeer('link', 'set', 'nbp0', 'up');
    await engine.waitFor('nbv0 Discovered', changedTo('generic:nbv0', 'Discovered'));
    await ns.inEngine('addr', 'add', '10.213.0.1/24', 'dev', 'nbv0');
    await engine.waitFor('nbv0 Active', changedTo('generic:nbv0', 'Active'));
    // Its IPv6 link-local address stays: that alone does not make it Active.
    await ns.inEngine('addr', 'del', '10.213.0.1/24', 'dev', 'nbv0');
    await engine.waitFor('nbv0 Discovered again', changedTo('generic:nbv0', 'Discovered'));
    await ns.inPeer('link', 'set', 'nbp0', 'down');
    await engine.waitFor('nbv0 Defined (carrier lost)', changedTo('generic:nbv0', 'Defined'));

    await ns.veth('nbv1', 'nbp1');
    const added = await engine.waitFor('nbv1 added', (e) => e.event === 'configurationAdded');
    expect(added.configuration).toMatchObject({ identifier: 'generic:nbv1', state: 'Defined' });
    await ns.inEngine('link', 'del', 'nbv0');
    const removed = await engine.waitFor('nbv0 removed', (e) => e.event === 'configurationRemoved');
    expect(removed.identifier).toBe('generic:nbv0');
    const summary = engine.events.map((e) => {
      const c = e.configuration as Configuration | undefined;
      return [e.event, c?.identifier ?? e.identifier, c?.state];
    });
    expect(summary).toEqual([
      ['configurationChanged', 'generic:nbv0', 'Discovered'],
      ['configurationChanged', 'generic:nbv0', 'Active'],
      ['configurationChanged', 'generic:nbv0', 'Discovered'],
      ['configurationChanged', 'generic:nbv0', 'Defined'],
      ['configurationAdded', 'generic:nbv1', 'Defined'],
      ['configurationRemoved', 'generic:nbv0', undefined],
    ]);
  });

  it('counts the bytes that cross the link', async () => {
    await ns.activeLink('10.213.1');
    const engine = ns.engineChild();
    await engine.request('start', { options: { watch: false } });
    const before = await engine.request<Statistics>('statistics', { identifier: 'generic:nbv0' });
    const send = `const s = require('dgram').createSocket('udp4'); let n = 0;
      const next = () => n++ < 20 ? s.send(Buffer.alloc(1000), 9, '10.213.1.2', next) : s.close();
      next();`;
    await ns.execInEngine(process.execPath, ['-e', send]);
    const after = await engine.request<Statistics>('statistics', { identifier: 'generic:nbv0' });
    expect(after.bytesWritten - before.bytesWritten).toBeGreaterThanOrEqual(20 * 1000);
    // At least the ARP reply (and ICMP port-unreachable) came back.
    expect(after.bytesReceived).toBeGreaterThan(before.bytesReceived);
    expect(await engine.request('statistics', { identifier: 'generic:nowhere' })).toBeNull();
  });

  it('with watch: false runs nothing while idle and reports changes on requestUpdate', async () => {
    const engine = ns.engineChild();
    expect(await resources(engine)).toEqual([]);
    await engine.request('start', { options: { watch: false } });
    await pause(50); // let the last file handles of the first reading close
    expect(await resources(engine)).toEqual([]);

    await ns.inEngine('link', 'set', 'nbv0', 'up');
    await ns.inPeer('link', 'set', 'nbp0', 'up');
    await pause(300);
    expect(engine.events).toEqual([]);
    await engine.request('update');
    expect(engine.events.map((e) => (e.configuration as Configuration).state)).toEqual([
      'Discovered',
    ]);
    await engine.request('dispose');
    engine.endInput();
    expect(await engine.exited).toEqual({ code: 0, signal: null });
  });

  it('while watching idles on one ip process and no timer, and lets the process exit', async () => {
    const engine = ns.engineChild();
    expect(await resources(engine)).toEqual([]);
    await engine.request('start', { options: {} });
    await pause(400); // past the settling reading
    expect(await resources(engine)).toEqual(['ProcessWrap']);

    await ns.inEngine('link', 'set', 'nbv0', 'up');
    await ns.inPeer('link', 'set', 'nbp0', 'up');
    await engine.waitFor('nbv0 Discovered', changedTo('generic:nbv0', 'Discovered'));
    await pause(150);
    expect(await resources(engine)).toEqual(['ProcessWrap']);

    await engine.request('dispose');
    expect(await engine.request<string>('watching')).toBe('none');
    await pause(50); // a process handle closes on a later turn of the event loop
    expect(await resources(engine)).toEqual([]);
    engine.endInput();
    expect(await engine.exited).toEqual({ code: 0, signal: null });
  });

  it('runs no ip while nobody listens, one while someone does, and answers reads meanwhile', async () => {
    await ns.activeLink('10.213.3');
    const engine = ns.engineChild();
    await engine.request('start', { options: {}, listened: false });
    await pause(400);
    expect(await engine.request('children')).toEqual([]);
    expect(await resources(engine)).toEqual([]);
    expect(await engine.request('watching')).toBe('none');

    // Read while nobody listens: the routing table at the call, the rest on a reading it starts.
    await ns.inEngine('route', 'add', 'default', 'via', '10.213.3.2', 'dev', 'nbv0');
    expect(await engine.request('defaultConfiguration')).toBe('generic:nbv0');
    await engine.waitFor('nbv0 no longer virtual', (e) => {
      const c = e.configuration as Configuration | undefined;
      return e.event === 'configurationChanged' && c?.identifier === 'generic:nbv0' && !c.virtual;
    });

    await engine.request('watch', { active: true });
    await untilWatching(engine, 'monitor');
    const children = await engine.request<{ pid: number; command: string[] }[]>('children');
    expect(children.map((c) => c.command)).toEqual([
      ['ip', '-o', 'monitor', 'link', 'address', 'route'],
    ]);
    await ns.inPeer('link', 'set', 'nbp0', 'down');
    await engine.waitFor('nbv0 Defined (carrier lost)', changedTo('generic:nbv0', 'Defined'));

    await engine.request('watch', { active: false });
    expect(await engine.request('watching')).toBe('none');
    await vi.waitFor(() => expect(processState(children[0]!.pid)).toMatch(/^(gone|Z)$/), {
      timeout: 3000,
    });
    await pause(50); // a process handle closes on a later turn of the event loop
    expect(await resources(engine)).toEqual([]);
    engine.endInput();
    expect(await engine.exited).toEqual({ code: 0, signal: null });
  });

  it('takes its ip monitor along when the process exits without dispose', async () => {
    const engine = ns.engineChild();
    await engine.request('start', { options: {} });
    await untilWatching(engine, 'monitor');
    const children = await engine.request<{ pid: number; command: string[] }[]>('children');
    expect(children.map((c) => c.command)).toEqual([
      ['ip', '-o', 'monitor', 'link', 'address', 'route'],
    ]);
    const monitor = children[0]!.pid;
    await engine.request('exit');
    expect(await engine.exited).toEqual({ code: 0, signal: null });
    await vi.waitFor(() => expect(processState(monitor)).toMatch(/^(gone|Z)$/), { timeout: 3000 });
  });

  it('polls with back-off where ip cannot be run', async () => {
    const engine = ns.engineChild();
    const options = { ipCommand: '/nonexistent/ip', pollIntervalMs: { min: 100, max: 400 } };
    await engine.request<Started>('start', { options });
    await untilWatching(engine, 'poll');
    const polling = await resources(engine);
    expect(polling).toContain('Timeout');
    expect(polling).not.toContain('ProcessWrap');
    await ns.inEngine('link', 'set', 'nbv0', 'up');
    await ns.inPeer('link', 'set', 'nbp0', 'up');
    await engine.waitFor('nbv0 Discovered', changedTo('generic:nbv0', 'Discovered'), 3000);
  });

  it('takes the link with the default route as the default, and as no side network', async () => {
    await ns.activeLink('10.213.2');
    const engine = ns.engineChild();
    const started = await engine.request<Started>('start', { options: {} });
    await untilState(engine, started, 'generic:nbv0', 'Active');
    expect(started.list[0]?.virtual).toBe(true);
    expect(await engine.request('defaultConfiguration')).toBeNull();

    await ns.inEngine('route', 'add', 'default', 'via', '10.213.2.2', 'dev', 'nbv0');
    const changed = await engine.waitFor(
      'nbv0 no longer virtual',
      (e) => e.event === 'configurationChanged',
    );
    expect(changed.configuration).toMatchObject({ identifier: 'generic:nbv0', virtual: false });
    expect(await engine.request('defaultConfiguration')).toBe('generic:nbv0');
  });
});
