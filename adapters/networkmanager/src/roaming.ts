/**
 * Application-level roaming offers (pure): when a configuration with a higher
 * connection.autoconnect-priority becomes usable (Discovered, or Active) while a lower one is
 * Active, sessions on the lower one are offered the better one, seamlessly if it is already up.
 */
import type { ConfigurationState } from '@netbearer/core';
import type { Model, ModelEntry } from './model.js';

export interface RoamingOffer {
  readonly from: string;
  readonly to: string;
  readonly seamless: boolean;
}

const rank: Record<ConfigurationState, number> = {
  Undefined: 0,
  Defined: 1,
  Discovered: 2,
  Active: 3,
};

export function roamingOffers(previous: Model, next: Model): RoamingOffer[] {
  // Coming back after a NetworkManager restart is not news: everything "re-appears" then.
  if (!previous.present || !next.present) return [];
  const risen = [...next.entries.values()].filter((entry) => roseToUsable(previous, entry));
  if (risen.length === 0) return [];
  const offers: RoamingOffer[] = [];
  for (const current of next.entries.values()) {
    const best = bestBetter(current, risen);
    if (best) {
      const to = best.configuration;
      offers.push({
        from: current.configuration.identifier,
        to: to.identifier,
        seamless: to.state === 'Active',
      });
    }
  }
  return offers;
}

function roseToUsable(previous: Model, entry: ModelEntry): boolean {
  const now = rank[entry.configuration.state];
  const before =
    rank[previous.entries.get(entry.configuration.identifier)?.configuration.state ?? 'Undefined'];
  return (
    now >= rank.Discovered &&
    now > before &&
    entry.priority !== null &&
    !entry.configuration.virtual
  );
}

function bestBetter(current: ModelEntry, candidates: readonly ModelEntry[]): ModelEntry | null {
  if (
    current.configuration.state !== 'Active' ||
    current.priority === null ||
    current.configuration.virtual
  ) {
    return null;
  }
  let best: ModelEntry | null = null;
  for (const candidate of candidates) {
    if (candidate.configuration.identifier === current.configuration.identifier) continue;
    if ((candidate.priority ?? -Infinity) <= current.priority) continue;
    if (!best || outranks(candidate, best)) best = candidate;
  }
  return best;
}

function outranks(a: ModelEntry, b: ModelEntry): boolean {
  if (a.priority !== b.priority) return (a.priority ?? 0) > (b.priority ?? 0);
  return a.configuration.state === 'Active' && b.configuration.state !== 'Active';
}
