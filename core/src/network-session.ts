import type { SessionEmitted, SessionError, SessionState } from '@netbearer/machines';
import { createActor, type Subscription } from 'xstate';
import type { ConfigurationRecord } from './configuration-record.js';
import { Emitter } from './emitter.js';
import { InvalidArgumentError, ReadOnlyPropertyError } from './errors.js';
import { EventQueue } from './event-queue.js';
import {
  environmentOf,
  NetworkConfiguration,
  type SessionEnvironment,
} from './network-configuration.js';
import { Binding, type BindingOwner, type SessionActor, SessionHost } from './session-host.js';
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
export class NetworkSession extends Emitter<NetworkSessionEvents> implements BindingOwner {
  readonly #configuration: NetworkConfiguration;
  readonly #record: ConfigurationRecord;
  readonly #environment: SessionEnvironment;
  readonly #binding: Binding;
  readonly #subscription: Subscription;
  #state: SessionState;
  #policies: readonly UsagePolicy[];
  #properties: Map<string, unknown> | undefined;
  #autoClose: NodeJS.Timeout | undefined;
  #disposed = false;
  /** What the current transition emitted, delivered around its state change. */
  readonly #emittedNow: SessionEmitted[] = [];

  constructor(configuration: NetworkConfiguration) {
    super();
    this.#configuration = configuration;
    this.#record = NetworkConfiguration.recordOf(configuration);
    this.#environment = environmentOf(this.#record) ?? detachedEnvironment();
    const { host } = this.#environment;
    const input = { configurationValid: this.#record.valid };
    const actor = createActor(
      host.sessionLogic,
      host.inspect ? { input, inspect: host.inspect } : { input },
    );
    this.#binding = new Binding(this.#record, actor, this);
    actor.start();
    if (this.#record.valid && this.#record.type !== 'Invalid') host.attach(this.#binding);
    this.#state = actor.getSnapshot().value;
    this.#policies = this.#activeRecord().usagePolicies;
    actor.on('*', (event) => this.#emitted(event));
    this.#subscription = actor.subscribe((snapshot) => this.#changed(snapshot.value));
  }

  /** The session's state machine, for subscribing, inspecting and composing. */
  get actor(): SessionActor {
    return this.#binding.actor;
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

  open(): void {
    this.#send({ type: 'OPEN' });
  }
  close(): void {
    this.#send({ type: 'CLOSE' });
  }
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
   * pass first (-1: no limit). False at once when no open is under way.
   */
  waitForOpened(milliseconds = 30_000, options: WaitOptions = {}): Promise<boolean> {
    if (!Number.isInteger(milliseconds) || milliseconds < -1) {
      return Promise.reject(
        new InvalidArgumentError(
          `waitForOpened takes -1 or a whole number of ms, got ${milliseconds}`,
        ),
      );
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const { isOpen, opening } = this.#context();
    if (isOpen) return Promise.resolve(true);
    if (!opening || this.#disposed) return Promise.resolve(false);
    // Settles from the delivered events, so whoever awaits it has seen them in order.
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const opened = () => finish(true);
      const failed = () => finish(false);
      const stopped = this.#binding.actor.subscribe({ complete: failed });
      const cleanUp = () => {
        this.off('opened', opened).off('error', failed).off('closed', failed);
        stopped.unsubscribe();
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
      };
      const finish = (result: boolean) => {
        cleanUp();
        resolve(result);
      };
      const abort = () => {
        cleanUp();
        reject(options.signal?.reason);
      };
      this.on('opened', opened).on('error', failed).on('closed', failed);
      if (milliseconds >= 0) timer = setTimeout(failed, milliseconds);
      options.signal?.addEventListener('abort', abort, { once: true });
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
   * AutoCloseSessionTimeout (ms, -1 for never) closes an open session after that long.
   */
  setSessionProperty(key: SessionPropertyKey | (string & {}), value: unknown): void {
    if (readOnlyProperties.has(key)) throw new ReadOnlyPropertyError(`${key} is read-only.`);
    if (key === 'ConnectInBackground' && typeof value !== 'boolean') {
      throw new InvalidArgumentError('ConnectInBackground takes a boolean.');
    }
    if (key === 'AutoCloseSessionTimeout') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
        throw new InvalidArgumentError('AutoCloseSessionTimeout takes -1 or whole milliseconds.');
      }
    }
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
    clearTimeout(this.#autoClose);
    this.#subscription.unsubscribe();
    this.#environment.host.detach(this.#binding);
    this.#binding.actor.stop();
    this.removeAllListeners();
  }

  // BindingOwner

  takesPartInRoaming(): boolean {
    return this.listenerCount('preferredConfigurationChanged') > 0;
  }

  connectsInBackground(): boolean {
    return this.sessionProperty('ConnectInBackground') === true;
  }

  usagePoliciesMayHaveChanged(): void {
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

  #emitted(event: SessionEmitted): void {
    if (event.type === 'opened') this.#armAutoClose();
    if (event.type === 'closed') clearTimeout(this.#autoClose);
    this.#emittedNow.push(event);
  }

  #deliveryOf(event: SessionEmitted): () => void {
    switch (event.type) {
      case 'opened':
        return () => this.emit('opened');
      case 'closed':
        return () => this.emit('closed');
      case 'error':
        return () => this.emit('error', event.error);
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
    this.usagePoliciesMayHaveChanged();
  }

  #armAutoClose(): void {
    clearTimeout(this.#autoClose);
    const timeout = this.sessionProperty('AutoCloseSessionTimeout') as number;
    if (timeout < 0 || !this.isOpen()) return;
    this.#autoClose = setTimeout(() => {
      this.#properties?.set('AutoCloseSessionTimeout', -1);
      this.close();
    }, timeout);
    // An idle session must not keep the process alive just to close itself.
    this.#autoClose.unref();
  }
}
