/**
 * DESIGN.md's "Semantics" section and TypeScript habits that Qt's autotest list does not
 * cover: link loss, roaming (application-level and forced), misuse, service networks,
 * waiting, connect failures, refused stops, statistics, dispose, and listener failures.
 */
import { SimulatedWorld, type WorldOptions } from '@netbearer/adapter-simulated';
import {
  type Capability,
  NetworkConfiguration,
  NetworkConfigurationManager,
  NetworkSession,
} from '@netbearer/core';
import { hostOf } from '@netbearer/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { advance, advanceUntil, drain, within } from '../support/drain.js';
import { EventRecorder, type WatchOptions } from '../support/event-recorder.js';
import { configurationOf, ids, qtWorld, useManagers } from '../support/qt-rig.js';
import { catchRethrown } from '../support/rethrown.js';
import { openAndWait, waitOpened } from '../support/sessions.js';

const managers = useManagers();

/**
 * The usual scenario: fake timers, then the world `makeWorld` builds (after them: it stamps the
 * links that are already up with Date.now()), a manager over it, a session on `identifier`, and
 * a recorder watching that session as 's'.
 */
async function watchedSession(
  makeWorld: () => SimulatedWorld,
  identifier: string,
  options: WatchOptions = {},
) {
  vi.useFakeTimers();
  const world = makeWorld();
  const manager = await managers(world);
  const session = new NetworkSession(configurationOf(manager, identifier));
  const rec = new EventRecorder().watch('s', session, options);
  return { world, manager, session, rec };
}

/** A watchedSession that is open, its recorder cleared after the open. */
async function openedSession(
  makeWorld: () => SimulatedWorld,
  identifier: string,
  options: WatchOptions = {},
) {
  const scenario = await watchedSession(makeWorld, identifier, options);
  await openAndWait(scenario.session);
  scenario.rec.clear();
  return scenario;
}

/** Fake timers, a qtWorld, and two sessions on its WLAN, open, watched as s1 and s2 from then on. */
async function twoOpenSessions() {
  vi.useFakeTimers();
  const world = qtWorld();
  const manager = await managers(world);
  const s1 = new NetworkSession(configurationOf(manager, ids.wlan));
  const s2 = new NetworkSession(configurationOf(manager, ids.wlan));
  const rec = new EventRecorder().watch('s1', s1).watch('s2', s2);
  await openAndWait(s1);
  await openAndWait(s2);
  rec.clear();
  return { world, manager, s1, s2, rec };
}

/** Two WLAN access points, a and b, and a cellular one, c. Delays: connect 200, stop 50. */
function roamingWorld(options: WorldOptions = {}) {
  const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50, ...options });
  world.addAccessPoint({ name: 'a', identifier: 'sim:a', interfaceName: 'wlan0' });
  world.addAccessPoint({ name: 'b', identifier: 'sim:b', interfaceName: 'wlan1' });
  world.addAccessPoint({
    name: 'c',
    identifier: 'sim:c',
    bearerType: 'LTE',
    interfaceName: 'wwan0',
  });
  return world;
}

/** A service network preferring Ethernet (out of reach), then WLAN, then LTE. */
function serviceNetworkWorld() {
  const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50 });
  world.addAccessPoint({
    name: 'eth',
    identifier: 'sim:eth',
    bearerType: 'Ethernet',
    interfaceName: 'eth0',
    inRange: false,
  });
  world.addAccessPoint({ name: 'wlan', identifier: 'sim:wlan', interfaceName: 'wlan0' });
  world.addAccessPoint({
    name: 'lte',
    identifier: 'sim:lte',
    bearerType: 'LTE',
    interfaceName: 'wwan0',
  });
  world.addServiceNetwork({
    name: 'Internet',
    identifier: 'sim:snap',
    children: ['sim:eth', 'sim:wlan', 'sim:lte'],
  });
  return world;
}

describe('DESIGN: events never fire synchronously', () => {
  it('open() on an Active configuration: nothing inside the call, opened() on a later microtask, no stateChanged', async () => {
    const { session, rec } = await watchedSession(qtWorld, ids.ethernet);
    session.open();
    expect(rec.lines).toEqual([]);
    expect(session.isOpen()).toBe(true);
    await drain();
    expect(rec.of('s')).toEqual(['opened']);
  });

  it('state changes, errors and closes are delivered later too, in order', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    const invalid = new NetworkSession(new NetworkConfiguration());
    const rec = new EventRecorder().watch('s', session).watch('i', invalid);
    session.open();
    invalid.open();
    session.close();
    expect(rec.lines).toEqual([]);
    await drain();
    expect(rec.of('s').slice(0, 2)).toEqual(['stateChanged Connecting', 'closed']);
    expect(rec.of('i')).toEqual(['error InvalidConfigurationError']);
    await advance(1_000);
    expect(rec.of('s').at(-1)).toBe('stateChanged Disconnected');
  });
});

