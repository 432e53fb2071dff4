/** Why an attempt was cut: the session moved to another link (not an error of the transfer). */
export class LinkMovedError extends Error {
  override name = 'LinkMovedError';
  constructor() {
    super('The network session moved to another link.');
  }
}

/**
 * The attempts of one transfer. Each attempt runs under a signal that aborts when the reply is
 * aborted or when the session roams (`move()`): the transfer then leaves the old link and goes
 * on, on a new connection, as its method allows.
 */
export class TransferAttempts {
  readonly #reply: AbortSignal;
  #controller: AbortController | undefined;

  constructor(reply: AbortSignal) {
    this.#reply = reply;
  }

  /** The signal for an attempt starting now. */
  signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return AbortSignal.any([this.#reply, this.#controller.signal]);
  }

  /** Cuts the attempts under way; later ones get a fresh signal. */
  move(): void {
    const controller = this.#controller;
    this.#controller = undefined;
    controller?.abort(new LinkMovedError());
  }

  /** Whether an attempt under `signal` ended because the link moved (and not by abort()). */
  movedBy(signal: AbortSignal): boolean {
    return !this.#reply.aborted && signal.aborted && signal.reason instanceof LinkMovedError;
  }
}
