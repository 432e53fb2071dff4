import {
  type NetworkConfiguration,
  type NetworkConfigurationManager,
  NetworkSession,
} from '@netbearer/core';
import type { Terminal } from '../command-line.js';
import { untilInterrupted } from '../interruption.js';
import { printable } from '../terminal-text.js';

export interface OpenOptions {
  readonly target: string;
  readonly timeout: number;
  /** Milliseconds to hold the session open; undefined: until interrupted. */
  readonly hold: number | undefined;
  readonly stop: boolean;
}

const closeTimeout = 30_000;

export async function openCommand(
  manager: NetworkConfigurationManager,
  options: OpenOptions,
  terminal: Terminal,
): Promise<number> {
  const found = findConfiguration(manager, options.target);
  if (typeof found === 'string') {
    terminal.err(`netbearer: InvalidConfigurationError: ${found}`);
    return 1;
  }
  found.setConnectTimeout(Math.max(1, options.timeout));
  const session = new NetworkSession(found);
  const failed = () => {
    terminal.err(`netbearer: ${session.error()}: ${session.errorString()}`);
    return 1;
  };
  session.on('stateChanged', (state) => terminal.out(`state: ${state}`));
  terminal.out(
    `opening ${printable(found.name())} (${printable(found.identifier())}), state ${session.state()}`,
  );
  session.open();
  if (!(await session.waitForOpened(options.timeout))) {
    session.dispose();
    return failed();
  }
  const active = String(session.sessionProperty('ActiveConfiguration'));
  terminal.out(
    `opened on ${printable(active)}${session.interface() ? ` via ${printable(session.interface()!.name)}` : ''}`,
  );

  const lost = await holdOpen(session, options.hold, terminal.interrupted);
  if (lost) {
    session.dispose();
    return failed();
  }
  const outcome = await end(session, options.stop ? 'stop' : 'close');
  if (outcome === 'refused') {
    session.dispose();
    return failed();
  }
  if (outcome === 'timeout') {
    terminal.err(
      `netbearer: the session did not ${options.stop ? 'stop' : 'close'} within ${closeTimeout / 1000} s (state ${session.state()})`,
    );
    session.dispose();
    return 1;
  }
  terminal.out(options.stop ? 'stopped' : 'closed');
  session.dispose();
  return 0;
}

/**
 * Closes or stops the session and waits for the outcome, its events delivered: 'ended'
 * (`closed`, and the state out of Closing; a stop also ends this session with
 * SessionAbortedError, as it does every session on the link), 'refused' (back to Connected
 * with an error: an engine that cannot stop the link gives OperationNotSupportedError), or
 * 'timeout'.
 */
function end(
  session: NetworkSession,
  how: 'close' | 'stop',
): Promise<'ended' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    let answered = false; // closed, an error, or back to Connected after Closing
    let closing = false;
    const check = () => {
      if (answered && session.state() !== 'Closing') finish(false);
    };
    const onClosed = () => {
      answered = true;
      check();
    };
    const onError = onClosed;
    const onState = (state: string) => {
      if (state === 'Closing') closing = true;
      else if (state === 'Connected' && closing) answered = true;
      check();
    };
    // Not unref'd: the process waits for the outcome rather than exit 0 without one.
    const timer = setTimeout(() => finish(true), closeTimeout);
    function finish(timedOut: boolean) {
      clearTimeout(timer);
      session.off('closed', onClosed).off('error', onError).off('stateChanged', onState);
      if (timedOut) return resolve('timeout');
      // Lets the rest of this batch of events (the error after a stop's closed) arrive first.
      setImmediate(() => resolve(session.isOpen() ? 'refused' : 'ended'));
    }
    session.on('closed', onClosed).on('error', onError).on('stateChanged', onState);
    if (how === 'stop') session.stop();
    else session.close();
  });
}

/** Resolves true if the session was ended under us, false once the hold is over. */
function holdOpen(
  session: NetworkSession,
  hold: number | undefined,
  interrupted: AbortSignal,
): Promise<boolean> {
  const interruption = untilInterrupted(interrupted);
  return new Promise((resolve) => {
    const timer = hold === undefined ? undefined : setTimeout(() => finish(false), hold);
    const onClosed = () => finish(true);
    function finish(lost: boolean) {
      clearTimeout(timer);
      interruption.cancel();
      session.off('closed', onClosed);
      resolve(lost);
    }
    session.on('closed', onClosed);
    void interruption.done.then(() => finish(false));
  });
}

/** The configuration with that identifier, else the one with that name, else why not. */
export function findConfiguration(
  manager: NetworkConfigurationManager,
  target: string,
): NetworkConfiguration | string {
  const byId = manager.configurationFromIdentifier(target);
  if (byId.isValid()) return byId;
  const candidates = [...manager.allConfigurations(), manager.defaultConfiguration()];
  const named = [...new Set(candidates.filter((c) => c.isValid() && c.name() === target))];
  if (named.length === 1) return named[0]!;
  if (named.length === 0) return `no configuration is named or identified "${printable(target)}"`;
  const ids = named.map((c) => printable(c.identifier())).join(', ');
  return `${named.length} configurations are named "${printable(target)}": use an identifier (${ids})`;
}