describe("DESIGN: 'error' with no listener never throws", () => {
  it('errors of every kind, with nobody listening, neither throw nor resurface', async () => {
    vi.useFakeTimers();
    const caught = catchRethrown();
    try {
      const world = qtWorld();
      const manager = await managers(world);
      const invalid = new NetworkSession(new NetworkConfiguration());
      const far = new NetworkSession(configurationOf(manager, ids.far));
      const wlan = new NetworkSession(configurationOf(manager, ids.wlan));
      const lte = new NetworkSession(configurationOf(manager, ids.cellular));
      expect(() => {
        invalid.open();
        far.open();
        wlan.migrate();
        wlan.open();
      }).not.toThrow();
      world.failNextConnect(ids.cellular);
      lte.open();
      await advance(1_000);
      world.loseLink(ids.wlan);
      await advance(1_000);
      expect(invalid.error()).toBe('InvalidConfigurationError');
      expect(far.error()).toBe('InvalidConfigurationError');
      expect(wlan.error()).toBe('SessionAbortedError');
      expect(lte.error()).toBe('UnknownSessionError');
    } finally {
      caught.restore();
    }
    expect(caught.errors).toEqual([]);
  });
});

describe('DESIGN: a throwing listener does not stop delivery', () => {
  it('the other listeners of the same event still get it, and the error resurfaces', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const caught = catchRethrown();
    const got: string[] = [];
    try {
      const session = new NetworkSession(configurationOf(manager, ids.ethernet));
      session.on('opened', () => {
        throw new Error('listener failure');
      });
      session.on('opened', () => got.push('second listener of the same session'));
      session.open();
      await drain();
    } finally {
      caught.restore();
    }
    expect(got).toEqual(['second listener of the same session']);
    expect(caught.errors).toHaveLength(1);
  });

  it('later events and other sessions still get theirs, and the error resurfaces', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const caught = catchRethrown();
    const rec = new EventRecorder();
    try {
      const session = new NetworkSession(configurationOf(manager, ids.wlan));
      const other = new NetworkSession(configurationOf(manager, ids.wlan));
      session.on('stateChanged', () => {
        throw new Error('listener failure');
      });
      rec.watch('s', session).watch('o', other);
      session.open();
      other.open();
      await advance(1_000);
    } finally {
      caught.restore();
    }
    // The recorder listens after the throwing listener and still hears every event.
    expect(rec.of('s')).toEqual(['stateChanged Connecting', 'opened', 'stateChanged Connected']);
    expect(rec.of('o')).toEqual(['stateChanged Connecting', 'opened', 'stateChanged Connected']);
    expect(caught.errors.map((e) => (e as Error).message)).toEqual([
      'listener failure',
      'listener failure',
    ]);
  });
});

describe('DESIGN: link loss under an open session', () => {
  const losses = [
    { how: 'loseLink', act: (w: SimulatedWorld) => w.loseLink(ids.wlan), to: 'Disconnected' },
    {
      how: 'out of range',
      act: (w: SimulatedWorld) => w.setInRange(ids.wlan, false),
      to: 'NotAvailable',
    },
    { how: 'removed', act: (w: SimulatedWorld) => w.remove(ids.wlan), to: 'Invalid' },
  ] as const;

  it.each(losses)(
    '$how: closed, then stateChanged($to), then error(SessionAbortedError)',
    async ({ act, to }) => {
      const { world, rec } = await openedSession(qtWorld, ids.wlan);
      act(world);
      await advance(1_000);
      expect(rec.of('s')).toEqual(['closed', `stateChanged ${to}`, 'error SessionAbortedError']);
    },
  );

  it.each(losses)(
    '$how: every open session is closed and told SessionAbortedError; the link is released',
    async ({ act, to }) => {
      const { world, manager, s1, s2, rec } = await twoOpenSessions();
      act(world);
      await advance(1_000);
      for (const label of ['s1', 's2']) {
        expect([...rec.of(label)].sort()).toEqual(
          ['closed', `stateChanged ${to}`, 'error SessionAbortedError'].sort(),
        );
      }
      expect(s1.isOpen()).toBe(false);
      expect(s2.isOpen()).toBe(false);
      expect(s1.state()).toBe(to);
      for (const link of hostOf(manager).links()) expect(link.holders).toBe(0);
    },
  );

  it('a session still opening when its access point goes out of reach fails with UnknownSessionError', async () => {
    const { world, session, rec } = await watchedSession(qtWorld, ids.wlan);
    session.open();
    await advance(50);
    world.setInRange(ids.wlan, false);
    expect(await waitOpened(session, 1_000)).toBe(false);
    expect(rec.values('s', 'error')).toEqual(['UnknownSessionError']);
    expect(rec.count('s', 'opened')).toBe(0);
    expect(session.state()).toBe('NotAvailable');
    expect(session.isOpen()).toBe(false);
  });
});

