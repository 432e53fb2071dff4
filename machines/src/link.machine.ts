import { and, assign, emit, fromPromise, type SnapshotFrom, setup } from 'xstate';
import type { ConfigurationState, Failure, LinkStatus } from './vocabulary.js';

/**
 * The life of one access point's link and the count of sessions holding it open in this
 * process: the first open starts it, a stop tears it down for everyone. Up is either
 * **Owned** (this process brought the link up) or **Joined** (it was up already: the user's
 * own connection, or another process's). The last close takes an owned link down only where
 * the engine counts holders across processes (SystemSessionSupport) and can stop it; a
 * joined link is only let go of, never taken down by a close. State values are the link
 * statuses of `vocabulary.ts`, with Up's two children.
 */

export interface LinkInput {
  /** The access point's identifier, handed to the connect and disconnect actors. */
  readonly identifier: string;
  /** Whether the engine can bring this link down (CanStartAndStopInterfaces). */
  readonly canStop: boolean;
  /**
   * Whether the engine counts holders across processes (SystemSessionSupport): only then
   * is a close allowed to take a link down, since only then is the count complete.
   */
  readonly shared: boolean;
  /** Milliseconds a start may take before it is abandoned. */
  readonly connectTimeout: number;
}

export interface LinkContext {
  readonly identifier: string;
  readonly holders: number;
  /** Holders that a stop in progress will drop when it succeeds. */
  readonly doomed: number;
  readonly canStop: boolean;
  readonly shared: boolean;
  readonly connectTimeout: number;
  /** The start under way was asked for in the background (ConnectInBackground). */
  readonly background: boolean;
  readonly mode: 'release' | 'stop';
  /** The stop under way interrupted a start: the link never came up. */
  readonly aborting: boolean;
}

export type LinkEvent =
  /** A session holds the link; `background`: it may not involve the user to bring it up. */
  | { type: 'ACQUIRE'; background?: boolean }
  | { type: 'RELEASE' }
  | { type: 'STOP' }
  | { type: 'OBSERVED'; state: ConfigurationState }
  | { type: 'REMOVED' }
  | { type: 'CONFIGURE'; canStop?: boolean; shared?: boolean; connectTimeout?: number };

export type LinkEmitted =
  /** A start failed or timed out; every holder was dropped. */
  | { type: 'failed'; failure: Failure }
  /** A stop was refused; the link stays up and its holders keep it. */
  | { type: 'stopRefused'; failure: Failure };

export interface ConnectInput {
  readonly identifier: string;
  readonly background: boolean;
}

