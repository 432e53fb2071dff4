export * from '@netbearer/core';
export {
  type CreateManagerOptions,
  createManager,
  type EngineChoice,
  engineChoice,
  engineChoices,
} from './create-manager.js';
