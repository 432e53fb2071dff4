export type { Failure, LinkStatus } from '@netbearer/machines';
export {
  linkMachine,
  roamingFlowMachine,
  roamingOf,
  sessionMachine,
  sessionStateOf,
} from '@netbearer/machines';
export { abortableDelay } from './abortable-delay.js';
export { defaultConnectTimeout } from './configuration-record.js';
export { Emitter } from './emitter.js';
export type {
  ConnectOptions,
  ConnectOutcome,
  DisconnectOptions,
  DisconnectOutcome,
  Engine,
  EngineConfiguration,
  EngineSink,
  NetworkInformation,
  NetworkInformationFeature,
  Reachability,
  TrafficStatistics,
  TransportMedium,
  UnknownReason,
} from './engine.js';
export { networkInformationFeatures } from './engine.js';
export {
  DisposedError,
  EngineError,
  type EngineErrorKind,
  InvalidArgumentError,
  NetBearerError,
  ReadOnlyPropertyError,
} from './errors.js';
export type {
  EngineInspectionEvent,
  InspectedLink,
  InspectedSession,
  LinkActorView,
  LinkInspectionEvent,
  LinkSnapshot,
  ManagerInspection,
  ManagerInspectionEvent,
  ManagerInspectionObserver,
} from './inspection-types.js';
export { NetworkConfiguration } from './network-configuration.js';
export {
  NetworkConfigurationManager,
  type NetworkConfigurationManagerEvents,
  type NetworkConfigurationManagerOptions,
  type UpdateOptions,
} from './network-configuration-manager.js';
export type { NetworkInformationEvents } from './network-information.js';
export {
  type NetworkInterface,
  NetworkSession,
  type NetworkSessionEvents,
  type SessionPropertyKey,
  type WaitOptions,
} from './network-session.js';
export {
  createProcessRunner,
  type ExecOptions,
  type ExecResult,
  type LineProcess,
  type ProcessRunner,
  type SpawnOptions,
  splitLines,
} from './process-runner.js';
export type {
  SessionActorView,
  SessionInspectionEvent,
  SessionMachineEmitted,
  SessionSnapshot,
} from './session-actor.js';
export * from './vocabulary.js';
