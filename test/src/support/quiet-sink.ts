/**
 * An EngineSink that hears nothing, for the child processes that start an engine only to use
 * it (nm-holder-child.ts, nm-engine-child.ts, nm-exit-child.ts). Staged with them by
 * stage-child.ts, so it imports nothing but types.
 */
import type { EngineSink } from '@netbearer/core';

export const quietSink: EngineSink = {
  configurationAdded() {},
  configurationChanged() {},
  configurationRemoved() {},
  preferredConfiguration() {},
  networkInformationChanged() {},
  unavailable() {},
  available() {},
};
