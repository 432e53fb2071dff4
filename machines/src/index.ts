export * from './accessibility.machine.js';
export * from './coverage.js';
export * from './link.machine.js';
export * from './roaming-flow.js';
export * from './session.machine.js';
export * from './vocabulary.js';