describe('DESIGN: roaming between access points (world.offerBetter)', () => {
  const roamingSession = (options: WatchOptions = { preferred: true }) =>
    openedSession(roamingWorld, 'sim:a', options);

  it('with a listener: preferredConfigurationChanged → migrate → newConfigurationActivated → accept moves to the new one and releases the old', async () => {
    const { world, session, rec } = await roamingSession();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    expect([...rec.of('s')].sort()).toEqual([
      'preferredConfigurationChanged sim:b not-seamless',
      'stateChanged Roaming',
    ]);
    expect(session.state()).toBe('Roaming');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:a');

    session.migrate();
    await advance(1_000);
    expect(rec.of('s').at(-1)).toBe('newConfigurationActivated');
    expect(session.state()).toBe('Roaming');
    // migrate() brings the new one up while the old stays.
    expect(world.state('sim:b')).toBe('Active');
    expect(world.state('sim:a')).toBe('Active');

    session.accept();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:b');
    expect(session.interface()).toEqual({ name: 'wlan1' });
    expect(world.state('sim:a')).toBe('Discovered');
    expect(world.state('sim:b')).toBe('Active');
    expect(rec.values('s', 'stateChanged')).toEqual(['Roaming', 'Connected']);
    expect(rec.count('s', 'closed')).toBe(0);
    expect(rec.count('s', 'error')).toBe(0);
  });

  it('the access point roamed to being removed: the session follows its own configuration, never Invalid', async () => {
    const { world, session, rec } = await roamingSession();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    session.migrate();
    await advance(1_000);
    session.accept();
    await advance(1_000);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:b');

    world.remove('sim:b');
    await advance(1_000);
    // Its own configuration (sim:a) is still there, and down: Disconnected, not Invalid.
    expect(session.configuration().isValid()).toBe(true);
    expect(world.state('sim:a')).toBe('Discovered');
    expect(session.state()).toBe('Disconnected');
    expect(rec.values('s', 'stateChanged')).not.toContain('Invalid');
  });

  it('accept keeps the old access point up while another session holds it', async () => {
    const { world, manager, session } = await roamingSession();
    const other = new NetworkSession(configurationOf(manager, 'sim:a'));
    // The other session is offered the roam too; it listens, and declines.
    const otherRec = new EventRecorder().watch('o', other, { preferred: true });
    await openAndWait(other);
    otherRec.clear();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    other.ignore();
    session.migrate();
    await advance(1_000);
    session.accept();
    await advance(1_000);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:b');
    expect(world.state('sim:a')).toBe('Active');
    expect(other.isOpen()).toBe(true);
    expect(other.state()).toBe('Connected');
    expect(other.sessionProperty('ActiveConfiguration')).toBe('sim:a');
    expect([...otherRec.of('o')].sort()).toEqual([
      'preferredConfigurationChanged sim:b not-seamless',
      'stateChanged Connected',
      'stateChanged Roaming',
    ]);
    expect(otherRec.of('o').at(-1)).toBe('stateChanged Connected');
  });

  it('reject after newConfigurationActivated goes back to the old one and releases the new', async () => {
    const { world, session, rec } = await roamingSession();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    session.migrate();
    await advance(1_000);
    expect(rec.of('s')).toContain('newConfigurationActivated');
    session.reject();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:a');
    expect(world.state('sim:a')).toBe('Active');
    expect(world.state('sim:b')).toBe('Discovered');
    expect(rec.count('s', 'closed')).toBe(0);
    expect(rec.count('s', 'error')).toBe(0);
  });

  it('ignore stays on the old one and never starts the new one', async () => {
    const { world, session, rec } = await roamingSession();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    session.ignore();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:a');
    expect(world.state('sim:b')).toBe('Discovered');
    expect(rec.values('s', 'stateChanged')).toEqual(['Roaming', 'Connected']);
    expect(rec.count('s', 'error')).toBe(0);
  });

  it('an offer of an access point that is already up is seamless', async () => {
    const { world, rec } = await roamingSession();
    world.activate('sim:b');
    await drain();
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    expect(rec.of('s')).toContain('preferredConfigurationChanged sim:b seamless');
  });

  it('forced roaming with no listener: the session moves by itself and ends Connected on the new one', async () => {
    const { world, session, rec } = await roamingSession({ preferred: false });
    world.offerBetter('sim:a', 'sim:b');
    expect(
      await advanceUntil(
        () => session.state() === 'Connected' && world.state('sim:b') === 'Active',
      ),
    ).toBe(true);
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:b');
    expect(world.state('sim:a')).toBe('Discovered');
    expect(rec.values('s', 'stateChanged')).toEqual(['Roaming', 'Connected']);
    expect(rec.count('s', 'closed')).toBe(0);
    expect(rec.count('s', 'error')).toBe(0);
  });

  it('an engine without ForcedRoaming leaves a session with no listener where it is', async () => {
    vi.useFakeTimers();
    const capabilities: Capability[] = ['CanStartAndStopInterfaces', 'DataStatistics'];
    const world = roamingWorld({ capabilities });
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, 'sim:a'));
    await openAndWait(session);
    world.offerBetter('sim:a', 'sim:b');
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:a');
    expect(world.state('sim:b')).toBe('Discovered');
  });

  it('offers are for open sessions only', async () => {
    vi.useFakeTimers();
    const world = roamingWorld();
    world.activate('sim:a');
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, 'sim:a'));
    const rec = new EventRecorder().watch('s', session, { preferred: true });
    expect(session.state()).toBe('Connected');
    world.offerBetter('sim:a', 'sim:b');
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(rec.lines).toEqual([]);
  });
});