/** What a connect did: brought the link up, or joined a link that was up already. */
export type ConnectOutput = 'started' | 'joined' | undefined;
/** What a disconnect did: took the link down, or (a release) left it up for others. */
export type DisconnectOutput = 'down' | 'kept' | undefined;

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
    connect: fromPromise<ConnectOutput, ConnectInput>(async () => {
      throw notSupported;
    }),
    disconnect: fromPromise<DisconnectOutput, DisconnectInput>(async () => {
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
    shared: ({ context }) => context.shared,
    joinedUp: ({ event }) => 'output' in event && event.output === 'joined',
    keptUp: ({ event }) => 'output' in event && event.output === 'kept',
    held: ({ context }) => context.holders > 0,
    keepsHolders: ({ context }) => context.holders - context.doomed > 0,
    stopping: ({ context }) => context.mode === 'stop',
    aborting: ({ context }) => context.aborting,
  },
  actions: {
    addHolder: assign({ holders: ({ context }) => context.holders + 1 }),
    startHolder: assign(({ context, event }) => ({
      holders: context.holders + 1,
      background: event.type === 'ACQUIRE' && event.background === true,
    })),
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
        shared: event.shared ?? context.shared,
        connectTimeout: event.connectTimeout ?? context.connectTimeout,
      };
    }),
    refuseStop: emit({ type: 'stopRefused', failure: notSupported }),
    // Performed by the host: this process now uses a link it did not bring up itself.
    claim: () => {},
    // Performed by the host: this process lets go of a joined link; the engine keeps it up
    // unless its cross-process count says a netbearer process brought it up and nobody holds it.
    leave: () => {},
  },
}).createMachine({
  id: 'link',
  initial: 'Unavailable',
  context: ({ input }) => ({
    identifier: input.identifier,
    holders: 0,
    doomed: 0,
    canStop: input.canStop,
    shared: input.shared,
    connectTimeout: input.connectTimeout,
    background: false,
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
          { guard: 'active', target: 'Up.Joined' },
          { guard: 'discovered', target: 'Down' },
        ],
      },
    },
    Down: {
      on: {
        ACQUIRE: { target: 'Starting', actions: 'startHolder' },
        OBSERVED: [
          { guard: 'active', target: 'Up.Joined' },
          { guard: 'unreachable', target: 'Unavailable' },
        ],
      },
    },
    Starting: {
      invoke: {
        src: 'connect',
        input: ({ context }) => ({
          identifier: context.identifier,
          background: context.background,
        }),
        onDone: [{ guard: 'joinedUp', target: 'Up.Joined' }, { target: 'Up.Owned' }],
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
          // Where holders are counted across processes, the engine hears the release (the
          // start may have joined another process's link); elsewhere leaving Starting aborts
          // the connect, which rolls back what it started and nothing else.
          {
            guard: and(['lastHolder', 'shared']),
            target: 'Stopping',
            actions: ['removeHolder', 'markRelease', 'markAborting'],
          },
          { guard: 'lastHolder', target: 'Down', actions: 'removeHolder' },
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
      // Only a connect that says it started the link makes it this process's own.
      initial: 'Joined',
      on: {
        STOP: [
          { guard: 'canStop', target: 'Stopping', actions: ['markStop', 'clearAborting'] },
          { actions: 'refuseStop' },
        ],
        OBSERVED: [
          { guard: 'discovered', target: 'Down', actions: 'dropHolders' },
          { guard: 'unreachable', target: 'Unavailable', actions: 'dropHolders' },
        ],
      },
      states: {
        /** This process brought the link up. */
        Owned: {
          on: {
            ACQUIRE: { actions: 'addHolder' },
            RELEASE: [
              {
                guard: and(['lastHolder', 'canStop', 'shared']),
                target: '#link.Stopping',
                actions: ['removeHolder', 'markRelease', 'clearAborting'],
              },
              { actions: 'removeHolder' },
            ],
          },
        },
        /** Back to Owned or Joined, whichever the refused stop interrupted. */
        Before: { type: 'history' },
        /** The link was up already: a close lets go of it and leaves it up. */
        Joined: {
          on: {
            ACQUIRE: [
              { guard: 'unheld', actions: ['addHolder', 'claim'] },
              { actions: 'addHolder' },
            ],
            RELEASE: [
              { guard: and(['lastHolder', 'shared']), actions: ['removeHolder', 'leave'] },
              { actions: 'removeHolder' },
            ],
          },
        },
      },
    },
    Stopping: {
      invoke: {
        src: 'disconnect',
        input: ({ context }) => ({ identifier: context.identifier, mode: context.mode }),
        onDone: [
          // A release the engine answered with "kept": others hold it; ours is let go of,
          // and sessions that came meanwhile join it.
          // ... unless a stop came meanwhile: that one is for everyone.
          { guard: and(['keptUp', 'stopping']), target: 'Stopping', reenter: true },
          { guard: and(['keptUp', 'held']), target: 'Up.Joined', actions: ['cancelStop', 'claim'] },
          { guard: 'keptUp', target: 'Up.Joined', actions: 'cancelStop' },
          { guard: 'keepsHolders', target: 'Starting', actions: 'finishStop' },
          { target: 'Down', actions: 'finishStop' },
        ],
        onError: [
          // Rolling back a start that failed to roll back: it never came up all the same.
          { guard: 'aborting', target: 'Down', actions: 'finishStop' },
          {
            guard: 'stopping',
            target: 'Up.Before',
            actions: [
              'cancelStop',
              emit(({ event }) => ({
                type: 'stopRefused' as const,
                failure: failureOf(event.error),
              })),
            ],
          },
          // A release the engine refused just leaves the link up: nobody asked for more.
          { target: 'Up.Owned', actions: 'cancelStop' },
        ],
      },
      on: {
        ACQUIRE: { actions: 'startHolder' },
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

type LinkValue = SnapshotFrom<typeof linkMachine>['value'];

/** The link status a link machine's state value stands for: Up whether owned or joined. */
export function linkStatusOfValue(value: LinkValue): LinkStatus {
  return typeof value === 'string' ? value : 'Up';
}

/** Whether this process brought an up link up ('Owned') or found it up ('Joined'). */
export type LinkOwnership = 'Owned' | 'Joined';

/** The ownership of an up link, or null while the link is not up. */
export function linkOwnershipOf(value: LinkValue): LinkOwnership | null {
  return typeof value === 'string' ? null : value.Up;
}
