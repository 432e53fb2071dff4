import type { ConfigurationState } from '@netbearer/machines';
import { ConfigurationRecord } from './configuration-record.js';
import type { UnknownReason } from './engine.js';
import { InvalidArgumentError } from './errors.js';
import { attachRecord, type ConfigurationDirectory, directoryOf, recordOf } from './internal.js';
import { maxTimerDelay } from './long-timer.js';
import {
  type BearerType,
  bearerTypeFamily,
  type Capability,
  type ConfigurationType,
  type Purpose,
} from './vocabulary.js';

/**
 * A live handle onto one configuration (QNetworkConfiguration). Handles obtained from the
 * manager for the same configuration are the same object, so `===` and `equals` agree with
 * Qt's identity comparison. `new NetworkConfiguration()` is the invalid configuration.
 */
export class NetworkConfiguration {
  constructor() {
    attachRecord(this, new ConfigurationRecord('', null));
  }

  identifier(): string {
    return this.#record.identifier;
  }
  name(): string {
    return this.#record.name;
  }
  isValid(): boolean {
    return this.#record.valid;
  }
  state(): ConfigurationState {
    return this.#record.state;
  }
  type(): ConfigurationType {
    return this.#record.type;
  }
  purpose(): Purpose {
    return this.#record.purpose;
  }
  /** Unknown for service networks, user choices and invalid configurations, as in Qt. */
  bearerType(): BearerType {
    return this.#record.type === 'InternetAccessPoint' ? this.#record.bearerType : 'Unknown';
  }
  bearerTypeFamily(): BearerType {
    return bearerTypeFamily(this.bearerType());
  }
  /** Qt's bearerTypeName(): empty for service networks, user choices and invalid ones. */
  bearerTypeName(): string {
    return this.#record.type === 'InternetAccessPoint' ? this.#record.bearerType : '';
  }
  /** A service network's members, most preferred first; invalid ones are left out. */
  children(): NetworkConfiguration[] {
    const directory = directoryOf(this.#record);
    if (!directory || this.#record.type !== 'ServiceNetwork') return [];
    return this.#record.children.map((id) => directory.handleOf(id)).filter((c) => c.isValid());
  }
  /** Only a service network with more than one member can roam. */
  isRoamingAvailable(): boolean {
    return this.#record.type === 'ServiceNetwork' && this.children().length > 1;
  }
  /** The capabilities of the engine that owns this configuration (a netbearer addition). */
  capabilities(): Capability[] {
    return [...this.#record.capabilities];
  }
  /** The OS interface the engine ties this access point to, e.g. 'wlan0' (a netbearer addition). */
  interfaceName(): string | null {
    return this.#record.interfaceName;
  }
  /**
   * Why the engine could establish only part of this configuration's state (a netbearer
   * addition): 'location-permission' (Windows 24H2 withholds WLAN data), 'redacted' (macOS
   * hides the network's name), 'service-unavailable'; null when nothing is withheld.
   */
  unknownReason(): UnknownReason | null {
    return this.#record.unknownReason;
  }
  /** Whether the engine counts this as a virtual interface (bridge, veth, VPN). */
  isVirtual(): boolean {
    return this.#record.virtual;
  }
  connectTimeout(): number {
    return this.#record.connectTimeout;
  }
  /**
   * Milliseconds a session may spend connecting before it gives up: a whole number from 1 to
   * 2147483647 (2^31 - 1, about 24.8 days, the longest a Node timer waits); anything else
   * throws InvalidArgumentError.
   */
  setConnectTimeout(milliseconds: number): void {
    const whole = typeof milliseconds === 'number' && Number.isInteger(milliseconds);
    if (!whole || milliseconds < 1 || milliseconds > maxTimerDelay) {
      throw new InvalidArgumentError(
        `setConnectTimeout takes a whole number of milliseconds from 1 to ${maxTimerDelay}, got ${typeof milliseconds === 'string' ? JSON.stringify(milliseconds) : String(milliseconds)}.`,
      );
    }
    this.#record.connectTimeout = milliseconds;
    linkConfigurators.get(this.#record)?.(milliseconds);
  }
  /** Same configuration (Qt's shared-data identity); all invalid default ones are equal. */
  equals(other: NetworkConfiguration): boolean {
    const theirs = recordOf(other);
    if (theirs === this.#record) return true;
    const blank = (r: ConfigurationRecord) => r.engine === null && r.identifier === '';
    return blank(theirs) && blank(this.#record);
  }

  get #record(): ConfigurationRecord {
    return recordOf(this);
  }
}

/** @internal Creates the one handle of a record that a manager lists. */
export function handleFor(
  record: ConfigurationRecord,
  directory: ConfigurationDirectory,
): NetworkConfiguration {
  const handle = new NetworkConfiguration();
  attachRecord(handle, record, directory);
  return handle;
}

/** @internal Lets the link of a record learn about a new connect timeout. */
export const linkConfigurators = new WeakMap<ConfigurationRecord, (timeout: number) => void>();
