/**
 * The model for the property-based suites: a small simulated world, a fixed cast of sessions
 * (on access points, on a service network and on a UserChoice; some taking part in roaming,
 * some not), the random actions applied to them, and the checks run after every step and
 * when everything has been closed. Checks collect problems instead of throwing, so one run
 * reports everything that went wrong, with the step it went wrong at.
 */
import { type AccessPointOptions, SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  NetworkConfiguration,
  NetworkConfigurationManager,
  NetworkSession,
  type SessionError,
  type SessionState,
  sessionErrors,
  sessionStates,
} from '@netbearer/core';
import { hostOf, recordOf } from '@netbearer/core/internal';
import fc from 'fast-check';
import { vi } from 'vitest';
import { drain, runOutTimers } from '../support/drain.js';
import { catchRethrown } from '../support/rethrown.js';

export const accessPoints = ['sim:a', 'sim:b', 'sim:c', 'sim:d'] as const;
export type AccessPoint = (typeof accessPoints)[number];

const accessPointOptions: Record<AccessPoint, AccessPointOptions> = {
  'sim:a': {
    name: 'a',
    identifier: 'sim:a',
    interfaceName: 'wlan0',
    connectDelay: 100,
    disconnectDelay: 30,
  },
  'sim:b': {
    name: 'b',
    identifier: 'sim:b',
    interfaceName: 'wlan1',
    connectDelay: 0,
    disconnectDelay: 0,
  },
  'sim:c': {
    name: 'c',
    identifier: 'sim:c',
    bearerType: 'LTE',
    interfaceName: 'wwan0',
    connectDelay: 250,
    disconnectDelay: 50,
  },
  'sim:d': {
    name: 'd',
    identifier: 'sim:d',
    bearerType: 'Ethernet',
    interfaceName: 'eth0',
    inRange: false,
    connectDelay: 50,
    disconnectDelay: 20,
  },
};

const serviceNetwork = 'sim:snap';
const userChoice = 'sim:uc';

/** Who the sessions are: their configuration, and whether they listen for roaming offers. */
export const cast = [
  { label: 'a1', configuration: 'sim:a', roaming: true },
  { label: 'a2', configuration: 'sim:a', roaming: false },
  { label: 'b', configuration: 'sim:b', roaming: false },
  { label: 'c', configuration: 'sim:c', roaming: true },
  { label: 'snap1', configuration: serviceNetwork, roaming: true },
  { label: 'snap2', configuration: serviceNetwork, roaming: false },
  { label: 'uc', configuration: userChoice, roaming: false },
] as const;

export const sessionOps = [
  'open',
  'close',
  'stop',
  'migrate',
  'ignore',
  'accept',
  'reject',
] as const;
export type SessionOp = (typeof sessionOps)[number];

export type Action =
  | { readonly kind: 'session'; readonly session: number; readonly op: SessionOp }
  | { readonly kind: 'setInRange'; readonly ap: AccessPoint; readonly inRange: boolean }
  | { readonly kind: 'activate'; readonly ap: AccessPoint }
  | { readonly kind: 'loseLink'; readonly ap: AccessPoint }
  | { readonly kind: 'remove'; readonly ap: AccessPoint }
  | { readonly kind: 'restore'; readonly ap: AccessPoint }
  | {
      readonly kind: 'failNextConnect';
      readonly ap: AccessPoint;
      readonly error: 'ConnectError' | 'OperationNotSupported';
    }
  | { readonly kind: 'refuseNextStop'; readonly ap: AccessPoint }
  | { readonly kind: 'offerBetter'; readonly from: AccessPoint; readonly to: AccessPoint }
  | { readonly kind: 'connectTimeout'; readonly ap: AccessPoint; readonly ms: number }
  | { readonly kind: 'advance'; readonly ms: number };

const ap = fc.constantFrom(...accessPoints);

export const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('session' as const),
      session: fc.integer({ min: 0, max: cast.length - 1 }),
      // Opening and closing drive most of the machinery; roaming calls mostly meet misuse.
      op: fc.oneof(
        { weight: 4, arbitrary: fc.constant('open' as const) },
        { weight: 3, arbitrary: fc.constant('close' as const) },
        { weight: 2, arbitrary: fc.constant('stop' as const) },
        { weight: 3, arbitrary: fc.constantFrom('migrate', 'ignore', 'accept', 'reject') },
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(31_000)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('setInRange' as const), ap, inRange: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('activate' as const), ap }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('loseLink' as const), ap }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), ap }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), ap }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('failNextConnect' as const),
      ap,
      error: fc.constantFrom('ConnectError' as const, 'OperationNotSupported' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refuseNextStop' as const), ap }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('offerBetter' as const), from: ap, to: ap }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('connectTimeout' as const),
      ap,
      ms: fc.constantFrom(80, 30_000),
    }),
  },
);

