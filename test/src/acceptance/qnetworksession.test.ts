/**
 * Qt's tst_qnetworksession autotests marked [A] in research/qt-bearer.md §6, re-expressed
 * against the simulated engine. Where DESIGN.md's documented semantics differ from what Qt's
 * desktop plugins did (they never stopped a link on close, never roamed), the documented
 * promise is asserted and the Qt behaviour is named in a comment.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  bearerTypes,
  NetworkConfiguration,
  type NetworkConfigurationManager,
  NetworkSession,
  ReadOnlyPropertyError,
  sessionStates,
} from '@netbearer/core';
import { describe, expect, it, vi } from 'vitest';
import { advance, advanceUntil, drain, within } from '../support/drain.js';
import { EventRecorder } from '../support/event-recorder.js';
import {
  closeSession,
  configurationOf,
  ids,
  openSession,
  qtWorld,
  suitableConfiguration,
  useManagers,
} from '../support/qt-rig.js';
import { openAndWait, waitOpened } from '../support/sessions.js';

const managers = useManagers();

describe('tst_qnetworksession::robustnessBombing', () => {
  it('migrate/accept/ignore/reject on an unopened default session neither throw nor change state', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const session = new NetworkSession(manager.defaultConfiguration());
    const rec = new EventRecorder().watch('s', session);
    const before = session.state();
    expect(() => {
      session.migrate();
      session.accept();
      session.ignore();
      session.reject();
    }).not.toThrow();
    expect(session.state()).toBe(before);
    await advance(1_000);
    expect(session.state()).toBe(before);
    expect(session.isOpen()).toBe(false);
    expect(rec.count('s', 'stateChanged')).toBe(0);
    // DESIGN: misuse is an OperationNotSupportedError, never a crash or a silent change.
    expect(rec.values('s', 'error')).toEqual(Array(4).fill('OperationNotSupportedError'));
  });

  it('the same bombing on an invalid, a not-available and a never-listened session is harmless', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const sessions = [
      new NetworkSession(new NetworkConfiguration()),
      new NetworkSession(configurationOf(manager, ids.far)),
      new NetworkSession(configurationOf(manager, ids.wlan)),
    ];
    const before = sessions.map((s) => s.state());
    for (const session of sessions) {
      // No 'error' listener at all: Node's EventEmitter would throw here; netbearer must not.
      expect(() => {
        session.migrate();
        session.accept();
        session.ignore();
        session.reject();
        session.close();
      }).not.toThrow();
    }
    await advance(1_000);
    expect(sessions.map((s) => s.state())).toEqual(before);
  });
});

describe('tst_qnetworksession::sessionClosing', () => {
  const rows = [
    { row: 'WLAN_IAP', bearer: 'WLAN', type: 'InternetAccessPoint' },
    { row: 'Cellular_IAP', bearer: 'cellular', type: 'InternetAccessPoint' },
    { row: 'SNAP', bearer: 'bearer_type_not_relevant_with_SNAPs', type: 'ServiceNetwork' },
  ] as const;

  it.each(rows)(
    '$row: after a clean open/close, 25 rounds of open → wait i×100 ms → close all end Disconnected',
    async ({ bearer, type }) => {
      vi.useFakeTimers();
      const manager = await managers(qtWorld());
      const configuration = await suitableConfiguration(manager, bearer, type);
      if (!configuration) throw new Error(`the rig has no Discovered ${bearer} ${type}`);
      const session = new NetworkSession(configuration);
      expect(await openSession(manager, session)).toEqual([]);
      expect(await closeSession(manager, session)).toEqual([]);

      // Closing without issuing open().
      session.close();

      const stuck: string[] = [];
      for (let i = 0; i < 25; i++) {
        session.open();
        await advance(i * 100);
        session.close();
        // Sooner or later the session must end Disconnected, whatever the phase was.
        const disconnected = await advanceUntil(() => session.state() === 'Disconnected', {
          within: 90_000,
        });
        if (!disconnected) stuck.push(`round ${i} (${i * 100} ms): ${session.state()}`);
        await advance(200);
      }
      expect(stuck).toEqual([]);
      expect(session.isOpen()).toBe(false);
      expect(configuration.state()).toBe('Discovered');
    },
  );
});

describe('tst_qnetworksession::outOfProcessSession', () => {
  it('an observing manager sees the lackey process bring a configuration Active, then its stop() take it down', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    const observer = await managers(world, 'observer');
    await observer.updateConfigurations();
    await advance(2_000);
    const before = observer.allConfigurations('Active');
    const rec = new EventRecorder().watchManager('m', observer);

    // The lackey: another process over the same platform.
    const lackey = await managers(world, 'lackey');
    const candidate = lackey.allConfigurations('Discovered').find((c) => c.state() !== 'Active');
    if (!candidate) throw new Error('lackey exit code 1: no Discovered configuration');
    const lackeySession = new NetworkSession(candidate);
    lackeySession.open();
    expect(await waitOpened(lackeySession), 'lackey exit code 2: open failed').toBe(true);
    const identifier = candidate.identifier();

    // "Started session <identifier>": the observer must have seen it become Active.
    expect(
      await advanceUntil(() => rec.of('m').includes(`configurationChanged ${identifier} Active`)),
    ).toBe(true);
    const changed = observer.configurationFromIdentifier(identifier);
    expect(changed.state()).toBe('Active');
    expect(before).not.toContain(changed);
    expect(observer.allConfigurations('Active')).toContain(changed);

    rec.clear();
    lackeySession.stop();
    expect(
      await advanceUntil(() =>
        rec
          .of('m')
          .some(
            (l) => l.startsWith(`configurationChanged ${identifier} `) && !l.endsWith(' Active'),
          ),
      ),
    ).toBe(true);
    expect(changed.state()).not.toBe('Active');
    expect(observer.allConfigurations('Active')).not.toContain(changed);
  });

  it('DESIGN SystemSessionSupport: a link two processes hold stays up until the second one closes too', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    expect(world.capabilities).toContain('SystemSessionSupport');
    const first = await managers(world, 'first');
    const second = await managers(world, 'second');
    const s1 = new NetworkSession(configurationOf(first, ids.wlan));
    const s2 = new NetworkSession(configurationOf(second, ids.wlan));
    const rec = new EventRecorder().watch('s1', s1).watch('s2', s2);
    await openAndWait(s1);
    await openAndWait(s2);
    expect(world.state(ids.wlan)).toBe('Active');
    rec.clear();

    s1.close();
    await advance(5_000);
    // The first process let go; the second one still holds the link open.
    expect(world.state(ids.wlan)).toBe('Active');
    expect(s2.isOpen()).toBe(true);
    expect(s2.state()).toBe('Connected');
    expect(rec.of('s2')).toEqual([]);
    expect(configurationOf(first, ids.wlan).state()).toBe('Active');
    expect(s1.state()).toBe('Connected');

    s2.close();
    await advance(5_000);
    expect(world.state(ids.wlan)).toBe('Discovered');
    expect(s1.state()).toBe('Disconnected');
    expect(s2.state()).toBe('Disconnected');
  });
});

describe('tst_qnetworksession::invalidSession', () => {
  it('a session on the invalid configuration is not open, Invalid, and reports InvalidConfigurationError', () => {
    const session = new NetworkSession(new NetworkConfiguration());
    expect(session.isOpen()).toBe(false);
    expect(session.state()).toBe('Invalid');
    // Qt: QCOMPARE(session.error(), QNetworkSession::InvalidConfigurationError) before open().
    expect(session.error()).toBe('InvalidConfigurationError');
  });

  it('open() on it emits exactly one InvalidConfigurationError, waitForOpened bails out at once, state stays Invalid', async () => {
    const session = new NetworkSession(new NetworkConfiguration());
    const rec = new EventRecorder().watch('s', session);
    session.open();
    // "Should bail out right away": bounded by real time, far below the 1000 ms asked for.
    expect(await within(session.waitForOpened(1_000), 100)).toBe(false);
    await drain();
    expect(rec.values('s', 'error')).toEqual(['InvalidConfigurationError']);
    expect(session.error()).toBe('InvalidConfigurationError');
    expect(session.state()).toBe('Invalid');
    expect(rec.count('s', 'stateChanged')).toBe(0);
  });

  it('a session whose configuration is removed turns Invalid; the handle keeps name and identifier', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    const manager = await managers(world);
    const configuration = configurationOf(manager, ids.wlan);
    const session = new NetworkSession(configuration);
    expect(session.state()).toBe('Disconnected');
    world.remove(ids.wlan);
    await drain();
    expect(configuration.isValid()).toBe(false);
    expect(configuration.identifier()).toBe(ids.wlan);
    expect(configuration.name()).toBe('Office WLAN');
    expect(session.state()).toBe('Invalid');
  });

  it('open() on a Defined configuration: NotAvailable and InvalidConfigurationError; back in reach it is Discovered', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    const manager = await managers(world);
    const configuration = configurationOf(manager, ids.far);
    expect(configuration.state()).toBe('Defined');
    const session = new NetworkSession(configuration);
    const rec = new EventRecorder().watch('s', session);
    session.open();
    await manager.updateConfigurations();
    await advance(1_000);
    expect(configuration.isValid()).toBe(true);
    expect(session.state()).toBe('NotAvailable');
    expect(rec.values('s', 'error')).toEqual(['InvalidConfigurationError']);
    expect(session.error()).toBe('InvalidConfigurationError');
    expect(session.isOpen()).toBe(false);

    world.setInRange(ids.far, true);
    await manager.updateConfigurations();
    await advance(1_000);
    expect(configuration.state()).toBe('Discovered');
    expect(session.state()).toBe('Disconnected');
  });
});

describe('tst_qnetworksession::repeatedOpenClose', () => {
  it('WLAN_IAP: three open/close cycles each go by the book', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const configuration = await suitableConfiguration(manager, 'WLAN', 'InternetAccessPoint');
    if (!configuration) throw new Error('the rig has no Discovered WLAN');
    const session = new NetworkSession(configuration);
    expect(await openSession(manager, session)).toEqual([]);
    expect(await closeSession(manager, session)).toEqual([]);
    for (let i = 0; i < 3; i++) {
      expect(await openSession(manager, session), `open, loop ${i}`).toEqual([]);
      expect(await closeSession(manager, session), `close, loop ${i}`).toEqual([]);
      await advance(5_000);
    }
  });
});

describe('tst_qnetworksession::sessionProperties', () => {
  const rows = [
    'invalid configuration',
    ids.wlan,
    ids.cellular,
    ids.ethernet,
    ids.far,
    ids.scanned,
    ids.snap,
    ids.userChoice,
  ];
  // Qt's list spells some names wrongly ("BearerLTE"); these are netbearer's names.
  const validBearerNames: readonly string[] = bearerTypes;

  async function rig() {
    vi.useFakeTimers();
    const world = qtWorld({ userChoice: true });
    const manager = await managers(world);
    await manager.updateConfigurations();
    return { world, manager };
  }

  it('the rows cover every configuration of the manager, plus the invalid one and UserChoice', async () => {
    const { manager } = await rig();
    const listed = manager.allConfigurations().map((c) => c.identifier());
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) expect(rows).toContain(id);
  });

  it.each(rows)('%s', async (row) => {
    const { manager } = await rig();
    const configuration =
      row === 'invalid configuration'
        ? new NetworkConfiguration()
        : manager.configurationFromIdentifier(row);
    const session = new NetworkSession(configuration);
    expect(session.configuration()).toBe(configuration);
    expect(session.configuration().equals(configuration)).toBe(true);

    if (!configuration.isValid() || configuration.type() !== 'InternetAccessPoint') {
      expect(configuration.bearerTypeName()).toBe('');
    } else {
      expect(validBearerNames).toContain(configuration.bearerTypeName());
    }

    // interface() is valid only while Connected.
    expect(session.interface() !== null).toBe(session.state() === 'Connected');

    if (!configuration.isValid()) {
      expect(configuration.state()).toBe('Undefined');
      expect(session.state()).toBe('Invalid');
    } else {
      switch (configuration.state()) {
        case 'Undefined':
        case 'Defined':
          expect(session.state()).toBe('NotAvailable');
          break;
        case 'Discovered':
          expect(['Connecting', 'Disconnected']).toContain(session.state());
          break;
        case 'Active':
          expect(['Connected', 'Closing', 'Roaming']).toContain(session.state());
          break;
      }
    }
    expect(sessionStates).toContain(session.state());
  });

  it('bearer names and families of the access points', async () => {
    const { manager } = await rig();
    const names = Object.fromEntries(
      manager
        .allConfigurations()
        .map((c) => [c.identifier(), `${c.bearerTypeName()}/${c.bearerTypeFamily()}`]),
    );
    expect(names).toEqual({
      [ids.wlan]: 'WLAN/WLAN',
      [ids.cellular]: 'LTE/4G',
      [ids.ethernet]: 'Ethernet/Ethernet',
      [ids.far]: 'WLAN/WLAN',
      [ids.scanned]: 'WLAN/WLAN',
      [ids.snap]: '/Unknown',
    });
  });

  it('interface() follows the state through open and close', async () => {
    const { manager } = await rig();
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    expect(session.interface()).toBeNull();
    session.open();
    await drain();
    expect(session.state()).toBe('Connecting');
    expect(session.interface()).toBeNull();
    expect(await waitOpened(session)).toBe(true);
    expect(session.state()).toBe('Connected');
    expect(session.interface()).toEqual({ name: 'wlan0' });
    session.close();
    expect(await advanceUntil(() => session.state() === 'Disconnected')).toBe(true);
    expect(session.interface()).toBeNull();
  });
});

describe('tst_qnetworksession::userChoiceSession', () => {
  async function check(manager: NetworkConfigurationManager) {
    const configuration = manager.defaultConfiguration();
    expect(configuration.type()).toBe('UserChoice');
    const session = new NetworkSession(configuration);
    expect(session.configuration()).toBe(configuration);
    expect(session.isOpen()).toBe(false);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('');
    expect(session.sessionProperty('UserChoiceConfiguration')).toBe('');
    expect(session.state()).not.toBe('NotAvailable');

    const rec = new EventRecorder().watch('s', session);
    const expectStateChange = session.state() !== 'Connected';
    session.open();
    expect(await waitOpened(session)).toBe(true);
    expect(rec.values('s', 'error')).toEqual([]);
    expect(rec.count('s', 'opened')).toBe(1);
    expect(rec.count('s', 'closed')).toBe(0);
    if (expectStateChange) expect(rec.count('s', 'stateChanged')).toBeGreaterThan(0);
    expect(session.state()).toBe('Connected');
    expect(session.interface()).not.toBeNull();

    const userChoiceIdentifier = session.sessionProperty('UserChoiceConfiguration');
    expect(typeof userChoiceIdentifier).toBe('string');
    expect(userChoiceIdentifier).not.toBe('');
    expect(userChoiceIdentifier).not.toBe(configuration.identifier());
    const userChoiceConfiguration = manager.configurationFromIdentifier(
      String(userChoiceIdentifier),
    );
    expect(userChoiceConfiguration.isValid()).toBe(true);
    expect(userChoiceConfiguration.type()).not.toBe('UserChoice');
    // Read-only: Qt ignored the write; netbearer refuses it with a typed error.
    expect(() => session.setSessionProperty('UserChoiceConfiguration', 'abc')).toThrow(
      ReadOnlyPropertyError,
    );
    expect(session.sessionProperty('UserChoiceConfiguration')).toBe(userChoiceIdentifier);

    const activeIdentifier = session.sessionProperty('ActiveConfiguration');
    expect(activeIdentifier).not.toBe('');
    expect(activeIdentifier).not.toBe(configuration.identifier());
    const activeConfiguration = manager.configurationFromIdentifier(String(activeIdentifier));
    expect(activeConfiguration.isValid()).toBe(true);
    expect(activeConfiguration.type()).toBe('InternetAccessPoint');
    expect(() => session.setSessionProperty('ActiveConfiguration', 'abc')).toThrow(
      ReadOnlyPropertyError,
    );
    expect(session.sessionProperty('ActiveConfiguration')).toBe(activeIdentifier);

    if (userChoiceConfiguration.type() === 'InternetAccessPoint') {
      expect(userChoiceConfiguration).toBe(activeConfiguration);
    } else {
      expect(userChoiceConfiguration.type()).toBe('ServiceNetwork');
      expect(userChoiceConfiguration.children()).toContain(activeConfiguration);
    }

    session.close();
    await advance(5_000);
    expect(session.sessionProperty('ActiveConfiguration')).toBe('');
    expect(session.sessionProperty('UserChoiceConfiguration')).toBe('');
    return { userChoiceConfiguration, activeConfiguration };
  }

  it('resolving to a service network: the active configuration is one of its members', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld({ userChoice: true }));
    const { userChoiceConfiguration, activeConfiguration } = await check(manager);
    expect(userChoiceConfiguration.identifier()).toBe(ids.snap);
    expect(activeConfiguration.identifier()).toBe(ids.wlan);
  });

  it('resolving to an access point no session has used yet: the active configuration is that access point', async () => {
    vi.useFakeTimers();
    const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50 });
    world.addAccessPoint({ name: 'Only WLAN', identifier: 'sim:only', interfaceName: 'wlan0' });
    world.addUserChoice(ids.userChoice);
    const manager = await managers(world);
    const { userChoiceConfiguration, activeConfiguration } = await check(manager);
    expect(userChoiceConfiguration.identifier()).toBe('sim:only');
    expect(activeConfiguration.identifier()).toBe('sim:only');
  });
});

describe('tst_qnetworksession::sessionOpenCloseStop', () => {
  const configurations = [ids.wlan, ids.cellular, ids.ethernet, ids.far, ids.scanned, ids.snap];
  const rows = configurations.flatMap((id) => [
    { id, mode: 'close' as const },
    { id, mode: 'stop' as const },
  ]);

  it('the rows cover every configuration of the manager', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    await manager.updateConfigurations();
    expect(manager.allConfigurations().map((c) => c.identifier())).toEqual(
      expect.arrayContaining(configurations),
    );
    expect(manager.allConfigurations()).toHaveLength(configurations.length);
  });

  it.each(rows)('$id $mode', async ({ id, mode }) => {
    vi.useFakeTimers();
    const world = qtWorld();
    const manager = await managers(world);
    await manager.updateConfigurations();
    const configuration = configurationOf(manager, id);
    const isServiceNetwork = configuration.type() === 'ServiceNetwork';
    const session = new NetworkSession(configuration);

    // Initial state.
    expect(session.configuration()).toBe(configuration);
    expect(session.isOpen()).toBe(false);
    expect(session.state()).not.toBe('Invalid');
    expect(session.error()).toBe('UnknownSessionError');

    // Qt QSKIPs a NotAvailable session ("Network is not available."). netbearer does more:
    // open() there is refused (NotAvailable, one InvalidConfigurationError), close() and
    // stop() on the unopened session change nothing, and once the configuration comes into
    // reach the same session goes through the rest of the row like any other.
    if (session.state() === 'NotAvailable') {
      expect(configuration.state()).toBe('Defined');
      const refused = new EventRecorder().watch('s0', session);
      session.open();
      expect(await waitOpened(session)).toBe(false);
      if (mode === 'stop') session.stop();
      else session.close();
      await advance(2_000);
      expect(refused.of('s0')).toEqual(['error InvalidConfigurationError']);
      expect([session.state(), session.error(), session.isOpen(), session.interface()]).toEqual([
        'NotAvailable',
        'InvalidConfigurationError',
        false,
        null,
      ]);
      world.setInRange(id, true);
      await manager.updateConfigurations();
      await advance(1_000);
      expect(configuration.state()).toBe('Discovered');
      expect(session.state()).toBe('Disconnected');
    }

    const rec = new EventRecorder().watch('s1', session);
    // error() is the last error: a successful open does not clear it (as in Qt).
    const errorBefore = session.error();

    // Opening the session. A link that is up already (the user's own) is joined, not owned.
    const previousState = session.state();
    const expectStateChange = previousState !== 'Connected';
    const joined = configuration.state() === 'Active';
    session.open();
    expect(await waitOpened(session)).toBe(true);
    expect(await advanceUntil(() => configuration.state() === 'Active')).toBe(true);
    expect(rec.count('s1', 'opened')).toBe(1);
    expect(rec.count('s1', 'closed')).toBe(0);
    expect(rec.values('s1', 'error')).toEqual([]);
    if (expectStateChange) {
      expect(rec.values('s1', 'stateChanged').slice(0, 2)).toEqual(['Connecting', 'Connected']);
    } else {
      expect(rec.values('s1', 'stateChanged')).toEqual([]);
    }
    expect(session.state()).toBe('Connected');
    expect(session.interface()).not.toBeNull();

    rec.clear();

    // A second session on the same configuration.
    const session2 = new NetworkSession(configuration);
    rec.watch('s2', session2);
    expect(session2.configuration()).toBe(configuration);
    expect(session2.isOpen()).toBe(false);
    expect(session2.state()).toBe('Connected');
    expect(session.error()).toBe(errorBefore);
    session2.open();
    expect(
      await advanceUntil(() => rec.count('s2', 'opened') > 0 || rec.count('s2', 'error') > 0),
    ).toBe(true);
    expect(rec.values('s2', 'error')).toEqual([]);
    expect(session2.isOpen()).toBe(true);
    expect(session2.state()).toBe('Connected');
    expect(session.isOpen()).toBe(true);
    expect(session.state()).toBe('Connected');
    expect(session.interface()).not.toBeNull();
    expect(session2.interface()).toEqual(session.interface());
    expect(session2.sessionProperty('ActiveConfiguration')).toBe(
      session.sessionProperty('ActiveConfiguration'),
    );
    rec.clear();

    if (mode === 'stop') {
      session2.stop();
      expect(
        await advanceUntil(() => rec.count('s2', 'closed') > 0 || rec.count('s2', 'error') > 0),
      ).toBe(true);
      expect(session2.isOpen()).toBe(false);
      expect(await advanceUntil(() => session2.state() === 'Disconnected')).toBe(true);
      expect(await advanceUntil(() => session.state() === 'Disconnected')).toBe(true);
      await advance(2_000);
      // stop() tears the link down for everyone: each session is told once why.
      expect(rec.values('s1', 'error')).toEqual(['SessionAbortedError']);
      expect(rec.values('s2', 'error')).toEqual(['SessionAbortedError']);
      const states2 = rec.values('s2', 'stateChanged');
      if (isServiceNetwork) {
        expect([
          ['Connecting', 'Connected', 'Closing', 'Disconnected'],
          ['Closing', 'Disconnected'],
        ]).toContainEqual(states2);
      } else {
        expect(states2).toEqual(['Closing', 'Disconnected']);
      }
      expect(rec.values('s1', 'stateChanged').at(-1)).toBe('Disconnected');
      expect(rec.count('s1', 'closed')).toBeGreaterThan(0);
      expect(rec.count('s2', 'closed')).toBeGreaterThan(0);
      expect(session.isOpen()).toBe(false);
      expect(session2.isOpen()).toBe(false);
      expect(configuration.state()).not.toBe('Active');
    } else {
      // Closing the second session: closed(), no state change, the first stays open.
      const stateChangesBefore = rec.count('s2', 'stateChanged');
      session2.close();
      expect(await advanceUntil(() => rec.count('s2', 'closed') > 0)).toBe(true);
      await advance(2_000);
      expect(rec.count('s2', 'stateChanged')).toBe(stateChangesBefore);
      expect(rec.count('s1', 'closed')).toBe(0);
      expect(session.isOpen()).toBe(true);
      expect(session2.isOpen()).toBe(false);
      expect(session.state()).toBe('Connected');
      expect(session2.state()).toBe('Connected');
      expect(session.interface()).not.toBeNull();
      expect(session2.interface()).toEqual(session.interface());
      rec.clear();

      // Closing the first (last) session: a link the sessions brought up really goes down
      // (DESIGN; with SystemSessionSupport in Qt too); a joined link is let go of and stays up.
      expect(manager.capabilities()).toContain('SystemSessionSupport');
      session.close();
      expect(
        await advanceUntil(() => rec.count('s1', 'closed') > 0 || rec.count('s1', 'error') > 0),
      ).toBe(true);
      expect(session.isOpen()).toBe(false);
      if (joined) {
        await advance(2_000);
        expect(session.state()).toBe('Connected');
        expect(configuration.state()).toBe('Active');
      } else {
        expect(await advanceUntil(() => session.state() === 'Disconnected')).toBe(true);
        expect(rec.count('s1', 'stateChanged')).toBeGreaterThan(0);
        expect(configuration.state()).not.toBe('Active');
      }
      expect(rec.values('s1', 'error')).toEqual([]);
      expect(rec.count('s1', 'opened')).toBe(0);
      expect(rec.count('s1', 'closed')).toBe(1);
    }
  });
});

describe('tst_qnetworksession::sessionAutoClose', () => {
  const rows = [ids.wlan, ids.cellular, ids.ethernet, ids.scanned, ids.snap];

  it.each(rows)(
    '%s: default -1; set to 0 after open → closed(), no longer open, reads -1 again',
    async (id) => {
      vi.useFakeTimers();
      const manager = await managers(qtWorld());
      await manager.updateConfigurations();
      const configuration = configurationOf(manager, id);
      const session = new NetworkSession(configuration);
      expect(session.configuration()).toBe(configuration);
      expect(session.sessionProperty('AutoCloseSessionTimeout')).toBe(-1);
      const rec = new EventRecorder().watch('s', session);
      const joined = configuration.state() === 'Active';
      session.open();
      expect(await waitOpened(session)).toBe(true);
      expect(session.isOpen()).toBe(true);

      session.setSessionProperty('AutoCloseSessionTimeout', 0);
      expect(await advanceUntil(() => rec.count('s', 'closed') > 0, { within: 90_000 })).toBe(true);
      expect(rec.count('s', 'closed')).toBe(1);
      expect(session.isOpen()).toBe(false);
      expect(session.configuration()).toBe(configuration);
      expect(session.sessionProperty('AutoCloseSessionTimeout')).toBe(-1);
      // Qt's desktop plugins left the link up (state Connected); DESIGN: the last close stops
      // a link the process brought up, where the engine can, and leaves a joined one up.
      if (joined) {
        await advance(2_000);
        expect([session.state(), configuration.state()]).toEqual(['Connected', 'Active']);
      } else {
        expect(await advanceUntil(() => session.state() === 'Disconnected')).toBe(true);
        expect(configuration.state()).not.toBe('Active');
      }
    },
  );

  it('a timeout set before open counts from opened()', async () => {
    vi.useFakeTimers();
    const manager = await managers(qtWorld());
    const session = new NetworkSession(configurationOf(manager, ids.wlan));
    const rec = new EventRecorder().watch('s', session);
    session.setSessionProperty('AutoCloseSessionTimeout', 1_000);
    session.open();
    expect(await advanceUntil(() => rec.count('s', 'opened') > 0)).toBe(true);
    await advance(900);
    expect(session.isOpen()).toBe(true);
    await advance(150);
    expect(rec.count('s', 'closed')).toBe(1);
    expect(session.isOpen()).toBe(false);
    expect(session.sessionProperty('AutoCloseSessionTimeout')).toBe(-1);
  });
});

describe('tst_qnetworksession::usagePolicies', () => {
  it('a policy change emits exactly one usagePoliciesChanged with it; none without a change', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.setDefault(ids.wlan);
    const manager = await managers(world);
    const session = new NetworkSession(manager.defaultConfiguration());
    expect(session.configuration().identifier()).toBe(ids.wlan);
    const initial = session.usagePolicies();
    expect(initial).toEqual(['NoPolicy']);
    const rec = new EventRecorder().watch('s', session);

    world.setUsagePolicies(ids.wlan, ['NoBackgroundTrafficPolicy']);
    await drain();
    expect(rec.values('s', 'usagePoliciesChanged')).toEqual(['NoBackgroundTrafficPolicy']);
    expect(session.usagePolicies()).toEqual(['NoBackgroundTrafficPolicy']);

    world.setUsagePolicies(ids.wlan, initial);
    await drain();
    rec.clear();

    session.open();
    expect(await waitOpened(session)).toBe(true);
    expect(session.usagePolicies()).toEqual(initial);
    expect(rec.count('s', 'usagePoliciesChanged')).toBe(0);

    // The same policies again is no change.
    world.setUsagePolicies(ids.wlan, initial);
    await advance(1_000);
    expect(rec.count('s', 'usagePoliciesChanged')).toBe(0);
  });

  it('a service network session opening on a member with other policies signals it once', async () => {
    vi.useFakeTimers();
    const world = qtWorld();
    world.setInRange(ids.wlan, false);
    world.setUsagePolicies(ids.cellular, ['NoBackgroundTrafficPolicy']);
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, ids.snap));
    const initial = session.usagePolicies();
    expect(initial).toEqual(['NoPolicy']);
    const rec = new EventRecorder().watch('s', session);
    session.open();
    expect(await waitOpened(session)).toBe(true);
    expect(session.sessionProperty('ActiveConfiguration')).toBe(ids.cellular);
    expect(session.usagePolicies()).toEqual(['NoBackgroundTrafficPolicy']);
    expect(rec.values('s', 'usagePoliciesChanged')).toEqual(['NoBackgroundTrafficPolicy']);
  });
});
