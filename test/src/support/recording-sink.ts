/**
 * An EngineSink that records what an engine reports, so tests can wait (bounded) for the
 * event a real platform change should produce, and read the latest picture.
 */
import type { EngineConfiguration, EngineSink, NetworkInformation } from '@netbearer/core';

export type SinkEvent =
  | { readonly type: 'added'; readonly configuration: EngineConfiguration }
  | { readonly type: 'changed'; readonly configuration: EngineConfiguration }
  | { readonly type: 'removed'; readonly identifier: string }
  | {
      readonly type: 'preferred';
      readonly from: string;
      readonly to: string;
      readonly seamless: boolean;
    }
  | { readonly type: 'information'; readonly information: NetworkInformation }
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'available'; readonly configurations: readonly EngineConfiguration[] };

export type AvailableEvent = Extract<SinkEvent, { type: 'available' }>;
export const isAvailable = (e: SinkEvent): e is AvailableEvent => e.type === 'available';

/** The configuration `identifier` in a list an engine reported, if it is there. */
export const byId = (list: readonly EngineConfiguration[], identifier: string) =>
  list.find((c) => c.identifier === identifier);

export class RecordingSink implements EngineSink {
  readonly events: SinkEvent[] = [];
  readonly current = new Map<string, EngineConfiguration>();
  #listeners = new Set<() => void>();

  /** Seeds the current picture with an engine's initial list. */
  seed(configurations: readonly EngineConfiguration[]): this {
    for (const c of configurations) this.current.set(c.identifier, c);
    return this;
  }

  configurationAdded(configuration: EngineConfiguration): void {
    this.current.set(configuration.identifier, configuration);
    this.#record({ type: 'added', configuration });
  }

  configurationChanged(configuration: EngineConfiguration): void {
    this.current.set(configuration.identifier, configuration);
    this.#record({ type: 'changed', configuration });
  }

  configurationRemoved(identifier: string): void {
    this.current.delete(identifier);
    this.#record({ type: 'removed', identifier });
  }

  preferredConfiguration(from: string, to: string, seamless: boolean): void {
    this.#record({ type: 'preferred', from, to, seamless });
  }

  networkInformationChanged(information: NetworkInformation): void {
    this.#record({ type: 'information', information });
  }

  unavailable(reason: string): void {
    this.#record({ type: 'unavailable', reason });
  }

  /** The complete list: `current` becomes exactly it, as core reconciles it. */
  available(configurations: readonly EngineConfiguration[]): void {
    this.current.clear();
    for (const c of configurations) this.current.set(c.identifier, c);
    this.#record({ type: 'available', configurations });
  }

  /** The position of the next event, for `waitFor(…, { from })`. */
  mark(): number {
    return this.events.length;
  }

  /** Resolves with the first event from `from` on that matches; rejects after `timeoutMs`. */
  waitFor<E extends SinkEvent>(
    matches: (event: SinkEvent) => event is E,
    what: string,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<E>;
  waitFor(
    matches: (event: SinkEvent) => boolean,
    what: string,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<SinkEvent>;
  waitFor(
    matches: (event: SinkEvent) => boolean,
    what: string,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<SinkEvent> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(matches);
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${this.describe(from)}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Waits for an event (added, changed, or a full `available` list) giving `identifier` `state`. */
  waitForState(
    identifier: string,
    state: EngineConfiguration['state'],
    options: { from?: number; timeoutMs?: number } = {},
  ) {
    return this.waitFor(
      (e) =>
        ((e.type === 'changed' || e.type === 'added') &&
          e.configuration.identifier === identifier &&
          e.configuration.state === state) ||
        (e.type === 'available' &&
          e.configurations.some((c) => c.identifier === identifier && c.state === state)),
      `${identifier} to become ${state}`,
      options,
    );
  }

  describe(from = 0): string {
    return JSON.stringify(
      this.events
        .slice(from)
        .map((e) =>
          e.type === 'added' || e.type === 'changed'
            ? `${e.type} ${e.configuration.name}=${e.configuration.state}`
            : e.type === 'removed'
              ? `removed ${e.identifier}`
              : e.type === 'preferred'
                ? `preferred ${e.from}->${e.to} seamless=${e.seamless}`
                : e.type === 'unavailable'
                  ? `unavailable ${e.reason}`
                  : e.type === 'available'
                    ? `available [${e.configurations.map((c) => `${c.name}=${c.state}`).join(', ')}]`
                    : `information ${JSON.stringify(e.information)}`,
        ),
    );
  }

  #record(event: SinkEvent): void {
    this.events.push(event);
    for (const listener of [...this.#listeners]) listener();
  }
}