describe('DESIGN: misuse is OperationNotSupportedError, never a crash or a silent change', () => {
  it('migrate/accept/ignore/reject on an open, connected session', async () => {
    const { session, rec } = await openedSession(qtWorld, ids.wlan, { preferred: true });
    for (const call of ['migrate', 'accept', 'ignore', 'reject'] as const) {
      expect(() => session[call]()).not.toThrow();
      expect(session.state()).toBe('Connected');
      expect(session.isOpen()).toBe(true);
    }
    await advance(1_000);
    expect(rec.of('s')).toEqual(Array(4).fill('error OperationNotSupportedError'));
    expect(session.error()).toBe('OperationNotSupportedError');
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
  });

  it('accept/reject before migrate, and migrate twice, while a roam is only offered', async () => {
    const { world, session, rec } = await watchedSession(roamingWorld, 'sim:a', {
      preferred: true,
    });
    await openAndWait(session);
    world.offerBetter('sim:a', 'sim:b');
    await drain();
    rec.clear();
    session.accept();
    session.reject();
    await drain();
    expect(session.state()).toBe('Roaming');
    expect(rec.of('s')).toEqual([
      'error OperationNotSupportedError',
      'error OperationNotSupportedError',
    ]);
    session.migrate();
    session.migrate();
    await advance(1_000);
    expect(rec.of('s').slice(2)).toEqual([
      'error OperationNotSupportedError',
      'newConfigurationActivated',
    ]);
    expect(session.state()).toBe('Roaming');
  });

  it('open() twice gives one opened()', async () => {
    const { manager, session, rec } = await watchedSession(qtWorld, ids.wlan);
    session.open();
    session.open();
    expect(await waitOpened(session)).toBe(true);
    session.open();
    await advance(1_000);
    expect(rec.of('s')).toEqual(['stateChanged Connecting', 'opened', 'stateChanged Connected']);
    for (const link of hostOf(manager).links()) {
      if (link.record.identifier === ids.wlan) expect(link.holders).toBe(1);
    }
  });

  it('close() while connecting: closed(), never opened(), the link is released, ends Disconnected', async () => {
    const { world, session, rec } = await watchedSession(qtWorld, ids.wlan);
    session.open();
    let waited: boolean | undefined;
    void session.waitForOpened(10_000).then((opened) => {
      waited = opened;
    });
    await advance(100);
    expect(session.state()).toBe('Connecting');
    session.close();
    await advance(2_000);
    expect(waited).toBe(false);
    expect(rec.count('s', 'closed')).toBe(1);
    expect(rec.count('s', 'opened')).toBe(0);
    expect(rec.count('s', 'error')).toBe(0);
    expect(session.state()).toBe('Disconnected');
    expect(session.isOpen()).toBe(false);
    expect(world.state(ids.wlan)).toBe('Discovered');
  });

  it('close() on a session that is not open does nothing', async () => {
    const { session, rec } = await watchedSession(qtWorld, ids.ethernet);
    session.close();
    await advance(1_000);
    expect(rec.lines).toEqual([]);
    expect(session.state()).toBe('Connected');
  });
});

