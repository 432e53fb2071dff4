import type { NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import {
  accessibilityMachine,
  blocksRequests,
  type NetworkAccessibility,
  networkAccessibilityOf,
  type ObservedAccessibility,
} from '@netbearer/machines';
import { type Actor, createActor } from 'xstate';

/**
 * Runs the accessibility machine for one access manager. The configuration manager is
 * listened to only while the application listens for changes; otherwise the observation is
 * read when networkAccessible() is asked, so an idle manager costs nothing.
 */
export class Accessibility {
  readonly #actor: Actor<typeof accessibilityMachine>;
  readonly #manager: NetworkConfigurationManager | undefined;
  readonly #configuration: () => NetworkConfiguration | undefined;
  readonly #changed: (value: NetworkAccessibility) => void;
  #value: NetworkAccessibility;
  #watching = false;
  readonly #observe = () => this.#refresh(true);

  constructor(
    manager: NetworkConfigurationManager | undefined,
    configuration: () => NetworkConfiguration | undefined,
    changed: (value: NetworkAccessibility) => void,
  ) {
    this.#manager = manager;
    this.#configuration = configuration;
    this.#changed = changed;
    this.#actor = createActor(accessibilityMachine).start();
    this.#actor.send({ type: 'OBSERVED', observed: this.#observed() });
    this.#value = networkAccessibilityOf(this.#actor.getSnapshot());
  }

  value(): NetworkAccessibility {
    if (!this.#watching) this.#refresh(false);
    return this.#value;
  }

  blocks(): boolean {
    return blocksRequests(this.#actor.getSnapshot());
  }

  set(value: NetworkAccessibility): void {
    if (!this.#watching) this.#refresh(false);
    this.#actor.send({ type: 'SET', accessible: value });
    this.#publish(true);
  }

  /** Follow the configuration manager's events (someone listens for changes) or stop. */
  watch(on: boolean): void {
    if (on === this.#watching || !this.#manager) return;
    this.#watching = on;
    const method = on ? 'on' : 'off';
    this.#manager[method]('onlineStateChanged', this.#observe);
    this.#manager[method]('configurationChanged', this.#observe);
    if (on) this.#refresh(false);
  }

  /** The configuration the manager uses changed: what is observed may differ. */
  reconsider(): void {
    this.#refresh(this.#watching);
  }

  dispose(): void {
    this.watch(false);
    this.#actor.stop();
  }

  #refresh(announce: boolean): void {
    this.#actor.send({ type: 'OBSERVED', observed: this.#observed() });
    this.#publish(announce);
  }

  #publish(announce: boolean): void {
    const value = networkAccessibilityOf(this.#actor.getSnapshot());
    if (value === this.#value) return;
    this.#value = value;
    if (announce) this.#changed(value);
  }

  /** Qt's rule: a chosen configuration is online when Active; else the manager's isOnline(). */
  #observed(): ObservedAccessibility {
    const manager = this.#manager;
    if (!manager) return 'Unknown';
    const chosen = this.#configuration();
    if (chosen) {
      if (!chosen.isValid()) return 'Unknown';
      return chosen.state() === 'Active' ? 'Online' : 'Offline';
    }
    if (manager.isOnline()) return 'Online';
    return manager.defaultConfiguration().isValid() ? 'Offline' : 'Unknown';
  }
}
