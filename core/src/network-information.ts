import type {
  Engine,
  NetworkInformation,
  NetworkInformationFeature,
  Reachability,
  TransportMedium,
} from './engine.js';

export interface NetworkInformationEvents {
  reachabilityChanged: [reachability: Reachability];
  isBehindCaptivePortalChanged: [behindCaptivePortal: boolean];
  transportMediumChanged: [medium: TransportMedium];
  isMeteredChanged: [metered: boolean];
}

const unknown: NetworkInformation = {
  reachability: 'Unknown',
  behindCaptivePortal: false,
  transportMedium: 'Unknown',
  metered: false,
};

const fields: ReadonlyArray<
  readonly [NetworkInformationFeature, keyof NetworkInformation, keyof NetworkInformationEvents]
> = [
  ['Reachability', 'reachability', 'reachabilityChanged'],
  ['CaptivePortal', 'behindCaptivePortal', 'isBehindCaptivePortalChanged'],
  ['TransportMedium', 'transportMedium', 'transportMediumChanged'],
  ['Metered', 'metered', 'isMeteredChanged'],
];

/**
 * Qt 6's QNetworkInformation over the engines: each feature comes from the first engine that
 * really supports it; a feature no engine supports reads as unknown and never changes.
 */
export class NetworkInformationTracker {
  #current: NetworkInformation = unknown;

  constructor(
    private readonly engines: readonly Engine[],
    /** An engine whose platform source is gone knows nothing for now. */
    private readonly away: (engine: Engine) => boolean,
  ) {}

  supports(feature: NetworkInformationFeature): boolean {
    return this.#source(feature) !== undefined;
  }

  current(): NetworkInformation {
    return this.#current;
  }

  /** Reads the engines afresh; calls `changed` for each field that differs from before. */
  refresh(
    changed: <K extends keyof NetworkInformationEvents>(
      event: K,
      ...args: NetworkInformationEvents[K]
    ) => void,
  ): void {
    const next: Record<string, unknown> = { ...unknown };
    for (const [feature, field] of fields) {
      const engine = this.#source(feature);
      const information = engine && !this.away(engine) ? engine.networkInformation?.() : undefined;
      if (information) next[field] = information[field];
    }
    const before = this.#current;
    this.#current = next as unknown as NetworkInformation;
    for (const [, field, event] of fields) {
      if (before[field] !== this.#current[field]) {
        changed(event, this.#current[field] as never);
      }
    }
  }

  #source(feature: NetworkInformationFeature): Engine | undefined {
    return this.engines.find((e) => e.supportedFeatures?.().includes(feature));
  }
}
