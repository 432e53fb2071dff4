import {
  type SessionEmitted,
  type SessionError,
  type SessionState,
  sessionStateOf,
} from '@netbearer/machines';
import { createActor, type Subscription } from 'xstate';
import { onAbort } from './abort-listener.js';
import { Binding, type SessionActor } from './binding.js';
import type { ConfigurationRecord } from './configuration-record.js';
import { Emitter } from './emitter.js';
import { InvalidArgumentError, ReadOnlyPropertyError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { environmentOf, recordOf, registerBinding, type SessionEnvironment } from './internal.js';
import { checkDelay, type LongTimer, setLongTimeout } from './long-timer.js';
import { NetworkConfiguration } from './network-configuration.js';
import { type SessionActorView, viewOf } from './session-actor.js';
import { SessionHost } from './session-host.js';
import type { UsagePolicy } from './vocabulary.js';

export interface NetworkSessionEvents {
  stateChanged: [state: SessionState];
  opened: [];
  closed: [];
  error: [error: SessionError];
  preferredConfigurationChanged: [configuration: NetworkConfiguration, isSeamless: boolean];
  newConfigurationActivated: [];
  usagePoliciesChanged: [policies: UsagePolicy[]];
}

/** The interface a connected session runs over. */
export interface NetworkInterface {
  readonly name: string;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
}

/** Session property keys Qt defines; any other key is stored as the application's own. */
export type SessionPropertyKey =
  | 'ActiveConfiguration'
  | 'UserChoiceConfiguration'
  | 'ConnectInBackground'
  | 'AutoCloseSessionTimeout';

const readOnlyProperties = new Set(['ActiveConfiguration', 'UserChoiceConfiguration']);

// Sessions on a configuration that no manager owns share one host with no records.
let detached: SessionEnvironment | undefined;
function detachedEnvironment(): SessionEnvironment {
  detached ??= {
    host: new SessionHost(
      { record: () => undefined, resolveUserChoice: () => undefined },
      undefined,
    ),
    queue: new EventQueue(),
    handleOf: () => new NetworkConfiguration(),
  };
  return detached;
}

/**
 * A session on one configuration (QNetworkSession): open it to bring the link up and keep
 * it up; several sessions on one configuration share the link, and the last close lets it go.
 * Events always arrive on a later tick, in order; `error` with no listener is harmless.
 */
export class NetworkSession extends Emitter<NetworkSessionEvents> {
  readonly #configuration: NetworkConfiguration;
  readonly #record: ConfigurationRecord;
  readonly #environment: SessionEnvironment;
  readonly #binding: Binding;
  readonly #view: SessionActorView;
  readonly #subscription: Subscription;
  #state: SessionState;
  #policies: readonly UsagePolicy[];
  #properties: Map<string, unknown> | undefined;
  #autoClose: LongTimer | undefined;
  #disposed = false;
  /** Pending waitForOpened calls, settled from the delivered events (no listeners added). */
  readonly #waiters = new Set<(opened: boolean) => void>();
  /** What the current transition emitted, delivered around its state change. */
  readonly #emittedNow: SessionEmitted[] = [];

  constructor(configuration: NetworkConfiguration) {
    super();
    this.#configuration = configuration;
    this.#record = recordOf(configuration);
    this.#environment = environmentOf(this.#record) ?? detachedEnvironment();
    const { host } = this.#environment;
    const input = { configurationValid: this.#record.valid };
    const actor = createActor(
      host.sessionLogic,
      host.inspect ? { input, inspect: host.inspect } : { input },
    );
    // The host's view of this session; kept off the session's public type.
    this.#binding = new Binding(this.#record, actor, {
      takesPartInRoaming: () => this.listenerCount('preferredConfigurationChanged') > 0,
      connectsInBackground: () => this.sessionProperty('ConnectInBackground') === true,
      usagePoliciesMayHaveChanged: () => this.#usagePoliciesMayHaveChanged(),
    });
    registerBinding(this, this.#binding);
    this.#view = viewOf(actor);
    actor.start();
    if (this.#record.valid && this.#record.type !== 'Invalid') host.attach(this.#binding);
    this.#state = sessionStateOf(actor.getSnapshot().value);
    this.#policies = this.#activeRecord().usagePolicies;
    actor.on('*', (event) => this.#emitted(event));
    this.#subscription = actor.subscribe({
      next: (snapshot) => this.#changed(sessionStateOf(snapshot.value)),
      // The manager was disposed: its machines are stopped, so no open is under way.
      complete: () => this.#settleWaiters(false),
    });
  }

  /**
   * The session's XState actor, read-only: its snapshot, its snapshots as they change, what it
   * emits, its inspection events. It cannot be sent events: use the session's methods.
   */
  get actor(): SessionActorView {
    return this.#view;
  }

  configuration(): NetworkConfiguration {
    return this.#configuration;
  }
  state(): SessionState {
    return this.#state;
  }
  isOpen(): boolean {
    return this.#context().isOpen;
  }
  error(): SessionError {
    return this.#context().error.error;
  }
  errorString(): string {
    return this.#context().error.message;
  }

  /**
   * Opens the session: brings the link up if nothing does yet, or joins it if it is up
   * already (the user's own connection, another program's). `opened` follows, or `error`.
   */
  open(): void {
    this.#send({ type: 'OPEN' });
  }
  /**
   * Closes the session: `closed` follows. The last close takes the link down only if this
   * process brought it up and the engine counts sessions across processes
   * (SystemSessionSupport), and nobody anywhere still holds it. A joined link (up before this
   * process's first session opened it) stays up: only `stop()` takes that down.
   */
  close(): void {
    this.#send({ type: 'CLOSE' });
  }
  /** Takes the link down for everyone, however it came up; every open session is closed. */
  stop(): void {
    this.#send({ type: 'STOP' });
  }
  migrate(): void {
    this.#send({ type: 'MIGRATE' });
  }
  ignore(): void {
    this.#send({ type: 'IGNORE' });
  }
  accept(): void {
    this.#send({ type: 'ACCEPT' });
  }
  reject(): void {
    this.#send({ type: 'REJECT' });
  }

  /**
   * Resolves true once the session is open, false if it fails, is closed, or `milliseconds`
   * pass first (-1: no limit; any whole number of ms, 2^31 and beyond included). False at once
   * when no open is under way. Rejects with InvalidArgumentError for other values, and with
   * the signal's reason when `options.signal` aborts.
   */
  waitForOpened(milliseconds = 30_000, options: WaitOptions = {}): Promise<boolean> {
    try {
      checkDelay('waitForOpened', milliseconds, { never: true });
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { isOpen, opening } = this.#context();
    if (isOpen) return Promise.resolve(true);
    if (!opening || this.#disposed) return Promise.resolve(false);
    // Settles from the delivered events, so whoever awaits it has seen them in order.
    return new Promise((resolve, reject) => {
      const timer =
        milliseconds === -1 ? undefined : setLongTimeout(() => finish(false), milliseconds);
      const withdraw = signal ? onAbort(signal, () => abort()) : undefined;
      const cleanUp = () => {
        this.#waiters.delete(finish);
        timer?.cancel();
        withdraw?.();
      };
      const finish = (opened: boolean) => {
        cleanUp();
        resolve(opened);
      };
      const abort = () => {
        cleanUp();
        reject(signal?.reason);
      };
      this.#waiters.add(finish);
    });
  }

  /** The interface while the session's link is up, else null. */
  interface(): NetworkInterface | null {
    if (this.#state !== 'Connected' && this.#state !== 'Roaming') return null;
    const name = this.#environment.host.linkFor(this.#binding)?.record.interfaceName;
    return name ? { name } : null;
  }

  bytesReceived(): number {
    return this.#statistics()?.bytesReceived ?? 0;
  }
  bytesWritten(): number {
    return this.#statistics()?.bytesWritten ?? 0;
  }
  /** Whole seconds the link has been up, while the session is connected. */
  activeTime(): number {
    const link = this.#upLink();
    if (!link) return 0;
    const since = link.record.engine?.activeSince?.(link.record.identifier) ?? link.upSince;
    return since === undefined ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000));
  }

  sessionProperty(key: SessionPropertyKey | (string & {})): unknown {
    switch (key) {
      case 'ActiveConfiguration':
        return this.isOpen() ? (this.#binding.active?.record.identifier ?? '') : '';
      case 'UserChoiceConfiguration':
        return this.isOpen() && this.#record.type === 'UserChoice'
          ? (this.#binding.resolved?.identifier ?? '')
          : '';
      case 'ConnectInBackground':
        return this.#properties?.get(key) ?? false;
      case 'AutoCloseSessionTimeout':
        return this.#properties?.get(key) ?? -1;
      default:
        return this.#properties?.get(key);
    }
  }

  /**
   * Sets a session property. ActiveConfiguration and UserChoiceConfiguration are read-only;
   * AutoCloseSessionTimeout (whole ms of any length, -1 for never) closes an open session
   * after that long.
   */
  setSessionProperty(key: SessionPropertyKey | (string & {}), value: unknown): void {
    if (readOnlyProperties.has(key)) throw new ReadOnlyPropertyError(`${key} is read-only.`);
    if (key === 'ConnectInBackground' && typeof value !== 'boolean') {
      throw new InvalidArgumentError('ConnectInBackground takes a boolean.');
    }
    if (key === 'AutoCloseSessionTimeout') checkDelay(key, value, { never: true });
    this.#properties ??= new Map();
    this.#properties.set(key, value);
    if (key === 'AutoCloseSessionTimeout') this.#armAutoClose();
  }

  usagePolicies(): UsagePolicy[] {
    return [...this.#policies];
  }

  /** Closes the session if open and releases everything it holds, without events. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#autoClose?.cancel();
    this.#settleWaiters(false);
    this.#subscription.unsubscribe();
    this.#environment.host.detach(this.#binding);
    this.#binding.actor.stop();
    this.removeAllListeners();
  }

  #usagePoliciesMayHaveChanged(): void {
    const policies = this.#activeRecord().usagePolicies;
    // Records replace the array when it changes, so identity is the cheap common case.
    if (policies === this.#policies || policies.join() === this.#policies.join()) return;
    this.#policies = policies;
    this.#post(() => this.emit('usagePoliciesChanged', [...policies]));
  }

  #send(event: Parameters<SessionActor['send']>[0]): void {
    if (this.#disposed || this.#binding.actor.getSnapshot().status !== 'active') return;
    this.#binding.actor.send(event);
  }

  #context() {
    return this.#binding.actor.getSnapshot().context;
  }

  #activeRecord(): ConfigurationRecord {
    return this.#binding.active?.record ?? this.#binding.effective;
  }

  #upLink() {
    if (this.#state !== 'Connected' && this.#state !== 'Roaming') return undefined;
    return this.#environment.host.linkFor(this.#binding);
  }

  #statistics() {
    const link = this.#upLink();
    if (!link?.record.hasCapability('DataStatistics')) return undefined;
    return link.record.engine?.statistics?.(link.record.identifier);
  }

  #post(task: () => void): void {
    this.#environment.queue.post(() => {
      if (!this.#disposed) task();
    });
  }

  #settleWaiters(opened: boolean): void {
    for (const finish of [...this.#waiters]) finish(opened);
  }

  #emitted(event: SessionEmitted): void {
    if (event.type === 'opened') this.#armAutoClose();
    if (event.type === 'closed') this.#autoClose?.cancel();
    this.#emittedNow.push(event);
  }

  #deliveryOf(event: SessionEmitted): () => void {
    switch (event.type) {
      case 'opened':
        return () => {
          this.emit('opened');
          this.#settleWaiters(true);
        };
      case 'closed':
        return () => {
          this.emit('closed');
          this.#settleWaiters(false);
        };
      case 'error':
        return () => {
          this.emit('error', event.error);
          this.#settleWaiters(false);
        };
      case 'newConfigurationActivated':
        return () => this.emit('newConfigurationActivated');
      case 'preferredConfigurationChanged': {
        const handle = this.#environment.handleOf(event.configuration);
        return () => this.emit('preferredConfigurationChanged', handle, event.seamless);
      }
    }
  }

  /**
   * After each transition: what it emitted, in Qt's order — opened or closed before the state
   * change, errors after it (link loss: closed, stateChanged, SessionAbortedError).
   */
  #changed(state: SessionState): void {
    const emitted = this.#emittedNow.splice(0);
    for (const e of emitted) if (e.type !== 'error') this.#post(this.#deliveryOf(e));
    if (state !== this.#state) {
      this.#state = state;
      this.#post(() => this.emit('stateChanged', state));
    }
    for (const e of emitted) if (e.type === 'error') this.#post(this.#deliveryOf(e));
    this.#environment.host.afterTransition(this.#binding);
    this.#usagePoliciesMayHaveChanged();
  }

  #armAutoClose(): void {
    this.#autoClose?.cancel();
    this.#autoClose = undefined;
    const timeout = this.sessionProperty('AutoCloseSessionTimeout') as number;
    if (timeout < 0 || !this.isOpen()) return;
    const autoClose = () => {
      this.#properties?.set('AutoCloseSessionTimeout', -1);
      this.close();
    };
    // An idle session must not keep the process alive just to close itself.
    this.#autoClose = setLongTimeout(autoClose, timeout, { unref: true });
  }
}
