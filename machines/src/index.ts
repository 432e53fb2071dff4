export * from './coverage.js';
export * from './link.machine.js';
export * from './session.machine.js';
export * from './vocabulary.js';
