import type { ConfigurationRecord } from './configuration-record.js';
import type { BearerType } from './vocabulary.js';

const bearerRank: Partial<Record<BearerType, number>> = { Ethernet: 0, WLAN: 1 };

/**
 * Qt's default ranking made deterministic: the first active service network, then the first
 * discovered one; else the best access point, where Active beats Discovered, real beats
 * virtual, Ethernet beats WLAN beats everything else, and ties keep the engines' order.
 */
export function rankDefault(
  records: readonly ConfigurationRecord[],
): ConfigurationRecord | undefined {
  const usable = records.filter((r) => r.valid);
  const network = (state: ConfigurationRecord['state']) =>
    usable.find((r) => r.type === 'ServiceNetwork' && r.state === state);
  const serviceNetwork = network('Active') ?? network('Discovered');
  if (serviceNetwork) return serviceNetwork;
  const candidates = usable
    .map((record, order) => ({ record, order }))
    .filter(({ record }) => record.type === 'InternetAccessPoint')
    .filter(({ record }) => record.state === 'Active' || record.state === 'Discovered');
  candidates.sort((a, b) => score(a.record) - score(b.record) || a.order - b.order);
  return candidates[0]?.record;
}

function score(record: ConfigurationRecord): number {
  const state = record.state === 'Active' ? 0 : 100;
  const virtual = record.virtual ? 10 : 0;
  return state + virtual + (bearerRank[record.bearerType] ?? 2);
}
