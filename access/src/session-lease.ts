import { type NetworkConfiguration, NetworkSession, type SessionState } from '@netbearer/core';
import {
  BackgroundRequestNotAllowedError,
  type NetworkReplyError,
  NetworkSessionFailedError,
} from './errors.js';

/** A reply that holds the session while it runs. */
export interface LeaseHolder {
  readonly background: boolean;
  /** The session failed under the holder, or its policy now forbids it. */
  fail(failure: NetworkReplyError): void;
  /** The session roamed to a new link: leave the old one (resume, restart, or fail). */
  move(): void;
}

export interface SessionLeaseOptions {
  /** Milliseconds an open session with no request in flight is kept before it is closed. */
  readonly idleGrace: number;
  /** The session opened (networkSessionConnected). */
  readonly connected: () => void;
  /**
   * The session's new link (`link`) is up (newConfigurationActivated), before the lease accepts
   * it and before any transfer moves: new connections must go out on it from now on.
   */
  readonly roamed: (link: NetworkConfiguration | undefined) => void;
}

/**
 * What the lease is doing. Only Idle has no session; Grace is Open with nobody holding it and
 * the close timer running (the only time a timer exists).
 */
type LeaseState =
  | { readonly name: 'Idle' }
  | { readonly name: 'Opening'; readonly session: NetworkSession }
  | { readonly name: 'Open'; readonly session: NetworkSession }
  | { readonly name: 'Grace'; readonly session: NetworkSession; readonly timer: NodeJS.Timeout };

interface Waiter {
  readonly holder: LeaseHolder;
  resolve(): void;
  reject(reason: unknown): void;
}

const lostStates: ReadonlySet<SessionState> = new Set(['Disconnected', 'NotAvailable', 'Invalid']);

/**
 * The manager's hold on one configuration's session (Qt's QNAM kept a strong reference while
 * replies were active): the first request that needs the network opens it and waits, requests
 * hold it while in flight, and it is closed after an idle grace period. A failed or lost
 * session fails its waiting and running requests; a new one is made only when a later request
 * asks, never from inside a session event (QTBUG-58541).
 */
export class SessionLease {
  readonly configuration: NetworkConfiguration;
  readonly #options: SessionLeaseOptions;
  #state: LeaseState = { name: 'Idle' };
  readonly #waiting = new Set<Waiter>();
  readonly #holders = new Set<LeaseHolder>();
  #retired = false;
  /** The link the session was last offered (preferredConfigurationChanged), for the roam. */
  #offered: NetworkConfiguration | undefined;

  constructor(configuration: NetworkConfiguration, options: SessionLeaseOptions) {
    this.configuration = configuration;
    this.#options = options;
  }

  /** The session, while there is one. */
  session(): NetworkSession | undefined {
    return this.#state.name === 'Idle' ? undefined : this.#state.session;
  }

  stateName(): LeaseState['name'] {
    return this.#state.name;
  }

