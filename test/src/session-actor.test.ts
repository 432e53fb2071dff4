/**
 * `session.actor` is a read-only view of the session's XState actor: an application can
 * watch it (snapshots, emitted events, inspection) but cannot send it events, start or stop
 * it, and so cannot put the session out of step with the links the manager runs.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkSession, type SessionActorView } from '@netbearer/core';
import { sessionStateOf } from '@netbearer/machines';
import { describe, expect, it, vi } from 'vitest';
import { advance } from './support/drain.js';
import { configurationOf, useManagers } from './support/qt-rig.js';

const managers = useManagers();

async function setUp() {
  vi.useFakeTimers();
  const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50 });
  world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
  const manager = await managers(world);
  const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
  return { world, manager, session };
}

describe('session.actor, the read-only view', () => {
  it('has no send, start or stop at run time, and cannot be changed', async () => {
    const { session } = await setUp();
    const actor = session.actor as unknown as Record<string, unknown>;
    for (const name of ['send', 'start', 'stop', 'system', 'ref', '_parent', 'logic']) {
      expect(name in actor, name).toBe(false);
      expect(actor[name], name).toBeUndefined();
    }
    expect(Object.isFrozen(actor)).toBe(true);
    expect(() => {
      actor.send = () => {};
    }).toThrow(TypeError);
    expect(session.actor).toBe(session.actor);
  });

  it('no route through it leads to a writable actor', async () => {
    const { session } = await setUp();
    const reached = new Set<unknown>();
    const visit = (value: unknown, depth: number) => {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
      if (reached.has(value) || depth > 4) return;
      reached.add(value);
      const candidate = value as Record<string, unknown>;
      expect(
        typeof candidate.send === 'function' && typeof candidate.getSnapshot === 'function',
      ).toBe(false);
      for (const key of Object.keys(candidate)) visit(candidate[key], depth + 1);
    };
    visit(session.actor, 0);
    visit(session.actor.getSnapshot(), 0);
    const subscription = session.actor.subscribe(() => {});
    visit(subscription, 0);
    subscription.unsubscribe();
  });

  it('getSnapshot reads the live state; subscribe sees every state change', async () => {
    const { session } = await setUp();
    expect(session.actor.getSnapshot().value).toBe(session.state());
    // subscribe hears every snapshot; a state change is a snapshot whose value differs.
    const seen: string[] = [];
    const subscription = session.actor.subscribe(({ value }) => {
      const state = sessionStateOf(value);
      if (seen.at(-1) !== state) seen.push(state);
    });
    session.open();
    await advance(300);
    expect(session.actor.getSnapshot().value).toBe('Connected');
    expect(session.actor.getSnapshot().context.isOpen).toBe(true);
    subscription.unsubscribe();
    session.close();
    await advance(100);
    expect(seen).toEqual(['Connecting', 'Connected']);
  });

  it('subscribe with an observer hears completion when the session is disposed', async () => {
    const { session } = await setUp();
    let completed = false;
    session.actor.subscribe({ complete: () => (completed = true) });
    session.dispose();
    expect(completed).toBe(true);
  });

  it('on hears what the machine emits', async () => {
    const { session } = await setUp();
    const emitted: string[] = [];
    session.actor.on('*', (event) => emitted.push(event.type));
    const opened = vi.fn();
    session.actor.on('opened', opened);
    session.open();
    await advance(300);
    expect(emitted).toEqual(['opened']);
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('inspect sees the events the session receives, with the view, never the actor, as actorRef', async () => {
    const { session } = await setUp();
    const received: string[] = [];
    const refs = new Set<unknown>();
    const subscription = session.actor.inspect((event) => {
      refs.add(event.actorRef);
      if (event.type === '@xstate.event') received.push(event.event.type);
    });
    session.open();
    await advance(300);
    subscription.unsubscribe();
    session.close();
    await advance(100);
    expect(received).toEqual(['OPEN', 'LINK_STARTING', 'LINK_UP']);
    expect([...refs]).toEqual([session.actor]);
  });

  it('ids match the actor the manager inspects', async () => {
    vi.useFakeTimers();
    const world = new SimulatedWorld();
    world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi' });
    const sessionIds = new Set<string>();
    const manager = await managers(world, 'simulated', {
      inspect: (event) => {
        if (event.type !== '@xstate.snapshot') return;
        const snapshot = event.snapshot as { machine?: { id?: string } };
        if (snapshot.machine?.id === 'session') sessionIds.add(event.actorRef.sessionId);
      },
    });
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    expect(sessionIds.has(session.actor.sessionId)).toBe(true);
    expect(typeof session.actor.id).toBe('string');
  });

  it('the type has no send, start or stop either', () => {
    // Checked by the compiler (tsc -b): each line must be an error.
    const typeOnly = (actor: SessionActorView) => {
      // @ts-expect-error the view cannot send
      actor.send({ type: 'LINK_UP' });
      // @ts-expect-error the view cannot start
      actor.start();
      // @ts-expect-error the view cannot stop
      actor.stop();
      // @ts-expect-error the view cannot be written
      actor.getSnapshot = () => undefined;
    };
    expect(typeof typeOnly).toBe('function');
  });
});
