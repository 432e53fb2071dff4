import { and, assign, emit, not, raise, type StateValueFrom, setup } from 'xstate';
import { roamingFlow } from './roaming-flow.js';
import type { Failure, LinkStatus, SessionError, SessionState } from './vocabulary.js';

/**
 * One network session. Its top-level states are exactly Qt's session states; Roaming's steps
 * are its child states (the roaming flow, roaming-flow.ts). Whether this session is open,
 * waiting to open or asking for a stop lives in context.
 *
 * Link events describe the link the session follows (its access point, or for a service
 * network the chosen child); roam events describe the link it is migrating to. The host (core)
 * turns link machine changes into these events and performs the named actions.
 */

/** Where a session lands if the link under it is lost. */
type Fallback = 'Disconnected' | 'NotAvailable' | 'Invalid';

export interface SessionContext {
  /** Bound to a configuration's link; an unbound session is Invalid for good. */
  readonly bound: boolean;
  readonly isOpen: boolean;
  /** An open waiting for the link: while Connecting, or deferred until a stop completes. */
  readonly opening: boolean;
  /** This session asked for the stop in progress. */
  readonly stopping: boolean;
  readonly error: Failure;
  /** While Roaming: the identifier of the configuration the session is roaming to. */
  readonly roamingTo: string | null;
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
  /**
   * A better configuration to roam to. `forced`: nobody listens for the offer, so the
   * session migrates and accepts on its own. The host offers a roam away from a link it has
   * just lost, then reports that link down: the roam goes on, and declining it ends the session.
   */
  | { type: 'BETTER_CONFIGURATION'; configuration: string; seamless: boolean; forced: boolean }
  | { type: 'ROAM_TARGET_UP' }
  | { type: 'ROAM_TARGET_FAILED'; failure: Failure };

/** Raised by the roaming flow itself: the roam ends without a move (roaming-flow.ts). */
export type SessionInternalEvent = { type: 'ROAM_DECLINED' };

export type SessionEvent = SessionCommand | SessionEngineEvent | SessionInternalEvent;

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

/** The session machine's guards and actions, shared by `sessionMachine` and `roamingFlowMachine`. */
const sessionSetup = setup({
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
    forcedOffer: ({ event }) => event.type === 'BETTER_CONFIGURATION' && event.forced,
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
      roamingTo: ({ event }) =>
        event.type === 'BETTER_CONFIGURATION' ? event.configuration : null,
    }),
    emitPreferred: emit(({ event }) => ({
      type: 'preferredConfigurationChanged' as const,
      configuration: event.type === 'BETTER_CONFIGURATION' ? event.configuration : '',
      seamless: event.type === 'BETTER_CONFIGURATION' && event.seamless,
    })),
    endRoam: assign({ roamingTo: null }),
    emitNewActivated: emit({ type: 'newConfigurationActivated' }),
    decline: raise({ type: 'ROAM_DECLINED' }),
  },
});

// Roaming calls outside their step are misuse: a typed error, never a state change.
const misuse = {
  MIGRATE: { actions: fail('notRoaming') },
  IGNORE: { actions: fail('notRoaming') },
  ACCEPT: { actions: fail('notRoaming') },
  REJECT: { actions: fail('notRoaming') },
} as const;

export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  initial: 'Invalid',
  // A session on a configuration no engine owns reports why from the start, as Qt's does.
  context: ({ input }) => ({
    bound: false,
    isOpen: false,
    opening: false,
    stopping: false,
    error: input?.configurationValid === false ? failures.invalid : initialFailure,
    roamingTo: null,
  }),
  on: misuse,
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
          { guard: and(['isOpen', 'forcedOffer']), target: 'Roaming.Step.Forced' },
          { guard: 'isOpen', target: 'Roaming' },
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
    Roaming: roamingFlow('session'),
  },
});

/**
 * The roaming flow on its own, for drawing and reading: the very config of sessionMachine's
 * Roaming state, entered as an open session is offered a roam, ending in the session state
 * the roam lands in.
 */
export const roamingFlowMachine = sessionSetup.createMachine({
  id: 'roaming',
  initial: 'Roaming',
  context: {
    bound: true,
    isOpen: true,
    opening: false,
    stopping: false,
    error: initialFailure,
    roamingTo: null,
  },
  on: misuse,
  states: {
    Roaming: roamingFlow('roaming'),
    Connected: { type: 'final' },
    Closing: { type: 'final' },
    Disconnected: { type: 'final' },
    NotAvailable: { type: 'final' },
    Invalid: { type: 'final' },
  },
});

/** A session machine's state value: a session state, or Roaming with its flow's steps. */
export type SessionStateValue = StateValueFrom<typeof sessionMachine>;

/** Qt's session state of a state value: its top-level state. */
export function sessionStateOf(value: SessionStateValue): SessionState {
  return typeof value === 'string' ? value : 'Roaming';
}

/** Where a roam is (roaming-flow.ts). */
export type RoamingStep = 'Preferred' | 'Migrating' | 'Activated' | 'Forced';
/** What became of the link a session roams from. */
export type OldLinkState = 'Up' | 'Down' | 'Unavailable' | 'Removed';

/** The roaming flow's states of a state value; undefined when the session is not roaming. */
export function roamingOf(
  value: SessionStateValue,
): { readonly Step: RoamingStep; readonly OldLink: OldLinkState } | undefined {
  if (typeof value === 'string') return undefined;
  const { Step, OldLink } = value.Roaming as { Step?: RoamingStep; OldLink?: OldLinkState };
  return Step && OldLink ? { Step, OldLink } : undefined;
}

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
