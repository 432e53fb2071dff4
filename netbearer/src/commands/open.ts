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
  const found = find(manager, options.target);
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
  const ended = new Promise<void>((resolve) => {
    session.once('closed', resolve);
    setTimeout(resolve, closeTimeout).unref();
  });
  if (options.stop) session.stop();
  else session.close();
  await ended;
  // A stop ends in SessionAbortedError for every session on the link, this one included.
  await settled(session);
  terminal.out(options.stop ? 'stopped' : 'closed');
  session.dispose();
  return 0;
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

/** Lets the events of a close or stop arrive before the process reports and exits. */
function settled(session: NetworkSession): Promise<void> {
  return new Promise((resolve) => {
    if (session.state() !== 'Closing') return resolve();
    const timer = setTimeout(resolve, closeTimeout).unref();
    session.on('stateChanged', (state) => {
      if (state === 'Closing') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The configuration with that identifier, else the one with that name, else why not. */
function find(manager: NetworkConfigurationManager, target: string): NetworkConfiguration | string {
  const byId = manager.configurationFromIdentifier(target);
  if (byId.isValid()) return byId;
  const candidates = [...manager.allConfigurations(), manager.defaultConfiguration()];
  const named = [...new Set(candidates.filter((c) => c.isValid() && c.name() === target))];
  if (named.length === 1) return named[0]!;
  if (named.length === 0) return `no configuration is named or identified "${printable(target)}"`;
  const ids = named.map((c) => printable(c.identifier())).join(', ');
  return `${named.length} configurations are named "${printable(target)}": use an identifier (${ids})`;
}
