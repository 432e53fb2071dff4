/**
 * Application-level roaming (Qt's preferredConfigurationChanged → migrate or ignore →
 * newConfigurationActivated → accept or reject, and forced roaming) as the session's `Roaming`
 * state: two regions, side by side for as long as the roam lasts.
 *
 * - **Step**, where the roam is: `Preferred` (offered, waiting for migrate or ignore),
 *   `Migrating` (the new configuration is coming up), `Activated` (it is up, waiting for
 *   accept or reject), `Forced` (nobody listens for the offer: migrating, and accepting, on
 *   the session's own).
 * - **OldLink**, what became of the link the session roams from: while it is `Up`, a declined
 *   roam leaves the session Connected on it; once it is `Down`, `Unavailable` or `Removed`, a
 *   declined roam closes the session and lands it where that link went.
 *
 * A step that declines the roam (ignore, reject, the new configuration failing) raises
 * ROAM_DECLINED, which the OldLink region turns into the landing. Accepting lands in
 * Connected from any OldLink state: the session is on the new link now. A roaming call that
 * neither region takes falls through to the machine's misuse handler (XState looks past a
 * parallel state only when none of its regions takes the event).
 *
 * The same config is the `Roaming` state of `sessionMachine` and the body of
 * `roamingFlowMachine`, which shows the flow on its own: `id` is the machine whose states the
 * roam lands in.
 */
export function roamingFlow<const Id extends string>(id: Id) {
  const to = <const S extends string>(state: S) => `#${id}.${state}` as const;
  // The new configuration failed: RoamingError, and the roam is declined.
  const targetFailed = {
    actions: ['releaseTarget', 'setRoamingError', 'emitRoamingError', 'decline'],
  } as const;
  // The old link is gone: whatever ends the roam without a move ends the session there.
  const lost = <const S extends string>(landing: S) =>
    ({
      on: {
        ROAM_DECLINED: { target: to(landing), actions: ['becomeClosed', 'emitClosed'] },
        CLOSE: {
          target: to(landing),
          actions: ['releaseTarget', 'release', 'becomeClosed', 'emitClosed'],
        },
        STOP: { target: to(landing), actions: ['releaseTarget', 'becomeClosed', 'emitClosed'] },
      },
    }) as const;

  return {
    type: 'parallel',
    entry: 'startRoam',
    exit: 'endRoam',
    states: {
      Step: {
        initial: 'Preferred',
        states: {
          Preferred: {
            entry: 'emitPreferred',
            on: { MIGRATE: { target: 'Migrating' }, IGNORE: { actions: 'decline' } },
          },
          Migrating: {
            entry: 'acquireTarget',
            on: {
              ROAM_TARGET_UP: { target: 'Activated', actions: 'emitNewActivated' },
              ROAM_TARGET_FAILED: targetFailed,
            },
          },
          Activated: {
            on: {
              ACCEPT: { target: to('Connected'), actions: 'commitTarget' },
              REJECT: { actions: ['releaseTarget', 'decline'] },
              ROAM_TARGET_FAILED: targetFailed,
            },
          },
          Forced: {
            entry: 'acquireTarget',
            on: {
              ROAM_TARGET_UP: { target: to('Connected'), actions: 'commitTarget' },
              ROAM_TARGET_FAILED: targetFailed,
            },
          },
        },
      },
      OldLink: {
        initial: 'Up',
        on: {
          LINK_DOWN: { target: '.Down' },
          LINK_UNAVAILABLE: { target: '.Unavailable' },
          LINK_REMOVED: { target: '.Removed' },
        },
        states: {
          Up: {
            on: {
              ROAM_DECLINED: { target: to('Connected') },
              CLOSE: {
                target: to('Connected'),
                actions: ['releaseTarget', 'release', 'becomeClosed', 'emitClosed'],
              },
              STOP: {
                target: to('Closing'),
                actions: ['releaseTarget', 'markStopping', 'stopLink'],
              },
            },
          },
          Down: lost('Disconnected'),
          Unavailable: lost('NotAvailable'),
          Removed: lost('Invalid'),
        },
      },
    },
  } as const;
}
