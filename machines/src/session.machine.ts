import { and, assign, emit, not, setup } from 'xstate';
import type { Failure, LinkStatus, SessionError } from './vocabulary.js';

/**
 * One network session. Its state values are exactly Qt's session states; whether this session
 * is open, waiting to open, asking for a stop, and where it is in a roam live in context.
 *
 * Link events describe the link the session follows (its access point, or for a service
 * network the chosen child); roam events describe the link it is migrating to. The host (core)
 * turns link machine changes into these events and performs the named actions.
 */

export type RoamPhase = 'Preferred' | 'Migrating' | 'Activated';

export interface Roam {
  readonly phase: RoamPhase;
  /** Identifier of the configuration the session is roaming to. */
  readonly configuration: string;
  readonly seamless: boolean;
  /** True while the old link is still up: declining the roam keeps the session. */
  readonly upgrade: boolean;
  /** Nobody listens for preferredConfigurationChanged: migrate and accept on its own. */
  readonly forced: boolean;
}

export interface SessionContext {
  readonly isOpen: boolean;
  /** An open waiting for the link: while Connecting, or deferred until a stop completes. */
  readonly opening: boolean;
  /** This session asked for the stop in progress. */
  readonly stopping: boolean;
  readonly error: Failure;
  readonly roam: Roam | null;
}

export type SessionCommand =
  | { type: 'OPEN' }
  | { type: 'CLOSE' }
  | { type: 'STOP' }
  | { type: 'MIGRATE' }
  | { type: 'IGNORE' }
  | { type: 'ACCEPT' }
  | { type: 'REJECT' };

export type SessionEngineEvent =
  | { type: 'BIND'; status: LinkStatus }
  | { type: 'LINK_STARTING' }
  | { type: 'LINK_UP' }
  | { type: 'LINK_STOPPING' }
  | { type: 'LINK_DOWN' }
  | { type: 'LINK_UNAVAILABLE' }
  | { type: 'LINK_REMOVED' }
  | { type: 'CONNECT_FAILED'; failure: Failure }
  | { type: 'STOP_REFUSED'; failure: Failure }
  | {
      type: 'BETTER_CONFIGURATION';
      configuration: string;
      seamless: boolean;
      upgrade: boolean;
      forced: boolean;
    }
  | { type: 'ROAM_TARGET_UP' }
  | { type: 'ROAM_TARGET_FAILED'; failure: Failure };

export type SessionEvent = SessionCommand | SessionEngineEvent;

export type SessionEmitted =
  | { type: 'opened' }
  | { type: 'closed' }
  | { type: 'error'; error: SessionError; message: string }
  | { type: 'preferredConfigurationChanged'; configuration: string; seamless: boolean }
  | { type: 'newConfigurationActivated' };

export const initialFailure: Failure = { error: 'UnknownSessionError', message: '' };

const failures = {
  invalid: { error: 'InvalidConfigurationError', message: 'Invalid configuration.' },
  notAvailable: {
    error: 'InvalidConfigurationError',
    message: 'The configuration is defined but not discovered: it cannot be opened now.',
  },
  aborted: {
    error: 'SessionAbortedError',
    message: 'The session was closed without the application asking.',
  },
  outOfReach: {
    error: 'UnknownSessionError',
    message: 'The configuration went out of reach while connecting.',
  },
  removed: { error: 'InvalidConfigurationError', message: 'The configuration was removed.' },
  notRoaming: {
    error: 'OperationNotSupportedError',
    message: 'No roaming step is waiting for this call.',
  },
} as const satisfies Record<string, Failure>;

type FailureName = keyof typeof failures;

const failureIn = ({ event }: { event: SessionEvent }): Failure =>
  'failure' in event ? event.failure : initialFailure;

