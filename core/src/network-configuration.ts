import type { ConfigurationState } from '@netbearer/machines';
import { ConfigurationRecord } from './configuration-record.js';
import { InvalidArgumentError } from './errors.js';
import {
  type BearerType,
  bearerTypeFamily,
  type Capability,
  type ConfigurationType,
  type Purpose,
} from './vocabulary.js';

/** How a handle finds the handles of a service network's children. */
export interface ConfigurationDirectory {
  handleOf(identifier: string): NetworkConfiguration;
}

const records = new WeakMap<NetworkConfiguration, ConfigurationRecord>();
const directories = new WeakMap<ConfigurationRecord, ConfigurationDirectory>();

/**
 * A live handle onto one configuration (QNetworkConfiguration). Handles obtained from the
 * manager for the same configuration are the same object, so `===` and `equals` agree with
 * Qt's identity comparison. `new NetworkConfiguration()` is the invalid configuration.
 */
export class NetworkConfiguration {
  constructor() {
    records.set(this, new ConfigurationRecord('', null));
  }

  /** @internal Creates the one handle of a record. */
  static forRecord(record: ConfigurationRecord, directory: ConfigurationDirectory) {
    const handle = new NetworkConfiguration();
    records.set(handle, record);
    directories.set(record, directory);
    return handle;
  }

  /** @internal */
  static recordOf(handle: NetworkConfiguration): ConfigurationRecord {
    const record = records.get(handle);
    if (!record) throw new InvalidArgumentError('Not a NetworkConfiguration.');
    return record;
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
    const directory = directories.get(this.#record);
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
  /** Whether the engine counts this as a virtual interface (bridge, veth, VPN). */
  isVirtual(): boolean {
    return this.#record.virtual;
  }
  connectTimeout(): number {
    return this.#record.connectTimeout;
  }
  /** Milliseconds a session may spend connecting before it gives up. */
  setConnectTimeout(milliseconds: number): void {
    if (!Number.isInteger(milliseconds) || milliseconds <= 0 || milliseconds > 2 ** 31 - 1) {
      throw new InvalidArgumentError(
        `connect timeout must be a positive whole number of milliseconds, got ${String(milliseconds)}`,
      );
    }
    this.#record.connectTimeout = milliseconds;
    linkConfigurators.get(this.#record)?.(milliseconds);
  }
  /** Same configuration (Qt's shared-data identity); all invalid default ones are equal. */
  equals(other: NetworkConfiguration): boolean {
    const theirs = NetworkConfiguration.recordOf(other);
    if (theirs === this.#record) return true;
    const blank = (r: ConfigurationRecord) => r.engine === null && r.identifier === '';
    return blank(theirs) && blank(this.#record);
  }

  get #record(): ConfigurationRecord {
    return records.get(this)!;
  }
}

/** @internal Lets the link of a record learn about a new connect timeout. */
export const linkConfigurators = new WeakMap<ConfigurationRecord, (timeout: number) => void>();

/** @internal What a session needs from the manager its configuration came from. */
export interface SessionEnvironment extends ConfigurationDirectory {
  readonly host: import('./session-host.js').SessionHost;
  readonly queue: import('./event-queue.js').EventQueue;
}

/** @internal The manager behind a configuration, if it has one. */
export function environmentOf(record: ConfigurationRecord): SessionEnvironment | undefined {
  const directory = directories.get(record);
  return directory && 'host' in directory ? (directory as SessionEnvironment) : undefined;
}
