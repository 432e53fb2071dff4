/**
 * The session machine walked on a real NetworkSession over the replayed Windows and macOS
 * machines: the paths their engines' capabilities allow (open → Connected, close, stop or its
 * refusal, a connect that never associates or is refused, the link lost, out of reach and
 * back, a saved network forgotten). The machine runs beside the session as the oracle: after
 * every step the session's state, isOpen(), error() and the events it delivered must be the
 * model's. The worlds associate and finish stops only when a step says so.
 *
 * Roaming is not walked here: neither engine offers a better network to a session (their
 * ForcedRoaming is the OS's own), so its states are left to the simulated walk.
 */
import { NetworkConfigurationManager, NetworkSession, type SessionError } from '@netbearer/core';
import {
  allStates,
  allTransitions,
  Coverage,
  type SessionEvent,
  sessionMachine,
} from '@netbearer/machines';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Actor, createActor } from 'xstate';
import { advance, drain } from '../support/drain.js';
import {
  type PlatformName,
  platformNames,
  type ReplayedMachine,
  replayedPlatforms,
} from './replayed-platforms.js';

type LinkStatus = 'Unavailable' | 'Down' | 'Up';

interface Walk {
  readonly machine: ReplayedMachine;
  readonly manager: NetworkConfigurationManager;
  session: NetworkSession | undefined;
  /** Another application in the process, on the same configuration. */
  peer: NetworkSession | undefined;
  /** The configuration the session is on. */
  id: string;
}

/** One step: the model events it stands for, and how the world and the application do it. */
interface Step {
  readonly label: string;
  readonly events: readonly SessionEvent[];
  readonly act: (walk: Walk) => Promise<void>;
}

const failed = { error: 'UnknownSessionError' as const, message: 'replayed' };
const ev = (
  type:
    | 'MIGRATE'
    | 'IGNORE'
    | 'ACCEPT'
    | 'REJECT'
    | 'LINK_STOPPING'
    | 'OPEN'
    | 'CLOSE'
    | 'STOP'
    | 'LINK_UP'
    | 'LINK_DOWN'
    | 'LINK_UNAVAILABLE'
    | 'LINK_REMOVED',
) => ({ type }) as SessionEvent;
const settle = (w: Walk) => advance(w.machine.settleMs);
const update = async (w: Walk) => {
  await w.manager.updateConfigurations();
  await settle(w);
};

const peerOn = (w: Walk): NetworkSession => {
  w.peer ??= new NetworkSession(w.manager.configurationFromIdentifier(w.id));
  return w.peer;
};

/** Does something, then lets the engine and core react (fake time). */
const then =
  (act: (w: Walk) => unknown, wait: (w: Walk) => Promise<void>) =>
  async (w: Walk): Promise<void> => {
    act(w);
    await wait(w);
  };
const shortly = () => advance(100);

