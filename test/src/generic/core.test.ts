/**
 * The generic engine behind core's public API (NetworkConfigurationManager, NetworkSession),
 * in a child process inside its own network namespace.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChildMessage, EngineProcess } from './engine-process.js';
import { useNamespacePairs } from './netns.js';

interface Described {
  readonly identifier: string;
  readonly state: string;
  readonly isVirtual: boolean;
}
interface Overview {
  readonly all: Described[];
  readonly isOnline: boolean;
  readonly defaultConfiguration: string;
}
interface SessionView {
  readonly opened?: boolean;
  readonly state: string;
  readonly isOpen: boolean;
  readonly error: string;
  readonly interface: string | null;
  readonly bytesReceived: number;
}

const event =
  (name: string, check: (e: ChildMessage) => boolean = () => true) =>
  (e: ChildMessage) =>
    e.event === name && check(e);

const ns = useNamespacePairs(`nbgc${process.pid}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let child: EngineProcess | undefined;

beforeEach(async () => {
  await ns.veth('nbv1', 'nbp1');
  await ns.activeLink('10.214.0');
  child = ns.engineChild();
});

/** The manager over a fresh engine, once nbv0 is Active (operstate follows carrier late). */
async function managerWithActiveLink(engine: EngineProcess): Promise<Overview> {
  let overview = await engine.request<Overview>('manager', { options: {} });
  if (overview.all.find((c) => c.identifier === 'generic:nbv0')?.state !== 'Active') {
    await engine.waitFor(
      'nbv0 Active',
      event(
        'manager.configurationChanged',
        (e) => (e.configuration as Described).state === 'Active',
      ),
    );
    overview = await engine.request<Overview>('configurations');
  }
  return overview;
}

describe('generic engine through core', () => {
  it('lists configurations, and is online only through a link that is not a side network', async () => {
    const engine = child!;
    const overview = await managerWithActiveLink(engine);
    expect(overview.all.map((c) => [c.identifier, c.state, c.isVirtual])).toEqual([
      ['generic:nbv0', 'Active', true],
      ['generic:nbv1', 'Defined', true],
    ]);
    expect(overview.isOnline).toBe(false);

    await ns.inEngine('route', 'add', 'default', 'via', '10.214.0.2');
    await engine.waitFor(
      'online',
      event('manager.onlineStateChanged', (e) => e.online === true),
    );
    const online = await engine.request<Overview>('configurations');
    expect(online.isOnline).toBe(true);
    expect(online.defaultConfiguration).toBe('generic:nbv0');
  });

  it('runs no ip monitor while nobody listens to the manager, one once someone does', async () => {
    const engine = child!;
    await engine.request('manager', { options: {}, listen: false });
    await pause(400);
    expect(await engine.request('children')).toEqual([]);
    expect(await engine.request('watching')).toBe('none');
    await engine.request('listen');
    await vi.waitFor(async () => expect(await engine.request('watching')).toBe('monitor'), {
      timeout: 3000,
      interval: 20,
    });
    const children = await engine.request<{ command: string[] }[]>('children');
    expect(children.map((c) => c.command)).toEqual([
      ['ip', '-o', 'monitor', 'link', 'address', 'route'],
    ]);
    await engine.request('disposeManager');
    engine.endInput();
    expect(await engine.exited).toEqual({ code: 0, signal: null });
  });

  it('opens a session on an Active link, refuses a Defined one, cannot stop, aborts on link loss', async () => {
    const engine = child!;
    await managerWithActiveLink(engine);

    const a = await engine.request<SessionView>('open', { identifier: 'generic:nbv0', name: 'a' });
    expect(a).toMatchObject({ opened: true, state: 'Connected', isOpen: true, interface: 'nbv0' });
    expect(a.bytesReceived).toBeGreaterThanOrEqual(0);

    const b = await engine.request<SessionView>('open', { identifier: 'generic:nbv1', name: 'b' });
    expect(b).toMatchObject({
      opened: false,
      state: 'NotAvailable',
      error: 'InvalidConfigurationError',
    });

    await engine.request('stop', { name: 'a' });
    await engine.waitFor(
      'stop refused',
      event('session.error', (e) => e.name === 'a' && e.error === 'OperationNotSupportedError'),
    );
    // Whether core passes through Closing on the way is core's business; it must end Connected.
    await vi.waitFor(
      async () => {
        const view = await engine.request<SessionView>('session', { name: 'a' });
        expect(view).toMatchObject({ state: 'Connected', isOpen: true });
      },
      { timeout: 2000, interval: 50 },
    );

    await ns.inPeer('link', 'set', 'nbp0', 'down');
    await engine.waitFor(
      'closed',
      event('session.closed', (e) => e.name === 'a'),
    );
    await engine.waitFor(
      'aborted',
      event('session.error', (e) => e.name === 'a' && e.error === 'SessionAbortedError'),
    );
    const after = await engine.request<SessionView>('session', { name: 'a' });
    expect(after).toMatchObject({ isOpen: false, interface: null });

    await engine.request('disposeManager');
    engine.endInput();
    expect(await engine.exited).toEqual({ code: 0, signal: null });
  });
});