describe('DESIGN: ServiceNetwork sessions', () => {
  async function serviceNetworkSession(options: WatchOptions = { preferred: true }) {
    const scenario = await openedSession(serviceNetworkWorld, 'sim:snap', options);
    return { ...scenario, snap: configurationOf(scenario.manager, 'sim:snap') };
  }

  it('open() connects the most preferred member in reach', async () => {
    const { world, snap, session } = await serviceNetworkSession();
    expect(session.state()).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:wlan');
    expect(session.interface()).toEqual({ name: 'wlan0' });
    expect(world.state('sim:wlan')).toBe('Active');
    expect(world.state('sim:lte')).toBe('Discovered');
    expect(snap.state()).toBe('Active');
  });

  it('a better member coming into reach offers an upgrade roam; accepting moves and releases the old member', async () => {
    const { world, session, rec } = await serviceNetworkSession();
    world.setInRange('sim:eth', true);
    await drain();
    expect([...rec.of('s')].sort()).toEqual([
      'preferredConfigurationChanged sim:eth not-seamless',
      'stateChanged Roaming',
    ]);
    session.migrate();
    await advance(1_000);
    expect(rec.of('s')).toContain('newConfigurationActivated');
    session.accept();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:eth');
    expect(world.state('sim:eth')).toBe('Active');
    expect(world.state('sim:wlan')).toBe('Discovered');
    expect(rec.count('s', 'closed')).toBe(0);
  });

  it('the active member going out of reach with another available: a non-upgrade roam to it', async () => {
    const { world, session, rec } = await serviceNetworkSession();
    world.setInRange('sim:wlan', false);
    await drain();
    expect(rec.of('s')).toContain('preferredConfigurationChanged sim:lte not-seamless');
    expect(session.state()).toBe('Roaming');
    expect(session.isOpen()).toBe(true);
    session.migrate();
    await advance(1_000);
    expect(rec.of('s')).toContain('newConfigurationActivated');
    session.accept();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:lte');
    expect(rec.count('s', 'closed')).toBe(0);
    expect(rec.count('s', 'error')).toBe(0);
  });

  it('ignoring a non-upgrade roam (the old member is gone) closes the session', async () => {
    const { world, session, rec } = await serviceNetworkSession();
    world.setInRange('sim:wlan', false);
    await drain();
    session.ignore();
    await advance(1_000);
    expect(rec.count('s', 'closed')).toBe(1);
    expect(session.isOpen()).toBe(false);
    expect(session.state()).toBe('Disconnected');
    expect(world.state('sim:lte')).toBe('Discovered');
  });

  it('forced roaming with no listener: the session moves to the remaining member by itself', async () => {
    const { world, session, rec } = await serviceNetworkSession({ preferred: false });
    world.setInRange('sim:wlan', false);
    expect(
      await advanceUntil(() => session.sessionProperty('ActiveConfiguration') === 'sim:lte'),
    ).toBe(true);
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(world.state('sim:lte')).toBe('Active');
    expect(rec.count('s', 'closed')).toBe(0);
  });

  it('forced roaming to a better member that comes into reach but is not up yet (a cable plugged in)', async () => {
    const { world, session, rec } = await serviceNetworkSession({ preferred: false });
    world.setInRange('sim:eth', true);
    expect(
      await advanceUntil(() => session.sessionProperty('ActiveConfiguration') === 'sim:eth'),
    ).toBe(true);
    await advance(1_000);
    expect(rec.values('s', 'error')).toEqual([]);
    expect([session.state(), session.isOpen()]).toEqual(['Connected', true]);
    expect(world.state('sim:eth')).toBe('Active');
    // The session brought Wi-Fi up, and lets it go now that it has moved.
    expect(world.state('sim:wlan')).toBe('Discovered');
  });

  it("the active member's link dropping (still in reach) while another member is up: roams instead of aborting", async () => {
    const { world, session, rec } = await serviceNetworkSession();
    world.activate('sim:lte');
    await drain();
    rec.clear();
    world.loseLink('sim:wlan');
    await drain();
    expect(rec.count('s', 'closed')).toBe(0);
    expect(rec.of('s')).toContain('preferredConfigurationChanged sim:lte seamless');
    expect(session.isOpen()).toBe(true);
    session.migrate();
    await advance(1_000);
    session.accept();
    await advance(1_000);
    expect(session.state()).toBe('Connected');
    expect(session.sessionProperty('ActiveConfiguration')).toBe('sim:lte');
  });

  it('stop() on a service network session stops the member it uses, for everyone on it', async () => {
    const { world, manager, session, rec } = await serviceNetworkSession();
    const onMember = new NetworkSession(configurationOf(manager, 'sim:wlan'));
    rec.watch('m', onMember);
    await openAndWait(onMember);
    rec.clear();
    session.stop();
    await advance(1_000);
    expect(world.state('sim:wlan')).toBe('Discovered');
    expect(rec.values('s', 'error')).toEqual(['SessionAbortedError']);
    expect(rec.values('m', 'error')).toEqual(['SessionAbortedError']);
    expect(session.isOpen()).toBe(false);
    expect(onMember.isOpen()).toBe(false);
  });
});