/** Which classes of checks a run makes (each property asserts one class). */
export interface Checks {
  /** No call throws, states and errors are valid, no machine dies, nothing is rethrown. */
  readonly wellFormed?: boolean;
  /** What handlers receive agrees with itself and, once quiet, with the getters. */
  readonly events?: boolean;
  /** Link holder counts match the sessions holding them; all released at the end. */
  readonly references?: boolean;
  /** isOpen() true implies Connected, Roaming or Closing, always (in handlers and between steps). */
  readonly openImpliesConnected?: boolean;
  /**
   * Once all is quiet, a session on an access point agrees with its configuration (Qt's
   * sessionProperties mapping): open ⇒ what it is on is Active; not open ⇒ Active→Connected,
   * Discovered→Disconnected, Defined→NotAvailable, removed→Invalid.
   */
  readonly mirrorsConfiguration?: boolean;
}

const mirrored: Record<string, SessionState> = {
  Active: 'Connected',
  Discovered: 'Disconnected',
  Defined: 'NotAvailable',
  Undefined: 'NotAvailable',
};

const stateSet = new Set<string>(sessionStates);
const errorSet = new Set<string>(sessionErrors);

/** One session of the cast and what its handlers have seen. */
class Watched {
  readonly initial: SessionState;
  lastState: SessionState | undefined;
  lastOpenClose: 'opened' | 'closed' | undefined;
  lastError: SessionError | undefined;

  constructor(
    readonly label: string,
    readonly session: NetworkSession,
    roaming: boolean,
    checks: Checks,
    problem: (message: string) => void,
  ) {
    this.initial = session.state();
    const look = (event: string) => {
      const state = session.state();
      if (checks.wellFormed && !stateSet.has(state)) problem(`${label} ${event}: state() ${state}`);
      if (checks.wellFormed && !errorSet.has(session.error())) {
        problem(`${label} ${event}: error() ${session.error()}`);
      }
      if (checks.openImpliesConnected && session.isOpen() && !isConnected(state)) {
        problem(`${label} ${event} handler: isOpen() while ${state}`);
      }
    };
    session.on('stateChanged', (state) => {
      look('stateChanged');
      if (checks.events) {
        if (!stateSet.has(state)) problem(`${label} stateChanged(${state}): not a state`);
        const previous = this.lastState ?? this.initial;
        if (state === previous) problem(`${label} stateChanged(${state}) repeats ${previous}`);
      }
      this.lastState = state;
    });
    session.on('opened', () => {
      look('opened');
      if (checks.events && this.lastOpenClose === 'opened') {
        problem(`${label} opened() twice without closed() between`);
      }
      this.lastOpenClose = 'opened';
    });
    session.on('closed', () => {
      look('closed');
      this.lastOpenClose = 'closed';
    });
    session.on('error', (error) => {
      look('error');
      if (checks.events && !errorSet.has(error)) problem(`${label} error(${error}): not an error`);
      this.lastError = error;
    });
    session.on('newConfigurationActivated', () => look('newConfigurationActivated'));
    if (roaming) {
      session.on('preferredConfigurationChanged', (configuration, seamless) => {
        look('preferredConfigurationChanged');
        if (
          checks.events &&
          (!(configuration instanceof NetworkConfiguration) || typeof seamless !== 'boolean')
        ) {
          problem(`${label} preferredConfigurationChanged with ${String(configuration)}`);
        }
      });
    }
  }
}

/**
 * Where an open session can be: on its link, roaming, or being stopped. A session stays open
 * through Closing until the link is down (closed + SessionAbortedError) or the engine refuses
 * the stop (still open): isOpen() flips with the `closed` event, never before it.
 */
function isConnected(state: SessionState): boolean {
  return state === 'Connected' || state === 'Roaming' || state === 'Closing';
}

function buildWorld(): SimulatedWorld {
  const world = new SimulatedWorld();
  for (const id of accessPoints) world.addAccessPoint(accessPointOptions[id]);
  world.addServiceNetwork({
    name: 'snap',
    identifier: serviceNetwork,
    children: ['sim:d', 'sim:a', 'sim:c'],
  });
  world.addUserChoice(userChoice);
  return world;
}

/**
 * Runs `actions` over a fresh world and manager under fake timers, then closes every session
 * and lets the timers run out; throws listing every problem the enabled `checks` found.
 */
