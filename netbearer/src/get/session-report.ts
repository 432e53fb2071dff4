import type { NetworkAccessManager } from '@netbearer/access';
import type { NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import { printable } from '../terminal-text.js';

/**
 * What the access manager's session did, as `get` tells it on stderr: opened on which
 * configuration, the state changes of the configurations it ran over, and each roam. The
 * manager keeps its session to itself, so this follows what it exposes (networkSessionConnected,
 * activeConfiguration()) and the configuration manager's configurationChanged.
 */
export class SessionReport {
  /** Identifiers of the configurations the session ran over, in order. */
  readonly configurations: string[] = [];
  readonly #nam: NetworkAccessManager;
  readonly #manager: NetworkConfigurationManager;
  readonly #say: (line: string) => void;
  readonly #onConnected = () => this.#connected();
  readonly #onChanged = (configuration: NetworkConfiguration) => this.#changed(configuration);

  constructor(
    nam: NetworkAccessManager,
    manager: NetworkConfigurationManager,
    say: (line: string) => void,
  ) {
    this.#nam = nam;
    this.#manager = manager;
    this.#say = say;
    nam.on('networkSessionConnected', this.#onConnected);
    manager.on('configurationChanged', this.#onChanged);
  }

  dispose(): void {
    this.#nam.off('networkSessionConnected', this.#onConnected);
    this.#manager.off('configurationChanged', this.#onChanged);
  }

  #connected(): void {
    const active = this.#nam.activeConfiguration();
    this.configurations.push(active.identifier());
    this.#say(`session: connected on ${describe(active)}`);
  }

  #changed(configuration: NetworkConfiguration): void {
    const last = this.configurations.at(-1);
    if (last === undefined) return;
    if (this.configurations.includes(configuration.identifier())) {
      this.#say(`session: ${describe(configuration)} is ${configuration.state()}`);
    }
    const active = this.#nam.activeConfiguration();
    if (!active.isValid() || active.identifier() === last) return;
    this.configurations.push(active.identifier());
    this.#say(`session: roamed from ${printable(last)} to ${describe(active)}`);
  }
}

function describe(configuration: NetworkConfiguration): string {
  const name = printable(configuration.name());
  const id = printable(configuration.identifier());
  return name && name !== id ? `${name} (${id})` : id;
}
