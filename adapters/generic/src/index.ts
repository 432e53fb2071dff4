export { identifierOf as genericIdentifier, identifierPrefix } from './classify.js';
export { createGenericEngine, type GenericEngine } from './engine.js';
export type { GenericEngineOptions } from './options.js';
export type { WatchKind } from './watcher.js';
