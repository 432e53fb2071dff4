export { DBusCallError } from './dbus-client.js';
export { NmReplyError } from './dbus-values.js';
export {
  createNetworkManagerEngine,
  NetworkManagerEngine,
  type NetworkManagerEngineOptions,
} from './engine.js';
export {
  defaultHoldsDirectory,
  HoldRegistry,
  HoldRegistryError,
  type HoldRegistryProblem,
} from './hold-registry.js';
export { engineName, parseIdentifier, profileIdentifier, wifiIdentifier } from './identifiers.js';
