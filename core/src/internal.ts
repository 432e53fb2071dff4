/**
 * NOT PUBLIC API. What core's own modules share about each other, what netbearer's engines
 * share (text helpers of the platform parsers), and the way netbearer's test suites reach a
 * manager's machinery. It is exported only as `@netbearer/core/internal`,
 * which applications must not import: it may change in any release. The public types
 * (`@netbearer/core`) mention none of it.
 */
import type { Binding } from './binding.js';
import type { ConfigurationRecord } from './configuration-record.js';
import { InvalidArgumentError } from './errors.js';
import type { EventQueue } from './event-queue.js';
import type { NetworkConfiguration } from './network-configuration.js';
import type { NetworkConfigurationManager } from './network-configuration-manager.js';
import type { NetworkSession } from './network-session.js';
import type { SessionHost } from './session-host.js';

export { isWhiteSpace } from './white-space.js';

/** How a handle finds the handles of a service network's children. */
export interface ConfigurationDirectory {
  handleOf(identifier: string): NetworkConfiguration;
}

/** What a session needs from the manager its configuration came from. */
export interface SessionEnvironment extends ConfigurationDirectory {
  readonly host: SessionHost;
  readonly queue: EventQueue;
}

const records = new WeakMap<NetworkConfiguration, ConfigurationRecord>();
const directories = new WeakMap<ConfigurationRecord, ConfigurationDirectory>();
const environments = new WeakMap<NetworkConfigurationManager, SessionEnvironment>();
const bindings = new WeakMap<NetworkSession, Binding>();
const sessions = new WeakMap<Binding, NetworkSession>();
const sessionsByActor = new WeakMap<object, NetworkSession>();

/** Ties a handle to its record (and the record to the manager that lists it). */
export function attachRecord(
  handle: NetworkConfiguration,
  record: ConfigurationRecord,
  directory?: ConfigurationDirectory,
): void {
  records.set(handle, record);
  if (directory) directories.set(record, directory);
}

/** The shared record behind a configuration handle. */
export function recordOf(handle: NetworkConfiguration): ConfigurationRecord {
  const record = records.get(handle);
  if (!record) throw new InvalidArgumentError('Not a NetworkConfiguration.');
  return record;
}

/** The manager's directory behind a record, if a manager lists it. */
export function directoryOf(record: ConfigurationRecord): ConfigurationDirectory | undefined {
  return directories.get(record);
}

/** The manager behind a configuration, if it has one. */
export function environmentOf(record: ConfigurationRecord): SessionEnvironment | undefined {
  const directory = directories.get(record);
  return directory && 'host' in directory ? (directory as SessionEnvironment) : undefined;
}

export function registerEnvironment(
  manager: NetworkConfigurationManager,
  environment: SessionEnvironment,
): void {
  environments.set(manager, environment);
}

/** The host that runs a manager's session and link machines. */
export function hostOf(manager: NetworkConfigurationManager): SessionHost {
  const environment = environments.get(manager);
  if (!environment) throw new InvalidArgumentError('Not a NetworkConfigurationManager.');
  return environment.host;
}

export function registerBinding(session: NetworkSession, binding: Binding): void {
  bindings.set(session, binding);
  sessions.set(binding, session);
  sessionsByActor.set(binding.actor, session);
}

/** The session a binding belongs to (the inspection lists it). */
export function sessionOf(binding: Binding): NetworkSession | undefined {
  return sessions.get(binding);
}

/** The session whose machine this actor runs (the inspection shows its `actor` view). */
export function sessionOfActor(actor: object): NetworkSession | undefined {
  return sessionsByActor.get(actor);
}

/** A session's binding: its live, writable actor and the links it follows and holds. */
export function bindingOf(session: NetworkSession): Binding {
  const binding = bindings.get(session);
  if (!binding) throw new InvalidArgumentError('Not a NetworkSession.');
  return binding;
}