describe('DESIGN: waitForOpened never hangs', () => {
  it('resolves false when the time is up; the open goes on', async () => {
    vi.useFakeTimers();
    const world = qtWorld({ connectDelay: 10_000 });
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.open();
    expect(await waitOpened(session, 100)).toBe(false);
    expect(session.state()).toBe('Connecting');
    expect(await waitOpened(session, 20_000)).toBe(true);
  });

  it('resolves false when the connect fails', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.failNextConnect(ids.wlan);
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.open();
    expect(await waitOpened(session, 10_000)).toBe(false);
  });

  it('resolves false at once with nothing under way (even on a Connected session never opened)', async () => {
    const manager = await managers(qtWorld());
    const sessions = [
      new NetworkSession(configurationOf(manager, ids.wlan)),
      new NetworkSession(configurationOf(manager, ids.ethernet)),
      new NetworkSession(configurationOf(manager, ids.far)),
      new NetworkSession(new NetworkConfiguration()),
    ];
    expect(sessions[1]?.state()).toBe('Connected');
    for (const session of sessions) {
      expect(await within(session.waitForOpened(-1), 100)).toBe(false);
    }
  });

  it('resolves true at once when already open', async () => {
    const manager = await managers(qtWorld());
    const session = new NetworkSession(configurationOf(manager, ids.ethernet));
    session.open();
    await drain();
    expect(await within(session.waitForOpened(-1), 100)).toBe(true);
  });

  it('an aborted AbortSignal rejects the wait with its reason', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld({ connectDelay: 10_000 }));
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.open();
    const controller = new AbortController();
    const waiting = session.waitForOpened(-1, { signal: controller.signal });
    const reason = new Error('gave up');
    controller.abort(reason);
    expect(
      await within(
        waiting.then(
          (v) => `resolved ${v}`,
          (e: unknown) => e,
        ),
        100,
      ),
    ).toBe(reason);
  });

  it('an already aborted AbortSignal rejects (the call itself does not throw)', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld({ connectDelay: 10_000 }));
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.open();
    const reason = new Error('gave up before');
    let waiting: Promise<boolean> | undefined;
    expect(() => {
      waiting = session.waitForOpened(-1, { signal: AbortSignal.abort(reason) });
    }).not.toThrow();
    await expect(waiting).rejects.toBe(reason);
  });
});

describe('DESIGN: connect failures', () => {
  it('a connect timeout (setConnectTimeout) gives UnknownSessionError, and the connect is abandoned', async () => {
    vi.useFakeTimers();
    const world = qtWorld({ connectDelay: 1_000 });
    const manager = await managers(world);
    const configuration = configurationOf(manager, ids.wlan);
    configuration.setConnectTimeout(100);
    const session = new NetworkSession(configuration);
    const rec = new EventRecorder().watch('s', session);
    session.open();
    await advance(99);
    expect(rec.count('s', 'error')).toBe(0);
    await advance(2);
    expect(rec.values('s', 'error')).toEqual(['UnknownSessionError']);
    expect(session.error()).toBe('UnknownSessionError');
    expect(session.errorString()).not.toBe('');
    expect(session.isOpen()).toBe(false);
    expect(session.state()).toBe('Disconnected');
    await advance(3_000);
    expect(world.state(ids.wlan)).toBe('Discovered');
    expect(rec.count('s', 'opened')).toBe(0);
  });

  it('a scripted connect failure gives UnknownSessionError; the next open succeeds', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.failNextConnect(ids.wlan);
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    const rec = new EventRecorder().watch('s', session);
    session.open();
    await advance(1_000);
    // As in Qt: the state is refreshed first, then the error is reported.
    expect(rec.of('s')).toEqual([
      'stateChanged Connecting',
      'stateChanged Disconnected',
      'error UnknownSessionError',
    ]);
    expect(session.isOpen()).toBe(false);
    await openAndWait(session);
    expect(session.state()).toBe('Connected');
  });

  it('an engine that cannot start the interface gives OperationNotSupportedError', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.failNextConnect(ids.wlan, 'OperationNotSupported');
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.open();
    await advance(1_000);
    expect(session.error()).toBe('OperationNotSupportedError');
    expect(session.state()).toBe('Disconnected');
  });
});

