/**
 * `manager.inspect(observer)`: attaches to a running manager, hears every session and link
 * machine (existing and future) and the engines, lists sessions and links, hands out only
 * read-only views, survives a throwing observer, and installs nothing while nobody watches.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { type ManagerInspectionEvent, NetworkSession } from '@netbearer/core';
import { hostOf } from '@netbearer/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { advance } from './support/drain.js';
import { configurationOf, useManagers } from './support/qt-rig.js';

const managers = useManagers();

async function setUp() {
  vi.useFakeTimers();
  const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50 });
  world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
  world.addAccessPoint({ name: 'lan', identifier: 'sim:lan', bearerType: 'Ethernet' });
  world.addAccessPoint({ name: 'home', identifier: 'sim:home', active: true });
  const manager = await managers(world);
  return { world, manager };
}

/** What the observer heard, in a form the assertions read easily. */
function describe_(event: ManagerInspectionEvent): string {
  if (event.type === 'engine') {
    const e = event.event;
    if (e.type === 'linkStatus') return `engine:linkStatus:${e.configurationId}:${e.status}`;
    if (e.type === 'configurationChanged' || e.type === 'configurationAdded')
      return `engine:${e.type}:${e.configuration.identifier}:${e.configuration.state}`;
    if (e.type === 'preferredConfiguration') return `engine:preferred:${e.from}>${e.to}`;
    return `engine:${e.type}`;
  }
  const i = event.inspection;
  const what = i.type === '@xstate.event' ? `${i.type}:${i.event.type}` : i.type;
  return `${event.type}:${what}`;
}

