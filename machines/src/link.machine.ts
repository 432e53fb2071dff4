import { and, assign, emit, fromPromise, setup } from 'xstate';
import type { ConfigurationState, Failure } from './vocabulary.js';

/**
 * The life of one access point's link and the count of sessions holding it open in this
 * process: the first open starts it, the last close stops it (where the engine can), a stop
 * tears it down for everyone. State values are the link statuses of `vocabulary.ts`.
 */

export interface LinkInput {
  /** The access point's identifier, handed to the connect and disconnect actors. */
  readonly identifier: string;
  /** Whether the engine can bring this link down (CanStartAndStopInterfaces). */
  readonly canStop: boolean;
  /** Milliseconds a start may take before it is abandoned. */
  readonly connectTimeout: number;
}

export interface LinkContext {
  readonly identifier: string;
  readonly holders: number;
  /** Holders that a stop in progress will drop when it succeeds. */
  readonly doomed: number;
  readonly canStop: boolean;
  readonly connectTimeout: number;
  readonly mode: 'release' | 'stop';
  /** The stop under way interrupted a start: the link never came up. */
  readonly aborting: boolean;
}

export type LinkEvent =
  | { type: 'ACQUIRE' }
  | { type: 'RELEASE' }
  | { type: 'STOP' }
  | { type: 'OBSERVED'; state: ConfigurationState }
  | { type: 'REMOVED' }
  | { type: 'CONFIGURE'; canStop?: boolean; connectTimeout?: number };

export type LinkEmitted =
  /** A start failed or timed out; every holder was dropped. */
  | { type: 'failed'; failure: Failure }
  /** A stop was refused; the link stays up and its holders keep it. */
  | { type: 'stopRefused'; failure: Failure };

export interface ConnectInput {
  readonly identifier: string;
}

export interface DisconnectInput {
  readonly identifier: string;
  readonly mode: 'release' | 'stop';
}

const notSupported: Failure = {
  error: 'OperationNotSupportedError',
  message: 'The engine cannot start or stop this interface.',
};

