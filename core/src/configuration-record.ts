import type { ConfigurationState } from '@netbearer/machines';
import type { Engine, EngineConfiguration, UnknownReason } from './engine.js';
import type {
  BearerType,
  Capability,
  ConfigurationType,
  Purpose,
  UsagePolicy,
} from './vocabulary.js';

/** Qt's default connect timeout for configurations that can be started. */
export const defaultConnectTimeout = 30_000;

/**
 * The shared data behind every handle of one configuration: a state change is seen by all
 * handles at once. A configuration removed and added again gets a new record, so handles of
 * the old one stay invalid and are not equal to the new one.
 */
export class ConfigurationRecord {
  name: string;
  type: ConfigurationType;
  state: ConfigurationState;
  bearerType: BearerType;
  purpose: Purpose;
  children: readonly string[];
  interfaceName: string | null;
  virtual: boolean;
  capabilities: readonly Capability[];
  usagePolicies: readonly UsagePolicy[];
  unknownReason: UnknownReason | null;
  valid: boolean;
  connectTimeout = defaultConnectTimeout;

  constructor(
    readonly identifier: string,
    readonly engine: Engine | null,
    from: Partial<EngineConfiguration> = {},
  ) {
    this.name = from.name ?? '';
    this.type = from.type ?? 'Invalid';
    this.state = from.state ?? 'Undefined';
    this.bearerType = from.bearerType ?? 'Unknown';
    this.purpose = from.purpose ?? 'UnknownPurpose';
    this.children = from.children ?? [];
    this.interfaceName = from.interfaceName ?? null;
    this.virtual = from.virtual ?? false;
    this.capabilities = from.capabilities ?? engine?.capabilities() ?? [];
    this.usagePolicies = from.usagePolicies ?? ['NoPolicy'];
    this.unknownReason = from.unknownReason ?? null;
    this.valid = engine !== null;
  }

  /** Takes an engine's new description; says which parts changed. */
  update(from: EngineConfiguration): { state: boolean; any: boolean; usagePolicies: boolean } {
    const before = JSON.stringify(this.#describable());
    const state = this.state !== from.state;
    const policies = from.usagePolicies ?? ['NoPolicy'];
    const usagePolicies = policies.join() !== this.usagePolicies.join();
    this.name = from.name;
    this.type = from.type;
    this.state = from.state;
    this.bearerType = from.bearerType;
    this.purpose = from.purpose;
    this.children = from.children ?? [];
    this.interfaceName = from.interfaceName ?? null;
    this.virtual = from.virtual ?? false;
    this.capabilities = from.capabilities ?? this.engine?.capabilities() ?? [];
    this.usagePolicies = policies;
    this.unknownReason = from.unknownReason ?? null;
    return { state, usagePolicies, any: JSON.stringify(this.#describable()) !== before };
  }

  /** Removal keeps name and identifier, as Qt does; the handle just stops being valid. */
  invalidate(): void {
    this.valid = false;
    this.state = 'Undefined';
  }

  hasCapability(capability: Capability): boolean {
    return this.capabilities.includes(capability);
  }

  #describable() {
    const { name, type, state, bearerType, purpose, children, interfaceName, virtual } = this;
    const { unknownReason } = this;
    return [
      name,
      type,
      state,
      bearerType,
      purpose,
      children,
      interfaceName,
      virtual,
      unknownReason,
    ];
  }
}

/** Cumulative state filter: Active ⊃ Discovered ⊃ Defined; Undefined matches only itself. */
export function stateMatches(state: ConfigurationState, filter: ConfigurationState): boolean {
  if (filter === 'Undefined') return state === 'Undefined';
  return rank(state) >= rank(filter);
}

function rank(state: ConfigurationState): number {
  return { Undefined: 0, Defined: 1, Discovered: 2, Active: 3 }[state];
}
