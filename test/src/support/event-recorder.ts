/**
 * Records what sessions and managers deliver, as short readable lines ("s1 opened",
 * "s1 stateChanged Connecting", "m configurationChanged sim:wlan Active"), so a test can
 * compare whole sequences (order included) the way Qt's QSignalSpy lists were read.
 */
import type {
  NetworkConfigurationManager,
  NetworkConfigurationManagerEvents,
  NetworkSession,
  NetworkSessionEvents,
} from '@netbearer/core';

export interface WatchOptions {
  /**
   * Also listen for preferredConfigurationChanged. Off by default: a listener for it is what
   * makes a session take part in application-level roaming (no listener: forced roaming).
   */
  readonly preferred?: boolean;
}

export class EventRecorder {
  readonly lines: string[] = [];
  readonly #unsubscribe: Array<() => void> = [];

  /** Records every event of `session` under `label`. */
  watch(label: string, session: NetworkSession, options: WatchOptions = {}): this {
    const add = (line: string) => this.lines.push(`${label} ${line}`);
    const on = <K extends keyof NetworkSessionEvents & string>(
      event: K,
      listener: (...args: NetworkSessionEvents[K]) => void,
    ) => {
      session.on(event, listener);
      this.#unsubscribe.push(() => session.off(event, listener));
    };
    on('stateChanged', (state) => add(`stateChanged ${state}`));
    on('opened', () => add('opened'));
    on('closed', () => add('closed'));
    on('error', (error) => add(`error ${error}`));
    on('newConfigurationActivated', () => add('newConfigurationActivated'));
    on('usagePoliciesChanged', (policies) => add(`usagePoliciesChanged ${policies.join('+')}`));
    if (options.preferred) {
      on('preferredConfigurationChanged', (configuration, seamless) =>
        add(
          `preferredConfigurationChanged ${configuration.identifier()} ${seamless ? 'seamless' : 'not-seamless'}`,
        ),
      );
    }
    return this;
  }

  /** Records every event of `manager` under `label`; configurationChanged with the state then. */
  watchManager(label: string, manager: NetworkConfigurationManager): this {
    const add = (line: string) => this.lines.push(`${label} ${line}`);
    const on = <K extends keyof NetworkConfigurationManagerEvents & string>(
      event: K,
      listener: (...args: NetworkConfigurationManagerEvents[K]) => void,
    ) => {
      manager.on(event, listener);
      this.#unsubscribe.push(() => manager.off(event, listener));
    };
    on('configurationAdded', (c) => add(`configurationAdded ${c.identifier()}`));
    on('configurationRemoved', (c) => add(`configurationRemoved ${c.identifier()}`));
    on('configurationChanged', (c) => add(`configurationChanged ${c.identifier()} ${c.state()}`));
    on('onlineStateChanged', (online) => add(`onlineStateChanged ${online}`));
    on('updateCompleted', () => add('updateCompleted'));
    return this;
  }

  /** The lines recorded for `label`, without the label. */
  of(label: string): string[] {
    const prefix = `${label} `;
    return this.lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  }

  /** How many lines of `label` are `what` or start with `what ` (e.g. 'opened', 'error'). */
  count(label: string, what: string): number {
    return this.of(label).filter((l) => l === what || l.startsWith(`${what} `)).length;
  }

  /** The arguments of `label`'s `event` lines, in order (e.g. the states of stateChanged). */
  values(label: string, event: string): string[] {
    return this.of(label)
      .filter((l) => l.startsWith(`${event} `))
      .map((l) => l.slice(event.length + 1));
  }

  /** Forgets everything recorded so far (QSignalSpy::clear on every spy). */
  clear(): void {
    this.lines.length = 0;
  }

  /** Removes every listener this recorder added. */
  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