describe('manager.inspect', () => {
  it('attaches to a running manager: existing and new sessions, their links, the engine', async () => {
    const { world, manager } = await setUp();
    const before = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    before.open();
    await advance(300);
    expect(before.state()).toBe('Connected');

    const heard: ManagerInspectionEvent[] = [];
    const inspection = manager.inspect((event) => heard.push(event));
    before.close();
    const after = new NetworkSession(configurationOf(manager, 'sim:lan'));
    after.open();
    world.offerBetter('sim:lan', 'sim:wifi', false);
    await advance(300);
    const seen = heard.map(describe_);
    // The session that was there before: its CLOSE and its link going down.
    expect(heard.some((e) => e.type === 'session' && e.sessionId === before.actor.sessionId)).toBe(
      true,
    );
    expect(seen).toContain('session:@xstate.event:CLOSE');
    expect(seen).toContain('engine:linkStatus:sim:wifi:Down');
    // The new session from its creation on, and the link it brought up.
    const first = heard.find((e) => e.type === 'session' && e.sessionId === after.actor.sessionId);
    expect(first?.type === 'session' && first.inspection.type).toBe('@xstate.actor');
    expect(seen).toContain('engine:linkStatus:sim:lan:Up');
    expect(seen).toContain('link:@xstate.event:ACQUIRE');
    expect(seen).toContain('engine:configurationChanged:sim:lan:Active');
    expect(seen).toContain('engine:preferred:sim:lan>sim:wifi');
    inspection.unsubscribe();
  });

  it('lists sessions and links: state, links held, owned or joined, holders', async () => {
    const { manager } = await setUp();
    const owned = [0, 1].map(() => new NetworkSession(configurationOf(manager, 'sim:wifi')));
    const joined = new NetworkSession(configurationOf(manager, 'sim:home'));
    const idle = new NetworkSession(configurationOf(manager, 'sim:lan'));
    for (const s of [...owned, joined]) s.open();
    await advance(300);
    const inspection = manager.inspect(() => {});
    const sessions = new Map(inspection.sessions().map((s) => [s.id, s]));
    const links = new Map(inspection.links().map((l) => [l.configurationId, l]));
    const wifi = links.get('sim:wifi');
    const home = links.get('sim:home');
    expect(wifi).toMatchObject({
      status: 'Up',
      ownership: 'owned',
      holders: 2,
      engine: 'simulated',
    });
    expect(new Set(wifi?.heldBy)).toEqual(new Set(owned.map((s) => s.actor.sessionId)));
    expect(home).toMatchObject({ status: 'Up', ownership: 'joined', holders: 1 });
    expect(links.get('sim:lan')).toMatchObject({ ownership: undefined, holders: 0, heldBy: [] });
    expect(sessions.get(owned[0]!.actor.sessionId)).toMatchObject({
      configurationId: 'sim:wifi',
      configurationName: 'wifi',
      state: 'Connected',
      isOpen: true,
      activeLink: wifi?.id,
      holds: [wifi?.id],
    });
    expect(sessions.get(idle.actor.sessionId)).toMatchObject({
      state: 'Disconnected',
      isOpen: false,
      holds: [],
    });
    expect(sessions.get(joined.actor.sessionId)?.actor.getSnapshot().value).toBe('Connected');
    inspection.unsubscribe();
  });

  it('hands out read-only views of the actors, never the actors', async () => {
    const { manager } = await setUp();
    const refs = new Set<object>();
    const inspection = manager.inspect((event) => {
      if (event.type !== 'engine') refs.add(event.inspection.actorRef);
    });
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    session.open();
    await advance(300);
    // A session's events show the session's own view: the same object as `session.actor`.
    expect(refs.has(session.actor)).toBe(true);
    for (const view of [
      ...refs,
      ...inspection.sessions().map((s) => s.actor),
      ...inspection.links().map((l) => l.actor),
    ]) {
      for (const name of ['send', 'start', 'stop', 'system', 'logic', '_parent']) {
        expect(name in view, name).toBe(false);
      }
      expect(Object.isFrozen(view)).toBe(true);
    }
    // The session and its link. (XState reports an actor's creation before the session has
    // its view, so that one event shows a view of its own.)
    expect(new Set([...refs].map((r) => (r as { sessionId: string }).sessionId)).size).toBe(2);
    inspection.unsubscribe();
  });

  it('a throwing observer never breaks the application, nor the other observers', async () => {
    const { manager } = await setUp();
    const heard: string[] = [];
    const bad = manager.inspect(() => {
      throw new Error('inspector bug');
    });
    const good = manager.inspect({ next: (event) => heard.push(describe_(event)) });
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    expect(() => session.open()).not.toThrow();
    await advance(300);
    expect(session.state()).toBe('Connected');
    expect(heard).toContain('session:@xstate.event:OPEN');
    bad.unsubscribe();
    good.unsubscribe();
  });

  it('installs nothing while nobody watches, and hears nothing after unsubscribe', async () => {
    const { manager } = await setUp();
    const host = hostOf(manager);
    expect(host.inspect).toBeUndefined();
    const heard: ManagerInspectionEvent[] = [];
    const inspection = manager.inspect((event) => heard.push(event));
    expect(host.inspect).toBeTypeOf('function');
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    inspection.unsubscribe();
    inspection.unsubscribe();
    expect(host.inspect).toBeUndefined();
    const count = heard.length;
    expect(count).toBeGreaterThan(0);
    session.open();
    new NetworkSession(configurationOf(manager, 'sim:lan')).open();
    await advance(300);
    expect(heard.length).toBe(count);
    expect(() => inspection.sessions()).not.toThrow();
  });

  it('an existing actor is followed once per attachment, however often one attaches', async () => {
    const { manager } = await setUp();
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    for (let round = 0; round < 3; round++) {
      const opens: string[] = [];
      const a = manager.inspect((e) => opens.push(describe_(e)));
      const b = manager.inspect(() => {});
      session.open();
      session.close();
      await advance(300);
      expect(opens.filter((e) => e === 'session:@xstate.event:OPEN')).toHaveLength(1);
      a.unsubscribe();
      b.unsubscribe();
    }
  });

  it('the creation-time inspect option still hears raw events beside the observers', async () => {
    vi.useFakeTimers();
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi' });
    let raw = 0;
    const manager = await managers(world, 'simulated', { inspect: () => raw++ });
    const heard: ManagerInspectionEvent[] = [];
    const inspection = manager.inspect((event) => heard.push(event));
    new NetworkSession(configurationOf(manager, 'sim:wifi')).open();
    await advance(300);
    const sessionEvents = heard.filter((e) => e.type === 'session');
    expect(sessionEvents.filter((e) => e.inspection.type === '@xstate.actor')).toHaveLength(1);
    expect(raw).toBeGreaterThan(sessionEvents.length);
    inspection.unsubscribe();
  });

  it('refuses to attach to a disposed manager', async () => {
    const { manager } = await setUp();
    await manager.dispose();
    expect(() => manager.inspect(() => {})).toThrow(/disposed/);
  });
});
