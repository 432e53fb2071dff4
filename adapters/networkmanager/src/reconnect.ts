/**
 * Getting a D-Bus connection back after it was lost (the bus daemon restarted, the socket
 * dropped): attempts after a back-off that doubles from 100 ms up to 30 s, each delay jittered
 * between half and all of it, so that the many processes that lost one bus daemon do not all
 * knock at the same moment. One timer exists only between attempts — none while connected —
 * and stop() ends everything.
 */

export interface BackoffOptions {
  /** The first delay (default 100 ms). */
  readonly initialMs?: number;
  /** The longest delay (default 30 s); also how long a connection must last to count as stable. */
  readonly maxMs?: number;
  /** [0, 1): the jitter. */
  readonly random?: () => number;
}

const defaults = { initialMs: 100, maxMs: 30_000 };

/** The delay before attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initialMs = options.initialMs ?? defaults.initialMs;
  const maxMs = options.maxMs ?? defaults.maxMs;
  const random = options.random ?? Math.random;
  const full = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 40));
  return Math.round(full / 2 + (random() * full) / 2);
}

export class Reconnector {
  readonly #attempt: () => Promise<boolean>;
  readonly #options: BackoffOptions;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  #connectedAt: number | undefined;

  /** `attempt` resolves true once connected (false or a rejection: try again later). */
  constructor(attempt: () => Promise<boolean>, options: BackoffOptions = {}) {
    this.#attempt = attempt;
    this.#options = options;
  }

  /** A timer is waiting for the next attempt. */
  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** The connection was lost: try again after the next delay. */
  lost(): void {
    if (this.#stopped) return;
    // One that lasted the longest delay was stable: start over from the shortest. One lost
    // again soon after (a flapping bus) keeps backing off.
    const maxMs = this.#options.maxMs ?? defaults.maxMs;
    if (this.#connectedAt !== undefined && Date.now() - this.#connectedAt >= maxMs) this.#count = 0;
    this.#connectedAt = undefined;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped || this.#timer || this.#running) return;
    const delay = backoffDelay(this.#count, this.#options);
    this.#count += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delay);
  }

  async #run(): Promise<void> {
    this.#running = true;
    let connected = false;
    try {
      connected = await this.#attempt();
    } catch {
      connected = false;
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (connected) this.#connectedAt = Date.now();
    else this.#schedule();
  }
}