const steps = {
  bind: (status: LinkStatus): Step => ({
    label: `BIND(${status})`,
    events: [{ type: 'BIND', status }],
    act: async (w) => {
      const { ids } = w.machine;
      w.id = status === 'Up' ? ids.connected : status === 'Down' ? ids.known : ids.outOfReach;
      w.session = new NetworkSession(w.manager.configurationFromIdentifier(w.id));
    },
  }),
  /** Another session is opening the network when this one is made. */
  bindStarting: {
    label: 'BIND(Starting)',
    events: [{ type: 'BIND', status: 'Starting' }],
    act: async (w) => {
      w.id = w.machine.ids.known;
      w.peer = peerOn(w);
      w.peer.open();
      await shortly();
      w.session = new NetworkSession(w.manager.configurationFromIdentifier(w.id));
    },
  },
  /** Another session is stopping the network when this one is made. */
  bindStopping: {
    label: 'BIND(Stopping)',
    events: [{ type: 'BIND', status: 'Stopping' }],
    act: async (w) => {
      w.id = w.machine.ids.connected;
      w.peer = peerOn(w);
      w.peer.stop();
      await shortly();
      w.session = new NetworkSession(w.manager.configurationFromIdentifier(w.id));
    },
  },
  /** Another session stops the link this one is on (it takes its time). */
  peerStops: {
    label: 'LINK_STOPPING(peer)',
    events: [ev('LINK_STOPPING')],
    act: then((w) => peerOn(w).stop(), shortly),
  },
  /** Another session stops the link this one is opening: the connect is rolled back. */
  peerStopsConnecting: {
    label: 'LINK_STOPPING+LINK_DOWN(peer)',
    events: [ev('LINK_STOPPING'), ev('LINK_DOWN')],
    act: then((w) => peerOn(w).stop(), settle),
  },
  /** Roaming calls with no roam under way: misuse, a typed error each. */
  misuse: {
    label: 'MIGRATE+IGNORE+ACCEPT+REJECT',
    events: [ev('MIGRATE'), ev('IGNORE'), ev('ACCEPT'), ev('REJECT')],
    act: then((w) => {
      w.session?.migrate();
      w.session?.ignore();
      w.session?.accept();
      w.session?.reject();
    }, shortly),
  },
  open: {
    label: 'OPEN',
    events: [ev('OPEN')],
    act: then((w) => w.session?.open(), shortly),
  },
  close: {
    label: 'CLOSE',
    events: [ev('CLOSE')],
    act: then((w) => w.session?.close(), shortly),
  },
  stop: {
    label: 'STOP',
    events: [ev('STOP')],
    act: then((w) => w.session?.stop(), shortly),
  },
  /** Where the engine cannot stop, core refuses at once: STOP and its refusal in one step. */
  stopRefusedAtOnce: {
    label: 'STOP+STOP_REFUSED',
    events: [
      ev('STOP'),
      { type: 'STOP_REFUSED', failure: { error: 'OperationNotSupportedError', message: '' } },
    ],
    act: then((w) => w.session?.stop(), shortly),
  },
  /** A stop while the connect is pending: the connect is rolled back, the link is down. */
  stopWhileConnecting: {
    label: 'STOP+LINK_DOWN',
    events: [ev('STOP'), ev('LINK_DOWN')],
    act: then(
      (w) => w.session?.stop(),
      (w) => settle(w),
    ),
  },
  associate: {
    label: 'LINK_UP(associated)',
    events: [ev('LINK_UP')],
    act: then(
      (w) => w.machine.associate(),
      (w) => settle(w),
    ),
  },
  neverAssociates: {
    label: 'CONNECT_FAILED(timeout)',
    events: [{ type: 'CONNECT_FAILED', failure: failed }],
    act: (w) => advance(w.machine.connectTimeoutMs),
  },
  openRefused: {
    label: 'OPEN+CONNECT_FAILED(refused)',
    events: [ev('OPEN'), { type: 'CONNECT_FAILED', failure: failed }],
    act: async (w) => {
      w.machine.refuses(w.id);
      w.session?.open();
      await advance(100);
    },
  },
  /** The disconnect netsh asked for completes: the link is down. */
  stopCompletes: {
    label: 'LINK_DOWN(stopped)',
    events: [ev('LINK_DOWN')],
    act: then(
      (w) => w.machine.dropLink(),
      (w) => settle(w),
    ),
  },
  /** The disconnect never happens: the engine gives up, the link stays up. */
  stopNeverCompletes: {
    label: 'STOP_REFUSED(timeout)',
    events: [{ type: 'STOP_REFUSED', failure: failed }],
    act: (w) => advance(w.machine.connectTimeoutMs),
  },
  linkLost: {
    label: 'LINK_DOWN(lost)',
    events: [ev('LINK_DOWN')],
    act: then(
      (w) => w.machine.dropLink(),
      (w) => settle(w),
    ),
  },
  connectedElsewhere: {
    label: 'LINK_UP(elsewhere)',
    events: [ev('LINK_UP')],
    act: async (w) => {
      w.machine.connectElsewhere(w.id);
      // A Mac that hides names from ipconfig says which network on a full read only.
      if (w.machine.platform === 'macos') await w.manager.updateConfigurations();
      await settle(w);
    },
  },
  outOfReach: {
    label: 'LINK_UNAVAILABLE',
    events: [ev('LINK_UNAVAILABLE')],
    act: then(
      (w) => w.machine.setInReach(w.id, false),
      (w) => update(w),
    ),
  },
  backInReach: {
    label: 'LINK_DOWN(in reach)',
    events: [ev('LINK_DOWN')],
    act: then(
      (w) => w.machine.setInReach(w.id, true),
      (w) => update(w),
    ),
  },
  forgotten: {
    label: 'LINK_REMOVED',
    events: [ev('LINK_REMOVED')],
    act: then(
      (w) => w.machine.forget(w.id),
      (w) => update(w),
    ),
  },
} satisfies Record<string, Step | ((status: LinkStatus) => Step)>;

