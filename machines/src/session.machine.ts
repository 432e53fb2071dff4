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

/** Where a session lands if the roam ends without moving, once its old link is gone. */
export type Fallback = 'Disconnected' | 'NotAvailable' | 'Invalid';

export interface Roam {
  readonly phase: RoamPhase;
  /** Identifier of the configuration the session is roaming to. */
  readonly configuration: string;
  readonly seamless: boolean;
  /** The old link is still up: declining the roam keeps the session on it. */
  readonly upgrade: boolean;
  /** Where the session lands when the old link is gone and the roam does not happen. */
  readonly fallback: Fallback;
  /** Nobody listens for preferredConfigurationChanged: migrate and accept on its own. */
  readonly forced: boolean;
}

export interface SessionContext {
  /** Bound to a configuration's link; an unbound session is Invalid for good. */
  readonly bound: boolean;
  readonly isOpen: boolean;
  /** An open waiting for the link: while Connecting, or deferred until a stop completes. */
  readonly opening: boolean;
  /** This session asked for the stop in progress. */
  readonly stopping: boolean;
  readonly error: Failure;
  readonly roam: Roam | null;
}

export interface SessionInput {
  /** False for a configuration no engine owns: the session is Invalid for good. */
  readonly configurationValid?: boolean;
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
    message: 'The configuration went out of reach before the session opened.',
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

const stateFor = {
  Unavailable: 'NotAvailable',
  Down: 'Disconnected',
  Starting: 'Connecting',
  Up: 'Connected',
  Stopping: 'Closing',
} as const;

const failFromEvent = ['setEventError', 'emitEventError'] as const;
const failRoaming = ['setRoamingError', 'emitRoamingError'] as const;
const allPhases: readonly RoamPhase[] = ['Preferred', 'Migrating', 'Activated'];

const fallbacks: Record<string, Fallback> = {
  LINK_DOWN: 'Disconnected',
  LINK_UNAVAILABLE: 'NotAvailable',
  LINK_REMOVED: 'Invalid',
};

export const sessionMachine = setup({
  types: {} as {
    context: SessionContext;
    events: SessionEvent;
    emitted: SessionEmitted;
    input: SessionInput | undefined;
  },
  guards: {
    bindsTo: ({ context, event }, params: { status: LinkStatus }) =>
      !context.bound && event.type === 'BIND' && event.status === params.status,
    isOpen: ({ context }) => context.isOpen,
    opening: ({ context }) => context.opening,
    stopping: ({ context }) => context.stopping,
    inPreferred: ({ context }) => context.roam?.phase === 'Preferred',
    inMigrating: ({ context }) => context.roam?.phase === 'Migrating',
    inActivated: ({ context }) => context.roam?.phase === 'Activated',
    forced: ({ context }) => context.roam?.forced === true,
    forcedOffer: ({ event }) => event.type === 'BETTER_CONFIGURATION' && event.forced,
    upgrade: ({ context }) => context.roam?.upgrade === true,
    fallsBackTo: ({ context }, params: { fallback: Fallback; phases: readonly RoamPhase[] }) =>
      !!context.roam &&
      !context.roam.upgrade &&
      context.roam.fallback === params.fallback &&
      params.phases.includes(context.roam.phase),
  },
  actions: {
    // Performed by the host; no-ops in a pure run.
    acquire: () => {},
    release: () => {},
    stopLink: () => {},
    acquireTarget: () => {},
    releaseTarget: () => {},
    commitTarget: () => {},

    bind: assign({ bound: true }),
    markOpening: assign({ opening: true }),
    clearOpening: assign({ opening: false }),
    becomeOpen: assign({ isOpen: true, opening: false }),
    becomeClosed: assign({ isOpen: false, opening: false, stopping: false }),
    markStopping: assign({ stopping: true }),
    clearStopping: assign({ stopping: false }),
    emitOpened: emit({ type: 'opened' }),
    emitClosed: emit({ type: 'closed' }),
    setError: assign({ error: (_, params: { failure: FailureName }) => failures[params.failure] }),
    emitError: emit((_, params: { failure: FailureName }) => ({
      type: 'error' as const,
      ...failures[params.failure],
    })),
    setEventError: assign({ error: failureIn }),
    emitEventError: emit((args) => ({ type: 'error' as const, ...failureIn(args) })),
    setRoamingError: assign({
      error: (args) => ({ error: 'RoamingError' as const, message: failureIn(args).message }),
    }),
    emitRoamingError: emit((args) => ({
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
              fallback: 'Disconnected' as const,
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
      roam: ({ context, event }) =>
        context.roam && {
          ...context.roam,
          upgrade: false,
          fallback: fallbacks[event.type] ?? context.roam.fallback,
        },
    }),
    endRoam: assign({ roam: null }),
    emitNewActivated: emit({ type: 'newConfigurationActivated' }),
  },
}).createMachine({
  id: 'session',
  initial: 'Invalid',
  // A session on a configuration no engine owns reports why from the start, as Qt's does.
  context: ({ input }) => ({
    bound: false,
    isOpen: false,
    opening: false,
    stopping: false,
    error: input?.configurationValid === false ? failures.invalid : initialFailure,
    roam: null,
  }),
  on: {
    // Roaming calls outside their step are misuse: a typed error, never a state change.
    MIGRATE: { actions: fail('notRoaming') },
    IGNORE: { actions: fail('notRoaming') },
    ACCEPT: { actions: fail('notRoaming') },
    REJECT: { actions: fail('notRoaming') },
  },
  states: {
    Invalid: {
      on: {
        BIND: (['Unavailable', 'Down', 'Starting', 'Up', 'Stopping'] as const).map((status) => ({
          guard: { type: 'bindsTo' as const, params: { status } },
          target: stateFor[status],
          actions: 'bind' as const,
        })),
        OPEN: { actions: fail('invalid') },
      },
    },
    NotAvailable: {
      on: {
        OPEN: { actions: fail('notAvailable') },
        LINK_DOWN: { target: 'Disconnected' },
        LINK_UP: { target: 'Connected' },
        LINK_REMOVED: { target: 'Invalid' },
      },
    },
    Disconnected: {
      on: {
        OPEN: { target: 'Connecting', actions: ['markOpening', 'acquire'] },
        LINK_STARTING: { target: 'Connecting' },
        LINK_UP: { target: 'Connected' },
        LINK_UNAVAILABLE: { target: 'NotAvailable' },
        LINK_REMOVED: { target: 'Invalid' },
      },
    },
    Connecting: {
      on: {
        OPEN: { guard: not('opening'), actions: ['markOpening', 'acquire'] },
        CLOSE: { guard: 'opening', actions: ['clearOpening', 'release', 'emitClosed'] },
        STOP: [
          // Stopping the link one is opening withdraws the open too.
          {
            guard: 'opening',
            target: 'Closing',
            actions: ['clearOpening', 'markStopping', 'stopLink', 'emitClosed'],
          },
          { target: 'Closing', actions: ['markStopping', 'stopLink'] },
        ],
        LINK_UP: [
          { guard: 'opening', target: 'Connected', actions: ['becomeOpen', 'emitOpened'] },
          { target: 'Connected' },
        ],
        CONNECT_FAILED: [
          {
            guard: 'opening',
            target: 'Disconnected',
            actions: ['clearOpening', ...failFromEvent],
          },
          { target: 'Disconnected' },
        ],
        // Another session stops the link this one is opening: the open is over.
        LINK_STOPPING: [
          { guard: 'opening', target: 'Closing', actions: ['clearOpening', ...fail('aborted')] },
          { target: 'Closing' },
        ],
        LINK_UNAVAILABLE: [
          {
            guard: 'opening',
            target: 'NotAvailable',
            actions: ['clearOpening', ...fail('outOfReach')],
          },
          { target: 'NotAvailable' },
        ],
        LINK_REMOVED: [
          { guard: 'opening', target: 'Invalid', actions: ['clearOpening', ...fail('removed')] },
          { target: 'Invalid' },
        ],
      },
    },
    Connected: {
      on: {
        OPEN: { guard: not('isOpen'), actions: ['becomeOpen', 'acquire', 'emitOpened'] },
        CLOSE: { guard: 'isOpen', actions: ['becomeClosed', 'release', 'emitClosed'] },
        STOP: { target: 'Closing', actions: ['markStopping', 'stopLink'] },
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
        // A stop asked for while a release is under way turns it into a stop for everyone.
        STOP: { guard: not('stopping'), actions: ['markStopping', 'stopLink'] },
        LINK_DOWN: [
          {
            guard: 'isOpen',
            target: 'Disconnected',
            actions: ['becomeClosed', 'emitClosed', ...fail('aborted')],
          },
          { guard: 'opening', target: 'Connecting', actions: ['clearStopping', 'acquire'] },
          { target: 'Disconnected', actions: 'clearStopping' },
        ],
        LINK_UP: [
          {
            guard: 'opening',
            target: 'Connected',
            actions: ['clearStopping', 'becomeOpen', 'acquire', 'emitOpened'],
          },
          { target: 'Connected', actions: 'clearStopping' },
        ],
        STOP_REFUSED: [
          {
            guard: and(['stopping', 'opening']),
            target: 'Connected',
            actions: ['clearStopping', ...failFromEvent, 'becomeOpen', 'acquire', 'emitOpened'],
          },
          {
            guard: 'opening',
            target: 'Connected',
            actions: ['becomeOpen', 'acquire', 'emitOpened'],
          },
          { guard: 'stopping', target: 'Connected', actions: ['clearStopping', ...failFromEvent] },
          { target: 'Connected' },
        ],
        LINK_UNAVAILABLE: lostTo('NotAvailable', 'outOfReach'),
        LINK_REMOVED: lostTo('Invalid', 'removed'),
      },
    },
    Roaming: {
      on: {
        MIGRATE: {
          guard: 'inPreferred',
          actions: [{ type: 'enterPhase', params: { phase: 'Migrating' } }, 'acquireTarget'],
        },
        IGNORE: [
          { guard: and(['inPreferred', 'upgrade']), target: 'Connected', actions: 'endRoam' },
          ...fallBack(['Preferred'], ['endRoam', 'becomeClosed', 'emitClosed']),
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
            actions: ['releaseTarget', 'endRoam', ...failRoaming],
          },
          ...fallBack(
            ['Migrating', 'Activated'],
            ['releaseTarget', 'endRoam', 'becomeClosed', ...failRoaming, 'emitClosed'],
          ),
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
          ...fallBack(['Activated'], ['releaseTarget', 'endRoam', 'becomeClosed', 'emitClosed']),
        ],
        CLOSE: [
          {
            guard: 'upgrade',
            target: 'Connected',
            actions: ['releaseTarget', 'release', 'endRoam', 'becomeClosed', 'emitClosed'],
          },
          ...fallBack(allPhases, [
            'releaseTarget',
            'release',
            'endRoam',
            'becomeClosed',
            'emitClosed',
          ]),
        ],
        STOP: [
          {
            guard: 'upgrade',
            target: 'Closing',
            actions: ['releaseTarget', 'endRoam', 'markStopping', 'stopLink'],
          },
          ...fallBack(allPhases, ['releaseTarget', 'endRoam', 'becomeClosed', 'emitClosed']),
        ],
        // The old carrier went away under the roam: declining it now ends the session.
        LINK_DOWN: { actions: 'oldLinkLost' },
        LINK_UNAVAILABLE: { actions: 'oldLinkLost' },
        LINK_REMOVED: { actions: 'oldLinkLost' },
      },
    },
  },
});

function fail(failure: FailureName) {
  return [
    { type: 'setError', params: { failure } },
    { type: 'emitError', params: { failure } },
  ] as const;
}

/**
 * The link is gone under an open session: closed, then the state change, then
 * SessionAbortedError (the session ended without the application asking).
 */
function abortTo(target: Fallback) {
  return [
    { guard: 'isOpen', target, actions: ['becomeClosed', 'emitClosed', ...fail('aborted')] },
    { target },
  ] as const;
}

/** As abortTo, while a stop is under way: an open deferred until it ends fails too. */
function lostTo(target: Fallback, whyOpeningFails: FailureName) {
  return [
    { guard: 'isOpen', target, actions: ['becomeClosed', 'emitClosed', ...fail('aborted')] },
    {
      guard: 'opening',
      target,
      actions: ['clearOpening', 'clearStopping', ...fail(whyOpeningFails)],
    },
    { target, actions: 'clearStopping' },
  ] as const;
}

/** A roam ending without a move, once the old link is gone: land where it went. */
function fallBack<const A extends readonly string[]>(phases: readonly RoamPhase[], actions: A) {
  return (['Disconnected', 'NotAvailable', 'Invalid'] as const).map((fallback) => ({
    guard: { type: 'fallsBackTo' as const, params: { fallback, phases } },
    target: fallback,
    actions,
  }));
}