export const sessionMachine = setup({
  types: {} as {
    context: SessionContext;
    events: SessionEvent;
    emitted: SessionEmitted;
  },
  guards: {
    bound: ({ event }, params: { status: LinkStatus }) =>
      event.type === 'BIND' && event.status === params.status,
    isOpen: ({ context }) => context.isOpen,
    opening: ({ context }) => context.opening,
    stopping: ({ context }) => context.stopping,
    inPreferred: ({ context }) => context.roam?.phase === 'Preferred',
    inMigrating: ({ context }) => context.roam?.phase === 'Migrating',
    inActivated: ({ context }) => context.roam?.phase === 'Activated',
    forced: ({ context }) => context.roam?.forced === true,
    forcedOffer: ({ event }) => event.type === 'BETTER_CONFIGURATION' && event.forced,
    upgrade: ({ context }) => context.roam?.upgrade === true,
  },
  actions: {
    // Performed by the host; no-ops in a pure run.
    acquire: () => {},
    release: () => {},
    stopLink: () => {},
    acquireTarget: () => {},
    releaseTarget: () => {},
    commitTarget: () => {},

    markOpening: assign({ opening: true }),
    clearOpening: assign({ opening: false }),
    becomeOpen: assign({ isOpen: true, opening: false }),
    becomeClosed: assign({ isOpen: false, opening: false, stopping: false }),
    markStopping: assign({ stopping: true }),
    clearStopping: assign({ stopping: false }),
    emitOpened: emit({ type: 'opened' }),
    emitClosed: emit({ type: 'closed' }),
    fail: assign({ error: (_, params: { failure: FailureName }) => failures[params.failure] }),
    emitFailure: emit((_, params: { failure: FailureName }) => ({
      type: 'error' as const,
      ...failures[params.failure],
    })),
    failFromEvent: assign({ error: failureIn }),
    emitFailureFromEvent: emit((args) => ({ type: 'error' as const, ...failureIn(args) })),
    failRoaming: assign({
      error: (args) => ({ error: 'RoamingError' as const, message: failureIn(args).message }),
    }),
    emitRoamingFailure: emit((args) => ({
      type: 'error' as const,
      error: 'RoamingError' as const,
      message: failureIn(args).message,
    })),

    startRoam: assign({
      roam: ({ event }) =>
        event.type === 'BETTER_CONFIGURATION'
          ? {
              phase: event.forced ? ('Migrating' as const) : ('Preferred' as const),
              configuration: event.configuration,
              seamless: event.seamless,
              upgrade: event.upgrade,
              forced: event.forced,
            }
          : null,
    }),
    emitPreferred: emit(({ event }) => ({
      type: 'preferredConfigurationChanged' as const,
      configuration: event.type === 'BETTER_CONFIGURATION' ? event.configuration : '',
      seamless: event.type === 'BETTER_CONFIGURATION' && event.seamless,
    })),
    enterPhase: assign({
      roam: ({ context }, params: { phase: RoamPhase }) =>
        context.roam && { ...context.roam, phase: params.phase },
    }),
    oldLinkLost: assign({
      roam: ({ context }) => context.roam && { ...context.roam, upgrade: false },
    }),
    endRoam: assign({ roam: null }),
    emitNewActivated: emit({ type: 'newConfigurationActivated' }),
  },
}).createMachine({
  id: 'session',
  initial: 'Invalid',
  context: {
    isOpen: false,
    opening: false,
    stopping: false,
    error: initialFailure,
    roam: null,
  },
  on: {
    // Roaming calls outside their step are misuse: a typed error, never a state change.
    MIGRATE: { actions: [{ type: 'fail', params: { failure: 'notRoaming' } }, notRoamingEmit()] },
    IGNORE: { actions: [{ type: 'fail', params: { failure: 'notRoaming' } }, notRoamingEmit()] },
    ACCEPT: { actions: [{ type: 'fail', params: { failure: 'notRoaming' } }, notRoamingEmit()] },
    REJECT: { actions: [{ type: 'fail', params: { failure: 'notRoaming' } }, notRoamingEmit()] },
    STOP_REFUSED: {
      guard: 'stopping',
      actions: ['clearStopping', 'failFromEvent', 'emitFailureFromEvent'],
    },
  },
  states: {
    Invalid: {
      on: {
        BIND: [
          { guard: { type: 'bound', params: { status: 'Unavailable' } }, target: 'NotAvailable' },
          { guard: { type: 'bound', params: { status: 'Down' } }, target: 'Disconnected' },
          { guard: { type: 'bound', params: { status: 'Starting' } }, target: 'Connecting' },
          { guard: { type: 'bound', params: { status: 'Up' } }, target: 'Connected' },
          { guard: { type: 'bound', params: { status: 'Stopping' } }, target: 'Closing' },
        ],
        OPEN: { actions: failWith('invalid') },
      },
    },
    NotAvailable: {
      on: {
        OPEN: { actions: failWith('notAvailable') },
        LINK_DOWN: { target: 'Disconnected' },
        LINK_STARTING: { target: 'Connecting' },
        LINK_UP: { target: 'Connected' },
        LINK_STOPPING: { target: 'Closing' },
        LINK_REMOVED: { target: 'Invalid' },
      },
    },
    Disconnected: {
      on: {
        OPEN: { target: 'Connecting', actions: ['markOpening', 'acquire'] },
        LINK_STARTING: { target: 'Connecting' },
        LINK_UP: { target: 'Connected' },
        LINK_STOPPING: { target: 'Closing' },
        LINK_UNAVAILABLE: { target: 'NotAvailable' },
        LINK_REMOVED: { target: 'Invalid' },
      },
    },
    Connecting: {
      on: {
        OPEN: { guard: not('opening'), actions: ['markOpening', 'acquire'] },
        CLOSE: { guard: 'opening', actions: ['clearOpening', 'release', 'emitClosed'] },
        STOP: { actions: ['markStopping', 'stopLink'] },
        LINK_UP: [
          { guard: 'opening', target: 'Connected', actions: ['becomeOpen', 'emitOpened'] },
          { target: 'Connected' },
        ],
        CONNECT_FAILED: [
          {
            guard: 'opening',
            target: 'Disconnected',
            actions: ['clearOpening', 'failFromEvent', 'emitFailureFromEvent'],
          },
          { target: 'Disconnected' },
        ],
        LINK_DOWN: [
          { guard: 'opening', target: 'Disconnected', actions: ['clearOpening', ...failWith('aborted')] },
          { target: 'Disconnected' },
        ],
        LINK_STOPPING: { target: 'Closing' },
        LINK_UNAVAILABLE: [
          {
            guard: 'opening',
            target: 'NotAvailable',
            actions: ['clearOpening', ...failWith('outOfReach')],
          },
          { target: 'NotAvailable' },
        ],
        LINK_REMOVED: [
          { guard: 'opening', target: 'Invalid', actions: ['clearOpening', ...failWith('removed')] },
          { target: 'Invalid' },
        ],
      },
    },
    Connected: {
      on: {
        OPEN: { guard: not('isOpen'), actions: ['becomeOpen', 'acquire', 'emitOpened'] },
        CLOSE: { guard: 'isOpen', actions: ['becomeClosed', 'release', 'emitClosed'] },
        STOP: { actions: ['markStopping', 'stopLink'] },
        LINK_STOPPING: { target: 'Closing' },
        LINK_DOWN: abortTo('Disconnected'),
        LINK_UNAVAILABLE: abortTo('NotAvailable'),
        LINK_REMOVED: abortTo('Invalid'),
        BETTER_CONFIGURATION: [
          {
            guard: and(['isOpen', 'forcedOffer']),
            target: 'Roaming',
            actions: ['startRoam', 'acquireTarget'],
          },
          { guard: 'isOpen', target: 'Roaming', actions: ['startRoam', 'emitPreferred'] },
        ],
      },
    },
    Closing: {
      on: {
        OPEN: { guard: and([not('isOpen'), not('opening')]), actions: 'markOpening' },
        CLOSE: [
          { guard: 'isOpen', actions: ['becomeClosed', 'release', 'emitClosed'] },
          { guard: 'opening', actions: ['clearOpening', 'emitClosed'] },
        ],
        LINK_DOWN: [
          {
            guard: 'isOpen',
            target: 'Disconnected',
            actions: ['becomeClosed', 'emitClosed', ...failWith('aborted')],
          },
          { guard: 'opening', target: 'Connecting', actions: ['clearStopping', 'acquire'] },
          { target: 'Disconnected', actions: 'clearStopping' },
        ],
        LINK_STARTING: [
          {
            guard: 'isOpen',
            target: 'Connecting',
            actions: ['becomeClosed', 'emitClosed', ...failWith('aborted')],
          },
          { guard: 'opening', target: 'Connecting', actions: ['clearStopping', 'acquire'] },
          { target: 'Connecting', actions: 'clearStopping' },
        ],
        LINK_UP: [
          {
            guard: 'opening',
            target: 'Connected',
            actions: ['clearStopping', 'becomeOpen', 'acquire', 'emitOpened'],
          },
          { target: 'Connected', actions: 'clearStopping' },
        ],
        LINK_UNAVAILABLE: abortTo('NotAvailable'),
        LINK_REMOVED: abortTo('Invalid'),
      },
    },
    Roaming: {
      on: {
        MIGRATE: {
          guard: 'inPreferred',
          actions: [{ type: 'enterPhase', params: { phase: 'Migrating' } }, 'acquireTarget'],
        },
        IGNORE: [
          {
            guard: and(['inPreferred', 'upgrade']),
            target: 'Connected',
            actions: 'endRoam',
          },
          {
            guard: 'inPreferred',
            target: 'Disconnected',
            actions: ['endRoam', 'becomeClosed', 'emitClosed'],
          },
        ],
        ROAM_TARGET_UP: [
          {
            guard: and(['inMigrating', 'forced']),
            target: 'Connected',
            actions: ['commitTarget', 'endRoam'],
          },
          {
            guard: 'inMigrating',
            actions: [{ type: 'enterPhase', params: { phase: 'Activated' } }, 'emitNewActivated'],
          },
        ],
        ROAM_TARGET_FAILED: [
          {
            guard: and([not('inPreferred'), 'upgrade']),
            target: 'Connected',
            actions: ['releaseTarget', 'endRoam', 'failRoaming', 'emitRoamingFailure'],
          },
          {
            guard: not('inPreferred'),
            target: 'Disconnected',
            actions: [
              'releaseTarget',
              'endRoam',
              'becomeClosed',
              'failRoaming',
              'emitRoamingFailure',
              'emitClosed',
            ],
          },
        ],
        ACCEPT: {
          guard: 'inActivated',
          target: 'Connected',
          actions: ['commitTarget', 'endRoam'],
        },
        REJECT: [
          {
            guard: and(['inActivated', 'upgrade']),
            target: 'Connected',
            actions: ['releaseTarget', 'endRoam'],
          },
          {
            guard: 'inActivated',
            target: 'Disconnected',
            actions: ['releaseTarget', 'endRoam', 'becomeClosed', 'emitClosed'],
          },
        ],
        CLOSE: [
          {
            guard: 'upgrade',
            target: 'Connected',
            actions: ['releaseTarget', 'release', 'endRoam', 'becomeClosed', 'emitClosed'],
          },
          {
            target: 'Disconnected',
            actions: ['releaseTarget', 'release', 'endRoam', 'becomeClosed', 'emitClosed'],
          },
        ],
        STOP: [
          {
            guard: 'upgrade',
            target: 'Connected',
            actions: ['releaseTarget', 'endRoam', 'markStopping', 'stopLink'],
          },
          {
            target: 'Disconnected',
            actions: ['releaseTarget', 'endRoam', 'becomeClosed', 'emitClosed'],
          },
        ],
        // The old carrier went away under the roam: declining it now ends the session.
        LINK_DOWN: { actions: 'oldLinkLost' },
        LINK_UNAVAILABLE: { actions: 'oldLinkLost' },
        LINK_REMOVED: { actions: 'oldLinkLost' },
      },
    },
  },
});

function failWith(failure: FailureName) {
  return [
    { type: 'fail', params: { failure } },
    { type: 'emitFailure', params: { failure } },
  ] as const;
}

function notRoamingEmit() {
  return { type: 'emitFailure', params: { failure: 'notRoaming' } } as const;
}

/** Link loss under an open session: closed, then the state change, then SessionAbortedError. */
function abortTo(target: 'Disconnected' | 'NotAvailable' | 'Invalid') {
  return [
    {
      guard: 'isOpen',
      target,
      actions: ['becomeClosed', 'emitClosed', ...failWith('aborted')],
    },
    { target, actions: 'clearStopping' },
  ] as const;
}
