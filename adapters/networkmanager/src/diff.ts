/** What changed between two published lists of configurations (pure). */
import type { EngineConfiguration } from '@netbearer/core';

export interface ConfigurationDiff {
  readonly added: readonly EngineConfiguration[];
  readonly changed: readonly EngineConfiguration[];
  readonly removed: readonly string[];
}

export function diffConfigurations(
  previous: ReadonlyMap<string, EngineConfiguration>,
  next: ReadonlyMap<string, EngineConfiguration>,
): ConfigurationDiff {
  const added: EngineConfiguration[] = [];
  const changed: EngineConfiguration[] = [];
  for (const [identifier, configuration] of next) {
    const before = previous.get(identifier);
    if (!before) added.push(configuration);
    else if (!sameConfiguration(before, configuration)) changed.push(configuration);
  }
  const removed = [...previous.keys()].filter((identifier) => !next.has(identifier));
  return { added, changed, removed };
}

export function sameConfiguration(a: EngineConfiguration, b: EngineConfiguration): boolean {
  return (
    a.identifier === b.identifier &&
    a.name === b.name &&
    a.type === b.type &&
    a.state === b.state &&
    a.bearerType === b.bearerType &&
    a.purpose === b.purpose &&
    (a.interfaceName ?? null) === (b.interfaceName ?? null) &&
    (a.virtual ?? false) === (b.virtual ?? false) &&
    sameList(a.capabilities, b.capabilities) &&
    sameList(a.usagePolicies, b.usagePolicies) &&
    sameList(a.children, b.children)
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

export function isEmptyDiff(diff: ConfigurationDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
}
