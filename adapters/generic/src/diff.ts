import type { EngineConfiguration, EngineSink } from '@netbearer/core';

export type ConfigurationMap = ReadonlyMap<string, EngineConfiguration>;

export function byIdentifier(list: readonly EngineConfiguration[]): ConfigurationMap {
  return new Map(list.map((c) => [c.identifier, c]));
}

/**
 * Tells the sink how `before` became `after`: removals first (a renamed interface is gone
 * before its new name appears), then additions and changes in the new reading's order.
 * Returns whether anything differed.
 */
export function reportDifferences(
  before: ConfigurationMap,
  after: ConfigurationMap,
  sink: EngineSink | undefined,
): boolean {
  let changed = false;
  for (const identifier of before.keys()) {
    if (after.has(identifier)) continue;
    changed = true;
    sink?.configurationRemoved(identifier);
  }
  for (const [identifier, configuration] of after) {
    const previous = before.get(identifier);
    if (!previous) sink?.configurationAdded(configuration);
    else if (!sameConfiguration(previous, configuration)) sink?.configurationChanged(configuration);
    else continue;
    changed = true;
  }
  return changed;
}

// Both sides come from the same constructor, so their keys are in the same order.
function sameConfiguration(a: EngineConfiguration, b: EngineConfiguration): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