  /** Resolves once the session is open and `holder` holds it; rejects with a reply error. */
  acquire(holder: LeaseHolder, signalOf: () => AbortSignal): Promise<void> {
    const state = this.#state;
    if (state.name === 'Open' || state.name === 'Grace') {
      const refusal = this.#policyRefusal(state.session, holder);
      if (refusal) return Promise.reject(refusal);
      this.#hold(state.session, holder);
      return Promise.resolve();
    }
    const session = state.name === 'Opening' ? state.session : this.#open(holder.background);
    // Only a wait needs the signal (a reply makes it on demand).
    const signal = signalOf();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        holder,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      const onAbort = () => {
        this.#waiting.delete(waiter);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(waiter);
      void session;
    });
  }

  /** The holder's request is done; the last one starts the idle grace. */
  release(holder: LeaseHolder): void {
    if (!this.#holders.delete(holder)) return;
    this.#idleIfUnheld();
  }

  /** No new holders will come (the manager moved to another configuration): close when idle. */
  retire(): void {
    this.#retired = true;
    this.#idleIfUnheld();
  }

  /** Releases the session at once, without failing anyone (the manager fails its replies). */
  dispose(): void {
    this.#retired = true;
    this.#holders.clear();
    for (const waiter of this.#waiting) waiter.reject(new NetworkSessionFailedError('Disposed.'));
    this.#waiting.clear();
    this.#toIdle();
  }

  #open(background: boolean): NetworkSession {
    const session = new NetworkSession(this.configuration);
    if (background) session.setSessionProperty('ConnectInBackground', true);
    session.on('opened', () => this.#opened(session));
    // An error that leaves the session open (a refused roaming step) is no failure for requests.
    session.on('error', () => {
      if (!session.isOpen()) this.#failed(session);
    });
    session.on('closed', () => this.#failed(session));
    session.on('stateChanged', (state) => {
      if (lostStates.has(state)) this.#failed(session);
    });
    session.on('usagePoliciesChanged', () => this.#policiesChanged(session));
    // Listening makes the session take part in application-level roaming: a better link is
    // offered here rather than forced on it. Calls go on a later tick, outside the delivery.
    session.on('preferredConfigurationChanged', (configuration) => {
      this.#offered = configuration;
      queueMicrotask(() => this.#migrate(session));
    });
    session.on('newConfigurationActivated', () => this.#activated(session));
    this.#state = { name: 'Opening', session };
    session.open();
    return session;
  }

  #opened(session: NetworkSession): void {
    if (this.#state.name !== 'Opening' || this.#state.session !== session) return;
    this.#state = { name: 'Open', session };
    this.#options.connected();
    for (const waiter of [...this.#waiting]) {
      this.#waiting.delete(waiter);
      const refusal = this.#policyRefusal(session, waiter.holder);
      if (refusal) waiter.reject(refusal);
      else {
        this.#hold(session, waiter.holder);
        waiter.resolve();
      }
    }
    this.#idleIfUnheld();
  }

  /** The session failed to open, or went away under its holders. */
  #failed(session: NetworkSession): void {
    if (this.#state.name === 'Idle' || this.#state.session !== session) return;
    const message =
      session.errorString() ||
      (this.#state.name === 'Opening' ? 'Network session error.' : 'Network session lost.');
    const failure = () => new NetworkSessionFailedError(message, session.error());
    const waiters = [...this.#waiting];
    const holders = [...this.#holders];
    this.#waiting.clear();
    this.#holders.clear();
    this.#toIdle();
    for (const waiter of waiters) waiter.reject(failure());
    for (const holder of holders) holder.fail(failure());
  }

  #migrate(session: NetworkSession): void {
    if (this.session() !== session) return;
    session.migrate();
  }

  /**
   * The new link is up: new connections go out on it, every transfer leaves the old one, then
   * the roam is committed.
   */
  #activated(session: NetworkSession): void {
    if (this.session() !== session) return;
    const link = this.#offered;
    this.#offered = undefined;
    this.#options.roamed(link);
    for (const holder of [...this.#holders]) holder.move();
    queueMicrotask(() => {
      if (this.session() === session) session.accept();
    });
  }

  #policiesChanged(session: NetworkSession): void {
    if (!session.usagePolicies().includes('NoBackgroundTrafficPolicy')) return;
    for (const holder of [...this.#holders]) {
      if (!holder.background) continue;
      this.#holders.delete(holder);
      holder.fail(new BackgroundRequestNotAllowedError());
    }
    this.#idleIfUnheld();
  }

  #policyRefusal(session: NetworkSession, holder: LeaseHolder): NetworkReplyError | undefined {
    if (holder.background && session.usagePolicies().includes('NoBackgroundTrafficPolicy')) {
      return new BackgroundRequestNotAllowedError();
    }
    return undefined;
  }

  #hold(session: NetworkSession, holder: LeaseHolder): void {
    if (this.#state.name === 'Grace') clearTimeout(this.#state.timer);
    this.#state = { name: 'Open', session };
    this.#holders.add(holder);
  }

  #idleIfUnheld(): void {
    const state = this.#state;
    if (state.name !== 'Open' || this.#holders.size > 0 || this.#waiting.size > 0) return;
    if (this.#retired) {
      this.#toIdle();
      return;
    }
    // Unref'd: a session kept for a possible next request must not keep the process alive.
    const timer = setTimeout(() => this.#toIdle(), this.#options.idleGrace);
    timer.unref();
    this.#state = { name: 'Grace', session: state.session, timer };
  }

  #toIdle(): void {
    const state = this.#state;
    if (state.name === 'Idle') return;
    if (state.name === 'Grace') clearTimeout(state.timer);
    this.#state = { name: 'Idle' };
    // Not from inside the session's own event delivery: on a later tick.
    // dispose() closes it: the link is released (and taken down if this process brought it up).
    queueMicrotask(() => state.session.dispose());
  }
}
