export { type Inspector, type InspectorOptions, startInspector } from './inspector.js';
export * from './protocol.js';
export { type Serialised, type SerialiseLimits, serialise } from './serialise.js';
export { type StatelyMessage, statelyMessages } from './stately.js';