/** Turns whatever a connect or disconnect actor rejected with into a session failure. */
export function failureOf(reason: unknown): Failure {
  if (typeof reason === 'object' && reason !== null && 'error' in reason) {
    const { error, message } = reason as { error: unknown; message?: unknown };
    if (typeof error === 'string' && error.endsWith('Error')) {
      return { error: error as Failure['error'], message: String(message ?? error) };
    }
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return { error: 'UnknownSessionError', message };
}

const observed = (event: LinkEvent): ConfigurationState | undefined =>
  event.type === 'OBSERVED' ? event.state : undefined;

export const linkMachine = setup({
  types: {} as {
    context: LinkContext;
    events: LinkEvent;
    emitted: LinkEmitted;
    input: LinkInput;
  },
  actors: {
    // Defaults for a pure run: an engine that can neither start nor stop anything.
    connect: fromPromise<void, ConnectInput>(async () => {
      throw notSupported;
    }),
    disconnect: fromPromise<void, DisconnectInput>(async () => {
      throw notSupported;
    }),
  },
  delays: {
    connectTimeout: ({ context }) => context.connectTimeout,
  },
  guards: {
    active: ({ event }) => observed(event) === 'Active',
    discovered: ({ event }) => observed(event) === 'Discovered',
    unreachable: ({ event }) => observed(event) === 'Defined' || observed(event) === 'Undefined',
    lastHolder: ({ context }) => context.holders <= 1,
    unheld: ({ context }) => context.holders === 0,
    canStop: ({ context }) => context.canStop,
    keepsHolders: ({ context }) => context.holders - context.doomed > 0,
    stopping: ({ context }) => context.mode === 'stop',
    aborting: ({ context }) => context.aborting,
  },
  actions: {
    addHolder: assign({ holders: ({ context }) => context.holders + 1 }),
    removeHolder: assign({ holders: ({ context }) => Math.max(0, context.holders - 1) }),
    dropHolders: assign({ holders: 0, doomed: 0 }),
    markRelease: assign({ mode: 'release' as const, doomed: 0 }),
    markStop: assign({ mode: 'stop' as const, doomed: ({ context }) => context.holders }),
    finishStop: assign(({ context }) => ({
      holders: Math.max(0, context.holders - context.doomed),
      doomed: 0,
    })),
    cancelStop: assign({ doomed: 0 }),
    markAborting: assign({ aborting: true }),
    clearAborting: assign({ aborting: false }),
    configure: assign(({ context, event }) => {
      if (event.type !== 'CONFIGURE') return {};
      return {
        canStop: event.canStop ?? context.canStop,
        connectTimeout: event.connectTimeout ?? context.connectTimeout,
      };
    }),
    refuseStop: emit({ type: 'stopRefused', failure: notSupported }),
    // Performed by the host: this process now uses a link it did not bring up itself.
    claim: () => {},
  },
}).createMachine({
  id: 'link',
  initial: 'Unavailable',
  context: ({ input }) => ({
    identifier: input.identifier,
    holders: 0,
    doomed: 0,
    canStop: input.canStop,
    connectTimeout: input.connectTimeout,
    mode: 'release',
    aborting: false,
  }),
  on: {
    REMOVED: { target: '.Removed', actions: 'dropHolders' },
    CONFIGURE: { actions: 'configure' },
  },
  states: {
    Removed: {
      // A removed configuration never comes back: a new one with the same id is another link.
      on: { REMOVED: {}, CONFIGURE: {} },
    },
    Unavailable: {
      on: {
        OBSERVED: [
          { guard: 'active', target: 'Up' },
          { guard: 'discovered', target: 'Down' },
        ],
      },
    },
    Down: {
      on: {
        ACQUIRE: { target: 'Starting', actions: 'addHolder' },
        OBSERVED: [
          { guard: 'active', target: 'Up' },
          { guard: 'unreachable', target: 'Unavailable' },
        ],
      },
    },
    Starting: {
      invoke: {
        src: 'connect',
        input: ({ context }) => ({ identifier: context.identifier }),
        onDone: { target: 'Up' },
        onError: {
          target: 'Down',
          actions: [
            'dropHolders',
            emit(({ event }) => ({ type: 'failed' as const, failure: failureOf(event.error) })),
          ],
        },
      },
      after: {
        connectTimeout: {
          target: 'Down',
          actions: [
            'dropHolders',
            emit(({ context }) => ({
              type: 'failed' as const,
              failure: {
                error: 'UnknownSessionError' as const,
                message: `Connecting timed out after ${context.connectTimeout} ms.`,
              },
            })),
          ],
        },
      },
      on: {
        ACQUIRE: { actions: 'addHolder' },
        RELEASE: [
          {
            guard: 'lastHolder',
            target: 'Stopping',
            actions: ['removeHolder', 'markRelease', 'markAborting'],
          },
          { actions: 'removeHolder' },
        ],
        STOP: { target: 'Stopping', actions: ['markStop', 'markAborting'] },
        // The engine may report the link active before its connect resolves; leaving now
        // would abort that connect, which engines take as "roll back". The promise decides.
        // Out of reach, though, the start is over: sessions learn why from Unavailable.
        OBSERVED: { guard: 'unreachable', target: 'Unavailable', actions: 'dropHolders' },
      },
    },
    Up: {
      on: {
        ACQUIRE: [{ guard: 'unheld', actions: ['addHolder', 'claim'] }, { actions: 'addHolder' }],
        RELEASE: [
          {
            guard: and(['lastHolder', 'canStop']),
            target: 'Stopping',
            actions: ['removeHolder', 'markRelease', 'clearAborting'],
          },
          { actions: 'removeHolder' },
        ],
        STOP: [
          { guard: 'canStop', target: 'Stopping', actions: ['markStop', 'clearAborting'] },
          { actions: 'refuseStop' },
        ],
        OBSERVED: [
          { guard: 'discovered', target: 'Down', actions: 'dropHolders' },
          { guard: 'unreachable', target: 'Unavailable', actions: 'dropHolders' },
        ],
      },
    },
    Stopping: {
      invoke: {
        src: 'disconnect',
        input: ({ context }) => ({ identifier: context.identifier, mode: context.mode }),
        onDone: [
          { guard: 'keepsHolders', target: 'Starting', actions: 'finishStop' },
          { target: 'Down', actions: 'finishStop' },
        ],
        onError: [
          // Rolling back a start that failed to roll back: it never came up all the same.
          { guard: 'aborting', target: 'Down', actions: 'finishStop' },
          {
            guard: 'stopping',
            target: 'Up',
            actions: [
              'cancelStop',
              emit(({ event }) => ({
                type: 'stopRefused' as const,
                failure: failureOf(event.error),
              })),
            ],
          },
          // A release the engine refused just leaves the link up: nobody asked for more.
          { target: 'Up', actions: 'cancelStop' },
        ],
      },
      on: {
        ACQUIRE: { actions: 'addHolder' },
        RELEASE: { actions: 'removeHolder' },
        STOP: { actions: 'markStop' },
        OBSERVED: [
          { guard: 'discovered', target: 'Down', actions: 'dropHolders' },
          { guard: 'unreachable', target: 'Unavailable', actions: 'dropHolders' },
        ],
      },
    },
  },
});