export async function runScenario(actions: readonly Action[], checks: Checks): Promise<void> {
  vi.useFakeTimers();
  const rethrown = catchRethrown();
  const problems: string[] = [];
  let step = 'setup';
  const problem = (message: string) => {
    if (problems.length < 20) problems.push(`[${step}] ${message}`);
  };
  const world = buildWorld();
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
  const removed = new Set<AccessPoint>();
  const activated = new Set<AccessPoint>();
  const refusals = new Map<AccessPoint, number>();
  // Links the user brought up before the process touched them, and that nothing has taken
  // down since: only a stop() may (DESIGN: a session never takes away what it did not bring up).
  const usersOwn = new Set<AccessPoint>();
  const checkUsersOwn = () => {
    if (!checks.references) return;
    for (const id of usersOwn) {
      if (world.state(id) !== 'Active') problem(`${id}, up before the process, was brought down`);
    }
  };

  try {
    const watched = cast.map(
      (spec) =>
        new Watched(
          spec.label,
          new NetworkSession(manager.configurationFromIdentifier(spec.configuration)),
          spec.roaming,
          checks,
          problem,
        ),
    );

    const checkQuiet = () => {
      if (checks.wellFormed) {
        for (const error of rethrown.errors.splice(0)) problem(`rethrown: ${String(error)}`);
      }
      for (const w of watched) {
        const { session, label } = w;
        const state = session.state();
        if (checks.wellFormed) {
          if (!stateSet.has(state)) problem(`${label} state() ${state}`);
          if (!errorSet.has(session.error())) problem(`${label} error() ${session.error()}`);
          const status = session.actor.getSnapshot().status;
          if (status !== 'active') problem(`${label} machine is ${status}`);
        }
        if (checks.openImpliesConnected && session.isOpen() && !isConnected(state)) {
          problem(`${label} isOpen() while ${state}`);
        }
        if (checks.events) {
          const delivered = w.lastState ?? w.initial;
          if (delivered !== state)
            problem(`${label} last stateChanged ${delivered}, state() ${state}`);
          const open = w.lastOpenClose === 'opened';
          if (session.isOpen() !== open) {
            problem(
              `${label} isOpen() ${session.isOpen()} but last of opened/closed: ${w.lastOpenClose}`,
            );
          }
          if (w.lastError !== undefined && w.lastError !== session.error()) {
            problem(`${label} last error() event ${w.lastError}, error() ${session.error()}`);
          }
        }
      }
      if (checks.references) {
        const bindings = [...hostOf(manager).bindings()];
        for (const link of hostOf(manager).links()) {
          const holding = bindings.filter((b) => b.holds.has(link)).length;
          const id = link.record.identifier;
          if (link.holders < 0) problem(`link ${id} has ${link.holders} holders`);
          if (link.holders !== holding) {
            problem(
              `link ${id} (${link.status}) counts ${link.holders} holders, ${holding} sessions hold it`,
            );
          }
          if (link.actor.getSnapshot().status !== 'active') problem(`link ${id} machine stopped`);
        }
      }
    };

    const call = (label: string, op: string, act: () => void) => {
      try {
        act();
      } catch (error) {
        if (checks.wellFormed) problem(`${label}.${op}() threw ${String(error)}`);
      }
    };

    const record = (id: AccessPoint) => recordOf(manager.configurationFromIdentifier(id));

    const apply = async (action: Action): Promise<void> => {
      switch (action.kind) {
        case 'session': {
          const w = watched[action.session];
          if (action.op === 'stop') usersOwn.clear();
          if (w) call(w.label, action.op, () => w.session[action.op]());
          return;
        }
        case 'advance':
          await vi.advanceTimersByTimeAsync(action.ms);
          return;
        case 'connectTimeout': {
          const configuration = manager.configurationFromIdentifier(action.ap);
          if (configuration.isValid()) configuration.setConnectTimeout(action.ms);
          return;
        }
        case 'restore':
          if (!removed.has(action.ap)) return;
          removed.delete(action.ap);
          activated.delete(action.ap);
          refusals.delete(action.ap);
          world.addAccessPoint(accessPointOptions[action.ap]);
          return;
        case 'offerBetter':
          if (action.from === action.to || removed.has(action.from) || removed.has(action.to)) {
            return;
          }
          world.offerBetter(action.from, action.to);
          return;
      }
      if (removed.has(action.ap)) return;
      switch (action.kind) {
        case 'setInRange':
          if (!action.inRange) usersOwn.delete(action.ap);
          world.setInRange(action.ap, action.inRange);
          return;
        case 'activate':
          activated.add(action.ap);
          // Only while the process leaves the link alone (not starting or stopping it).
          if (['Down', 'Unavailable'].includes(hostOf(manager).linkOf(record(action.ap)).status)) {
            usersOwn.add(action.ap);
          }
          world.activate(action.ap);
          return;
        case 'loseLink':
          usersOwn.delete(action.ap);
          world.loseLink(action.ap);
          return;
        case 'remove':
          usersOwn.delete(action.ap);
          removed.add(action.ap);
          world.remove(action.ap);
          return;
        case 'failNextConnect':
          world.failNextConnect(action.ap, action.error);
          return;
        case 'refuseNextStop':
          refusals.set(action.ap, (refusals.get(action.ap) ?? 0) + 1);
          world.refuseNextStop(action.ap);
          return;
      }
    };

    for (const [i, action] of actions.entries()) {
      step = `step ${i} ${JSON.stringify(action)}`;
      await apply(action);
      await drain();
      checkQuiet();
      checkUsersOwn();
    }

    // Let the engine finish what it was doing: nothing may stay half-way once all is quiet,
    // except a roam waiting for an application that listens for it to answer.
    step = 'quiet';
    await runOutTimers();
    checkQuiet();
    if (checks.wellFormed) {
      for (const [i, w] of watched.entries()) {
        const state = w.session.state();
        const waitingForApp = state === 'Roaming' && cast[i]?.roaming === true;
        if (['Connecting', 'Closing', 'Roaming'].includes(state) && !waitingForApp) {
          problem(`${w.label} still ${state} when all is quiet`);
        }
      }
    }

    if (checks.mirrorsConfiguration) {
      for (const [i, w] of watched.entries()) {
        const configuration = w.session.configuration();
        if (configuration.type() !== 'InternetAccessPoint' && configuration.isValid()) continue;
        const state = w.session.state();
        if (w.session.isOpen()) {
          // An open session may have roamed: what must be up is what it is on now.
          const active = String(w.session.sessionProperty('ActiveConfiguration'));
          const on = manager.configurationFromIdentifier(active);
          if (on.state() !== 'Active' && state !== 'Roaming') {
            problem(`${w.label} is open (${state}) on ${active}, which is ${on.state()}`);
          }
          continue;
        }
        const expected = configuration.isValid() ? mirrored[configuration.state()] : 'Invalid';
        if (state !== expected) {
          problem(
            `${w.label} is ${state} but ${cast[i]?.configuration} is ${configuration.isValid() ? configuration.state() : 'removed'}`,
          );
        }
      }
    }

    // Wind down: the application closes everything; the engine finishes what it was doing.
    step = 'close all';
    for (const w of watched) call(w.label, 'close', () => w.session.close());
    await drain();
    await runOutTimers();
    checkQuiet();
    checkUsersOwn();
    for (const w of watched) {
      if (checks.wellFormed && w.session.isOpen()) problem(`${w.label} still open after close()`);
      if (checks.wellFormed && ['Connecting', 'Closing', 'Roaming'].includes(w.session.state())) {
        problem(`${w.label} still ${w.session.state()} when all is quiet`);
      }
    }

    if (checks.references) {
      for (const link of hostOf(manager).links()) {
        if (link.holders !== 0) {
          problem(`link ${link.record.identifier} keeps ${link.holders} holders after every close`);
        }
        if (link.status === 'Starting' || link.status === 'Stopping') {
          problem(`link ${link.record.identifier} still ${link.status} when all is quiet`);
        }
      }
      for (const b of hostOf(manager).bindings()) {
        if (b.holds.size > 0) problem(`a session on ${b.record.identifier} still holds links`);
      }
      // Through the public API: the configuration's own state.
      const isActive = (id: AccessPoint) =>
        manager.configurationFromIdentifier(id).state() === 'Active';
      // What a session opened is released: an access point nobody else brought up and
      // whose stop was never refused is no longer Active.
      for (const id of accessPoints) {
        if (removed.has(id) || activated.has(id) || (refusals.get(id) ?? 0) > 0) continue;
        if (isActive(id)) problem(`${id} still Active after every session closed`);
      }
      // Anything still up that the process brought up must come down when a probe session is
      // the last to close it; a link it joined stays up.
      for (const id of accessPoints) {
        if (removed.has(id)) continue;
        const joined = hostOf(manager).linkOf(record(id)).ownership === 'Joined';
        for (let attempt = 0; attempt <= (refusals.get(id) ?? 0); attempt++) {
          if (!isActive(id)) break;
          step = `probe ${id} #${attempt}`;
          const probe = new NetworkSession(manager.configurationFromIdentifier(id));
          probe.open();
          await runOutTimers();
          if (!probe.isOpen()) problem(`probe on Active ${id} did not open (${probe.state()})`);
          probe.close();
          await drain();
          await runOutTimers();
          probe.dispose();
        }
        if (joined && !isActive(id)) problem(`${id}, joined, was brought down by a probe's close`);
        if (!joined && isActive(id)) problem(`${id} stays Active after a probe's last close`);
      }
      step = 'after probes';
      for (const link of hostOf(manager).links()) {
        if (link.holders !== 0)
          problem(`link ${link.record.identifier} keeps ${link.holders} holders`);
      }
    }
  } finally {
    await manager.dispose();
    rethrown.restore();
    vi.useRealTimers();
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
