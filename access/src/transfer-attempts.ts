/** Why an attempt was cut: the session moved to another link (not an error of the transfer). */
export class LinkMovedError extends Error {
  override name = 'LinkMovedError';
  constructor() {
    super('The network session moved to another link.');
  }
}

/**
 * One request on the wire, cut when its reply is aborted or the session roams. Lighter than an
 * AbortSignal per attempt (AbortSignal.any per request was a measured cost): it holds the
 * dispatch handler's abort function while the request runs, and nothing else.
 */
export class Attempt {
  #aborted = false;
  #reason: unknown;
  #stop: ((reason: Error) => void) | undefined;
  readonly #settled: (attempt: Attempt) => void;

  constructor(settled: (attempt: Attempt) => void) {
    this.#settled = settled;
  }

  get aborted(): boolean {
    return this.#aborted;
  }
  get reason(): unknown {
    return this.#reason;
  }

  /** The request started: `stop` cuts it. Cut at once if the attempt was cut already. */
  started(stop: (reason: Error) => void): void {
    if (this.#aborted) stop(this.#reason as Error);
    else this.#stop = stop;
  }

  /** The request ended (completed or failed): nothing to cut any more. */
  settled(): void {
    this.#stop = undefined;
    this.#settled(this);
  }

  cut(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const stop = this.#stop;
    this.#stop = undefined;
    stop?.(reason as Error);
  }
}

/** A reply as its attempts see it: whether it was aborted, and when it is. */
export interface Abortable {
  abortReason(): unknown;
  onAbort(callback: (reason: unknown) => void): void;
}

/**
 * The attempts of one transfer. Each attempt is cut when the reply is aborted or when the
 * session roams (`move()`): the transfer then leaves the old link and goes on, on a new
 * connection, as its method allows.
 */
export class TransferAttempts {
  readonly #reply: Abortable;
  readonly #running = new Set<Attempt>();
  #listening = false;
  readonly #settled = (attempt: Attempt) => this.#running.delete(attempt);

  constructor(reply: Abortable) {
    this.#reply = reply;
  }

  /** An attempt starting now. */
  begin(): Attempt {
    const attempt = new Attempt(this.#settled);
    const aborted = this.#reply.abortReason();
    if (aborted) {
      attempt.cut(aborted);
      return attempt;
    }
    if (!this.#listening) {
      this.#listening = true;
      this.#reply.onAbort((reason) => this.#cutAll(reason));
    }
    this.#running.add(attempt);
    return attempt;
  }

  /** Cuts the attempts under way; later ones run on the new link. */
  move(): void {
    this.#cutAll(new LinkMovedError());
  }

  /** Whether `attempt` ended because the link moved (and not by abort()). */
  movedBy(attempt: Attempt): boolean {
    return (
      !this.#reply.abortReason() && attempt.aborted && attempt.reason instanceof LinkMovedError
    );
  }

  #cutAll(reason: unknown): void {
    const running = [...this.#running];
    this.#running.clear();
    for (const attempt of running) attempt.cut(reason);
  }
}