/** The paths each platform's engine allows. */
function paths(machine: ReplayedMachine): Step[][] {
  const s = steps;
  const stop = machine.canStop ? [s.stop, s.stopCompletes] : [s.stopRefusedAtOnce];
  // Where a stop takes its time, the session is seen Closing, and more can happen there.
  const closing: Step[][] = machine.canStop
    ? [
        [s.bind('Down'), s.open, s.associate, s.stop, s.stopNeverCompletes],
        [s.bind('Down'), s.open, s.associate, s.stop, s.close, s.stopCompletes],
        [s.bind('Up'), s.stop, s.stopCompletes, s.open, s.associate],
        [s.bind('Up'), s.stop, s.stopNeverCompletes],
      ]
    : [[s.bind('Up'), s.stopRefusedAtOnce, s.open, s.close]];
  const peers: Step[][] = machine.canStop
    ? [
        [s.bind('Up'), s.stop, s.open, s.stopCompletes, s.associate],
        [s.bind('Up'), s.stop, s.open, s.close, s.stopCompletes],
        [s.bind('Up'), s.stop, s.open, s.stopNeverCompletes],
        [s.bindStopping, s.stopCompletes],
        [s.bind('Down'), s.open, s.associate, s.peerStops, s.stopCompletes],
      ]
    : [];
  return [
    [s.bind('Down'), s.open, s.associate, s.close],
    [s.bind('Down'), s.open, s.associate, ...stop],
    ...closing,
    ...peers,
    [s.bindStarting, s.associate, s.misuse],
    [s.bindStarting, s.open, s.associate],
    [s.bindStarting, s.neverAssociates],
    [s.bind('Down'), s.open, s.peerStopsConnecting],
    [s.bind('Down'), s.open, s.outOfReach],
    [s.bind('Down'), s.open, s.forgotten],
    [s.bind('Down'), s.forgotten, s.open],
    [s.bind('Unavailable'), s.forgotten],
    [s.bind('Down'), s.open, s.close],
    [s.bind('Down'), s.open, s.neverAssociates, s.open, s.associate],
    [s.bind('Down'), s.openRefused],
    [s.bind('Down'), s.open, s.stopWhileConnecting],
    [s.bind('Down'), s.open, s.associate, s.linkLost],
    [s.bind('Up'), s.open, s.close, s.linkLost],
    [s.bind('Up'), s.open, s.open, s.close, s.close],
    [s.bind('Down'), s.connectedElsewhere, s.open, s.close],
    [s.bind('Down'), s.outOfReach, s.open, s.backInReach, s.open, s.associate],
    [s.bind('Unavailable'), s.backInReach, s.forgotten, s.open],
  ];
}

/** A state value's top-level name: what `session.state()` reports. */
const top = (value: unknown) =>
  typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? '');

/** The abstract state compared after each step: the value and the flags that matter. */
function keyOf(
  value: unknown,
  c: { bound: boolean; isOpen: boolean; opening: boolean; stopping: boolean },
) {
  return `${JSON.stringify(value)} b${+c.bound} o${+c.isOpen} p${+c.opening} s${+c.stopping}`;
}

