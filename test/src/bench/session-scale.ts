import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { type SessionEvent, sessionMachine } from '@netbearer/machines';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import { type BenchLine, heapUsed, line, median } from './measure.js';

/** Resolves once `count` events have been counted; fails rather than hanging. */
function counter(count: number, what: string) {
  let seen = 0;
  let done: () => void = () => {};
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`benchmark stuck waiting for ${what}`)),
      60_000,
    ).unref();
    done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  // A scenario that never waits for this count (the heap line only opens) must not crash
  // the run a minute later; one that waits still gets the rejection.
  reached.catch(() => {});
  return {
    reached,
    count: () => {
      if (++seen === count) done();
    },
  };
}

interface Scenario {
  manager: NetworkConfigurationManager;
  world: SimulatedWorld;
  a: string;
  b: string;
  sessions: NetworkSession[];
  opened: ReturnType<typeof counter>;
  roamed: ReturnType<typeof counter>;
  closed: ReturnType<typeof counter>;
}

async function setUp(count: number, inspect?: (e: InspectionEvent) => void): Promise<Scenario> {
  const world = new SimulatedWorld();
  const a = world.addAccessPoint({ name: 'a', interfaceName: 'wlan0' });
  const b = world.addAccessPoint({ name: 'b', interfaceName: 'eth0', bearerType: 'Ethernet' });
  const manager = await NetworkConfigurationManager.create({
    engines: [world.engine()],
    ...(inspect ? { inspect } : {}),
  });
  const config = manager.configurationFromIdentifier(a);
  const opened = counter(count, 'every session to open');
  const roamed = counter(count, 'every session to roam');
  const closed = counter(count, 'every session to close');
  const sessions: NetworkSession[] = [];
  for (let i = 0; i < count; i++) {
    const s = new NetworkSession(config);
    s.on('opened', opened.count);
    s.on('preferredConfigurationChanged', () => s.migrate());
    s.on('newConfigurationActivated', () => {
      s.accept();
      roamed.count();
    });
    s.on('closed', closed.count);
    sessions.push(s);
  }
  return { manager, world, a, b, sessions, opened, roamed, closed };
}

/** Open all, roam all (migrate, accept), close all: what a real process would do. */
async function runScenario(scenario: Scenario): Promise<void> {
  const { world, a, b, sessions } = scenario;
  for (const s of sessions) s.open();
  await scenario.opened.reached;
  world.offerBetter(a, b, false);
  await scenario.roamed.reached;
  for (const s of sessions) s.close();
  await scenario.closed.reached;
  if (sessions.some((s) => s.isOpen()) || world.state(a) === 'Active') {
    throw new Error('benchmark scenario ended in the wrong state');
  }
}

/** Which session actor received which event, in the order it happened. */
type Recording = Array<{ session: number; event: SessionEvent }>;

/** The events the session actors really received, in order, to replay on bare actors. */
async function recordEvents(count: number): Promise<Recording> {
  const received: Array<{ actor: unknown; event: SessionEvent }> = [];
  const scenario = await setUp(count, (e) => {
    if (e.type !== '@xstate.event' || e.event.type.startsWith('xstate.')) return;
    const snapshot = e.actorRef.getSnapshot() as { machine?: { id?: string } };
    if (snapshot.machine?.id === 'session')
      received.push({ actor: e.actorRef.sessionId, event: e.event as SessionEvent });
  });
  await runScenario(scenario);
  await scenario.manager.dispose();
  const index = new Map<unknown, number>(scenario.sessions.map((s, i) => [s.actor.sessionId, i]));
  return received.map(({ actor, event }) => ({ session: index.get(actor)!, event }));
}

async function timeNetbearer(count: number): Promise<number> {
  const scenario = await setUp(count);
  const start = performance.now();
  await runScenario(scenario);
  const elapsed = performance.now() - start;
  await scenario.manager.dispose();
  return elapsed;
}

function timeBare(count: number, recording: Recording): number {
  const actors: Actor<typeof sessionMachine>[] = Array.from({ length: count }, () =>
    createActor(sessionMachine).start(),
  );
  const start = performance.now();
  for (const { session, event } of recording) actors[session]!.send(event);
  const elapsed = performance.now() - start;
  for (const actor of actors) actor.stop();
  return elapsed;
}

async function idleHeapPerSession(count: number): Promise<number> {
  const before = heapUsed();
  const scenario = await setUp(count);
  for (const s of scenario.sessions) s.open();
  await scenario.opened.reached;
  const after = heapUsed();
  const perSession = (after - before) / count;
  await scenario.manager.dispose();
  return perSession;
}

function idleHeapPerBareActor(count: number): number {
  const before = heapUsed();
  const actors = Array.from({ length: count }, () => {
    const actor = createActor(sessionMachine).start();
    actor.send({ type: 'BIND', status: 'Up' });
    actor.send({ type: 'OPEN' });
    return actor;
  });
  const after = heapUsed();
  for (const actor of actors) actor.stop();
  return (after - before) / count;
}

export async function sessionScale(count = 10_000, rounds = 5): Promise<BenchLine[]> {
  const recording = await recordEvents(count);
  const events = recording.length;
  const ours: number[] = [];
  const bare: number[] = [];
  await timeNetbearer(count); // warm-up, both sides
  timeBare(count, recording);
  for (let i = 0; i < rounds; i++) {
    ours.push(await timeNetbearer(count));
    bare.push(timeBare(count, recording));
  }
  const heap = await idleHeapPerSession(count);
  const bareHeap = idleHeapPerBareActor(count);
  return [
    line(
      `sessions: ${count} open, roam (migrate+accept), close vs bare actors replaying the same ${events} events`,
      median(ours),
      'ms',
      median(bare),
    ),
    line('heap per idle open session vs a bare session actor', heap, 'bytes', bareHeap),
  ];
}