describe('DESIGN: a refused stop', () => {
  it('is an OperationNotSupportedError for the stopper only, and everyone stays open', async () => {
    const { world, s1, s2, rec } = await twoOpenSessions();
    world.refuseNextStop(ids.wlan);
    s2.stop();
    await advance(1_000);
    expect(rec.values('s2', 'error')).toEqual(['OperationNotSupportedError']);
    expect(rec.values('s1', 'error')).toEqual([]);
    expect(rec.count('s1', 'closed') + rec.count('s2', 'closed')).toBe(0);
    expect(s1.isOpen()).toBe(true);
    expect(s2.isOpen()).toBe(true);
    expect(s1.state()).toBe('Connected');
    expect(s2.state()).toBe('Connected');
    expect(world.state(ids.wlan)).toBe('Active');
    // Both still count: the link goes down only after both close.
    s1.close();
    await advance(1_000);
    expect(world.state(ids.wlan)).toBe('Active');
    s2.close();
    await advance(1_000);
    expect(world.state(ids.wlan)).toBe('Discovered');
  });
});

describe('DESIGN: isOpen() flips with the opened and closed events', () => {
  it('while a stop is under way (Closing) sessions stay open, and close when the link is down', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const s1 = new NetworkSession(configurationOf(manager, ids.wlan));
    const s2 = new NetworkSession(configurationOf(manager, ids.wlan));
    await openAndWait(s1);
    await openAndWait(s2);
    const rec = new EventRecorder().watch('s1', s1);
    s2.stop();
    await drain();
    expect([s1.state(), s2.state()]).toEqual(['Closing', 'Closing']);
    // Not closed yet: a refused stop would leave everyone open.
    expect([s1.isOpen(), s2.isOpen()]).toEqual([true, true]);
    await advance(1_000);
    expect([s1.isOpen(), s2.isOpen()]).toEqual([false, false]);
    expect(rec.of('s1')).toEqual([
      'stateChanged Closing',
      'closed',
      'stateChanged Disconnected',
      'error SessionAbortedError',
    ]);
  });
});

describe('DESIGN: statistics and activeTime', () => {
  it('bytesReceived/bytesWritten follow world.transfer while Connected, 0 otherwise', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    expect(session.bytesReceived()).toBe(0);
    expect(session.bytesWritten()).toBe(0);
    await openAndWait(session);
    expect(session.bytesReceived()).toBe(0);
    world.transfer(ids.wlan, { received: 1_500, written: 300 });
    expect(session.bytesReceived()).toBe(1_500);
    expect(session.bytesWritten()).toBe(300);
    world.transfer(ids.wlan, { received: 500 });
    expect(session.bytesReceived()).toBe(2_000);
    expect(session.bytesWritten()).toBe(300);
    session.close();
    await advance(1_000);
    expect(session.state()).toBe('Disconnected');
    expect(session.bytesReceived()).toBe(0);
    expect(session.bytesWritten()).toBe(0);
  });

  it('without DataStatistics the counters read 0 even while Connected', async () => {
    vi.useFakeTimers();
    const world = qtWorld({ capabilities: ['CanStartAndStopInterfaces'] });
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    await openAndWait(session);
    world.transfer(ids.wlan, { received: 1_500, written: 300 });
    expect(session.bytesReceived()).toBe(0);
    expect(session.bytesWritten()).toBe(0);
  });

  it('activeTime counts whole seconds since the link came up, 0 when not connected', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    expect(session.activeTime()).toBe(0);
    await openAndWait(session);
    expect(session.activeTime()).toBe(0);
    await advance(5_000);
    expect(session.activeTime()).toBe(5);
    session.close();
    await advance(1_000);
    expect(session.activeTime()).toBe(0);
  });
});