/** The session's events as the model names them, in delivery order. */
class Observed {
  readonly seen: string[] = [];
  watch(session: NetworkSession): void {
    session.on('opened', () => this.seen.push('opened'));
    session.on('closed', () => this.seen.push('closed'));
    session.on('error', (e: SessionError) => this.seen.push(`error:${e}`));
    session.on('stateChanged', (state) => this.seen.push(`state:${state}`));
  }
}

/** The model's events for one step: emitted events, then the state change, then errors. */
function runModel(model: Actor<typeof sessionMachine>, events: readonly SessionEvent[]): string[] {
  const out: string[] = [];
  const emitted: string[] = [];
  const sub = model.on('*', (e) => emitted.push(e.type === 'error' ? `error:${e.error}` : e.type));
  for (const event of events) {
    const before = top(model.getSnapshot().value);
    model.send(event);
    const after = top(model.getSnapshot().value);
    const now = emitted.splice(0);
    out.push(...now.filter((e) => !e.startsWith('error:')));
    if (after !== before && event.type !== 'BIND') out.push(`state:${after}`);
    out.push(...now.filter((e) => e.startsWith('error:')));
  }
  sub.unsubscribe();
  return out;
}

const coverage: Record<PlatformName, Coverage> = {
  windows: new Coverage('session'),
  'windows-de': new Coverage('session'),
  macos: new Coverage('session'),
};
const everyState = allStates(sessionMachine);
const everyTransition = allTransitions(sessionMachine);

async function walk(platform: PlatformName, path: readonly Step[]): Promise<void> {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  const machine = replayedPlatforms[platform]({ manual: true });
  const manager = await NetworkConfigurationManager.create({
    engines: [machine.engine],
    inspect: coverage[platform].inspect,
  });
  const w: Walk = { machine, manager, session: undefined, peer: undefined, id: '' };
  const model = createActor(sessionMachine).start();
  const observed = new Observed();
  try {
    for (const [i, step] of path.entries()) {
      const had = w.session;
      observed.seen.length = 0;
      await step.act(w);
      await drain();
      if (w.session && w.session !== had) observed.watch(w.session);
      const expected = runModel(model, step.events);
      const where = `step ${i + 1} ${step.label}`;
      const s = w.session;
      if (!s) throw new Error(`${where}: no session`);
      const m = model.getSnapshot();
      const actual = s.actor.getSnapshot();
      expect({
        machine: keyOf(actual.value, actual.context),
        state: s.state(),
        isOpen: s.isOpen(),
        error: s.error(),
        events: observed.seen.join(' '),
        where,
      }).toEqual({
        machine: keyOf(m.value, m.context),
        state: top(m.value),
        isOpen: m.context.isOpen,
        error: m.context.error.error,
        events: expected.join(' '),
        where,
      });
      coverage[platform].sawState(top(actual.value));
    }
  } finally {
    w.session?.dispose();
    w.peer?.dispose();
    model.stop();
    await manager.dispose();
    machine.dispose();
    vi.useRealTimers();
  }
}

const label = (path: readonly Step[]) => path.map((step) => step.label).join(' → ');

describe.each(platformNames)('session machine, walked on a replayed %s', (platform) => {
  const machine = replayedPlatforms[platform]({ manual: true });
  machine.dispose();
  it.each(paths(machine).map((path) => [label(path), path] as const))('%s', async (_, path) => {
    await walk(platform, path);
  });

  afterAll(() => {
    const c = coverage[platform];
    const states = everyState.filter((s) => c.states.has(s)).length;
    const transitions = everyTransition.filter((t) => c.transitions.has(t)).length;
    console.log(
      `replayed ${platform}: states ${states}/${everyState.length}, transitions ${transitions}/${everyTransition.length}`,
    );
  });

  it.sequential('reaches every state but Roaming (no engine here offers a roam)', () => {
    // Runs last in this block (vitest runs the tests of a block in order).
    const missed = everyState.filter((s) => !coverage[platform].states.has(s));
    expect(missed.filter((s) => !s.startsWith('Roaming'))).toEqual([]);
  });
});
