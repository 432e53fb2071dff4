/** Small session helpers shared by the acceptance suites (fake timers assumed). */
import type { NetworkSession } from '@netbearer/core';
import { advanceUntil } from './drain.js';

/**
 * Qt's `session.waitForOpened(ms)` under fake timers: starts the wait and advances simulated
 * time until it settles. Resolves what waitForOpened resolved, or 'hung' if it never settled
 * within `ms` plus a margin of simulated time (it must not hang).
 */
export async function waitOpened(session: NetworkSession, ms = 30_000): Promise<boolean | 'hung'> {
  let result: boolean | 'hung' = 'hung';
  let settled = false;
  void session.waitForOpened(ms).then((opened) => {
    result = opened;
    settled = true;
  });
  await advanceUntil(() => settled, { within: ms + 1_000 });
  return result;
}

/** Opens `session` and waits (fake timers) until it is open; throws if it does not open. */
export async function openAndWait(session: NetworkSession, ms = 30_000): Promise<void> {
  session.open();
  const opened = await waitOpened(session, ms);
  if (opened !== true) {
    throw new Error(
      `session on ${session.configuration().identifier()} did not open (${String(opened)}, ` +
        `state ${session.state()}, error ${session.error()}: ${session.errorString()})`,
    );
  }
}