describe('DESIGN: dispose() lets the process exit', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('with a connect and a waitForOpened pending: the wait resolves false and no timer is left', async () => {
    vi.useRealTimers();
    const before = timers();
    const world = qtWorld({ connectDelay: 60_000 });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    session.setSessionProperty('AutoCloseSessionTimeout', 60_000);
    session.open();
    const waiting = session.waitForOpened(-1);
    await drain();
    expect(timers()).toBeGreaterThan(before);
    await manager.dispose();
    expect(await within(waiting, 1_000)).toBe(false);
    await drain();
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('after dispose nothing is delivered and calls on its sessions do not throw', async () => {
    vi.useRealTimers();
    const world = qtWorld({ connectDelay: 0, disconnectDelay: 0 });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    const rec = new EventRecorder().watch('s', session).watchManager('m', manager);
    session.open();
    await manager.dispose();
    expect(() => {
      session.open();
      session.close();
      session.stop();
      session.migrate();
    }).not.toThrow();
    world.activate(ids.cellular);
    await drain();
    expect(rec.lines).toEqual([]);
  });
});

/*
 * Deterministic re-expressions of what the property-based suites found: each is the shrunk
 * counterexample turned into a scenario with the documented expectation spelled out.
 */
describe('DESIGN: sessions settle once the engine is quiet (found by the property tests)', () => {
  it('a service network session following a member whose connect fails returns to Disconnected', async () => {
    vi.useFakeTimers();
    const world = serviceNetworkWorld();
    world.failNextConnect('sim:wlan');
    const manager = await managers(world);
    const follower = new NetworkSession(configurationOf(manager, 'sim:snap'));
    const opener = new NetworkSession(configurationOf(manager, 'sim:wlan'));
    expect(follower.state()).toBe('Disconnected');
    opener.open();
    await drain();
    expect(follower.state()).toBe('Connecting');
    await advance(5_000);
    expect(opener.state()).toBe('Disconnected');
    expect(configurationOf(manager, 'sim:snap').state()).toBe('Discovered');
    expect(follower.state()).toBe('Disconnected');
  });

  it('stop() on a service network session nobody opened stops every member that is up', async () => {
    vi.useFakeTimers();
    const world = serviceNetworkWorld();
    world.activate('sim:wlan');
    world.activate('sim:lte');
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, 'sim:snap'));
    expect(session.state()).toBe('Connected');
    session.stop();
    await advance(5_000);
    // "stop() tears it down for everyone": for a service network, that is all of it.
    expect(world.state('sim:wlan')).toBe('Discovered');
    expect(world.state('sim:lte')).toBe('Discovered');
    expect(configurationOf(manager, 'sim:snap').state()).toBe('Discovered');
    expect(session.state()).toBe('Disconnected');
  });

  it('a forced roam whose target is being stopped by someone else does not stay Roaming', async () => {
    vi.useFakeTimers();
    const world = roamingWorld();
    const manager = await managers(world);
    const onA = new NetworkSession(configurationOf(manager, 'sim:a'));
    const onB = new NetworkSession(configurationOf(manager, 'sim:b'));
    await openAndWait(onA);
    await openAndWait(onB);
    onA.stop();
    await drain();
    world.offerBetter('sim:b', 'sim:a');
    await advance(5_000);
    expect(onB.isOpen()).toBe(true);
    expect(onB.state()).toBe('Connected');
    expect(world.state(String(onB.sessionProperty('ActiveConfiguration')))).toBe('Active');
  });

  it('a stop refused after the stopper asked to open again leaks no holder: its close lets the joined link go', async () => {
    const { world, manager, session, rec } = await watchedSession(qtWorld, ids.ethernet);
    expect(session.state()).toBe('Connected');
    session.stop();
    session.open(); // deferred until the stop ends
    world.refuseNextStop(ids.ethernet);
    await advance(1_000);
    expect(rec.values('s', 'error')).toEqual(['OperationNotSupportedError']);
    expect(session.isOpen()).toBe(true);
    session.close();
    await advance(1_000);
    for (const link of hostOf(manager).links()) expect(link.holders).toBe(0);
    // Ethernet was up before the process touched it: joined, so the close leaves it up.
    expect(world.state(ids.ethernet)).toBe('Active');
    expect(world.holderCount(ids.ethernet)).toBe(0);
  });

  it('a connect failing while the platform reports the access point Active: sessions still mirror Active', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.failNextConnect(ids.wlan);
    const manager = await managers(world);
    const configuration = configurationOf(manager, ids.wlan);
    const session = new NetworkSession(configuration);
    session.open();
    await advance(100);
    world.activate(ids.wlan); // someone else brings it up meanwhile
    await advance(1_000);
    expect(configuration.state()).toBe('Active');
    // Qt's sessionProperties mapping: an Active configuration's session is Connected.
    expect(session.state()).toBe('Connected');
    expect(new NetworkSession(configuration).state()).toBe('Connected');
  });
});
