import type { ConfigurationState } from '@netbearer/machines';
import type { BearerType, Capability, Purpose, UsagePolicy } from './vocabulary.js';

/**
 * The engine contract: what Qt called a bearer engine. An engine owns the configurations of
 * one platform source, keeps them current from the platform's own change events, and brings
 * links up and down where it can. Core aggregates engines, counts sessions, runs the session
 * machines and delivers events; an engine never talks to sessions directly.
 *
 * Rules an engine keeps:
 * - identifiers are stable (across platform restarts) and unique across engines, e.g.
 *   prefixed with the engine name;
 * - `start` resolves with the full initial list; after that every change goes to the sink,
 *   in the order it happened, and never synchronously inside a call from core;
 * - no polling where the platform has events, and no timer at all while idle;
 * - platform data never reaches a shell;
 * - failures reject with an `EngineError` whose kind says what happened.
 */
export interface Engine {
  /** Short, stable name, e.g. 'networkmanager', 'generic', 'simulated'. */
  readonly name: string;
  /** What this engine can do for all of its configurations. */
  capabilities(): readonly Capability[];
  /** Enumerates, subscribes to platform events, and resolves with the configurations. */
  start(sink: EngineSink): Promise<readonly EngineConfiguration[]>;
  /**
   * Whether anyone hears changes now: a listener on the manager, or a session. An engine that
   * has to poll for changes polls only while this is true; with nobody listening, the list is
   * refreshed by `requestUpdate()` (updateConfigurations). Engines with events ignore it.
   */
  watch?(active: boolean): void;
  /** Refreshes (e.g. requests WLAN scans) and resolves when the refresh is complete. */
  requestUpdate(): Promise<void>;
  /**
   * Brings an access point up for this process and counts the process among its holders.
   * Resolves 'started' when this call brought it up, 'joined' when it was up or coming up
   * already (the user's own connection, another process): a joined link is not this
   * process's to take down. Rejects with an EngineError otherwise. An aborted signal means
   * "give up and roll back" (a joined link is left as it was).
   */
  connect(identifier: string, options: ConnectOptions): Promise<ConnectOutcome>;
  /**
   * Takes an access point down, or lets go of it.
   * - `stop`: down for everyone, whoever brought it up; resolves 'down'.
   * - `release`: this process lets go of its hold (from `connect` or `claim`). Core sends it
   *   only to engines with SystemSessionSupport, which count holders across processes and
   *   take the link down only when no process holds it any more *and* a netbearer process
   *   brought this activation up: a link the user brought up is never taken away. The count
   *   changes synchronously inside the call, before its first await, so a `claim` made right
   *   after it is counted after it. Resolves 'down' if the link was taken down, 'kept' if it
   *   stays up.
   */
  disconnect(identifier: string, options: DisconnectOptions): Promise<DisconnectOutcome>;
  /**
   * This process starts using an access point that is already up (someone else brought it
   * up). Engines with SystemSessionSupport count it, so another process's release does not
   * take the link away; `disconnect(..., 'release')` undoes it. Synchronous for the count.
   */
  claim?(identifier: string): void;
  /** Byte counters of an active access point, where the engine has DataStatistics. */
  statistics?(identifier: string): TrafficStatistics | undefined;
  /** Epoch milliseconds at which an active access point came up, if the platform knows. */
  activeSince?(identifier: string): number | undefined;
  /** The configuration the platform itself routes through (e.g. the default route's). */
  defaultConfiguration?(): string | null;
  /** Which network-information features this engine really knows (no fake defaults). */
  supportedFeatures?(): readonly NetworkInformationFeature[];
  /** The current network information; fields of unsupported features are ignored. */
  networkInformation?(): NetworkInformation;
  /** Unsubscribes and releases every resource so the process can exit. */
  dispose(): Promise<void>;
}

export interface EngineConfiguration {
  readonly identifier: string;
  readonly name: string;
  readonly type: 'InternetAccessPoint' | 'ServiceNetwork' | 'UserChoice';
  /** Cumulative as in Qt; core derives a service network's state from its children. */
  readonly state: ConfigurationState;
  readonly bearerType: BearerType;
  readonly purpose: Purpose;
  /** Service networks: member identifiers, most preferred first. */
  readonly children?: readonly string[];
  /** The OS interface name while active, e.g. 'wlan0'. */
  readonly interfaceName?: string | null;
  /** Bridges, veth, tunnels and the like: they do not make `isOnline()` true. */
  readonly virtual?: boolean;
  /** Overrides the engine's capabilities for this configuration. */
  readonly capabilities?: readonly Capability[];
  readonly usagePolicies?: readonly UsagePolicy[];
  /**
   * Why the state is only what could be established, not the whole truth: the platform
   * refused to say more (Windows 24H2 location permission), hid it (macOS `<redacted>`), or
   * the service that knows is not answering. A link that is up still reads Active.
   */
  readonly unknownReason?: UnknownReason;
}

export type UnknownReason = 'location-permission' | 'redacted' | 'service-unavailable';

export interface EngineSink {
  configurationAdded(configuration: EngineConfiguration): void;
  configurationChanged(configuration: EngineConfiguration): void;
  configurationRemoved(identifier: string): void;
  /** A better access point than `from` is available to sessions on it. */
  preferredConfiguration(from: string, to: string, seamless: boolean): void;
  /** Some field of `networkInformation()` changed. */
  networkInformationChanged(information: NetworkInformation): void;
  /**
   * The platform source went away (e.g. NetworkManager stopped or restarts): nothing it says
   * is known until `available`. Core shows the engine's configurations as Undefined and its
   * network information as Unknown, and keeps open sessions as they are, since the links
   * themselves usually stay up.
   */
  unavailable(reason: string): void;
  /** The source is back; `configurations` is its complete list, reconciled by core. */
  available(configurations: readonly EngineConfiguration[]): void;
}

/** Qt 6 QNetworkInformation's features: what the platforms converged on. */
export const networkInformationFeatures = [
  'Reachability',
  'CaptivePortal',
  'TransportMedium',
  'Metered',
] as const;
export type NetworkInformationFeature = (typeof networkInformationFeatures)[number];

export type Reachability = 'Unknown' | 'Disconnected' | 'Local' | 'Site' | 'Online';
export type TransportMedium = 'Unknown' | 'Ethernet' | 'Cellular' | 'WiFi' | 'Bluetooth';

export interface NetworkInformation {
  readonly reachability: Reachability;
  readonly behindCaptivePortal: boolean;
  readonly transportMedium: TransportMedium;
  readonly metered: boolean;
}

export interface ConnectOptions {
  readonly signal: AbortSignal;
  /**
   * The session's ConnectInBackground property: bring the link up without involving the
   * user (no password dialog, no prompt). An engine that would have to ask rejects with a
   * 'SecretsRequired' EngineError instead; an engine that never asks ignores it.
   */
  readonly background?: boolean;
}

/** What a connect did: brought the link up, or joined a link that was up already. */
export type ConnectOutcome = 'started' | 'joined';
/** What a disconnect did: took the link down, or (a release) left it up for others. */
export type DisconnectOutcome = 'down' | 'kept';

export interface DisconnectOptions {
  readonly signal: AbortSignal;
  readonly mode: 'release' | 'stop';
}

export interface TrafficStatistics {
  readonly bytesReceived: number;
  readonly bytesWritten: number;
}
