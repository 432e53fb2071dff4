export * from '@netbearer/access';
export * from '@netbearer/core';
export * from './capture/index.js';
export {
  type CreateManagerOptions,
  createManager,
  type EngineChoice,
  engineChoice,
  engineChoices,
} from './create-manager.js';
export {
  defaultRunnerEngines,
  type RunnerEngineFactory,
  type RunnerEngineName,
  type RunnerEngines,
  runnerEngineNames,
} from './runner-engines.js';
