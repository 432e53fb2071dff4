import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/** A part of the body asked for again after the session moved: `Range: bytes=<from>-`. */
export interface ResumedRange {
  readonly from: number;
  /** Milliseconds since the command started. */
  readonly atMs: number;
  /** The validator it was asked with (If-Range). */
  readonly ifRange: string;
}

interface CreatedRequest {
  readonly request: { readonly headers?: unknown };
}

/**
 * Sees the resumed requests the access manager sends when its session roams: their Range and
 * If-Range, read from undici's `undici:request:create` diagnostics channel (the reply itself
 * does not say that it resumed). Only this command's requests run in this process.
 */
export class ResumeWatch {
  readonly ranges: ResumedRange[] = [];
  readonly #started: number;
  readonly #listener = (message: unknown) => this.#created(message as CreatedRequest);

  constructor(started: number) {
    this.#started = started;
    subscribe('undici:request:create', this.#listener);
  }

  dispose(): void {
    unsubscribe('undici:request:create', this.#listener);
  }

  #created({ request }: CreatedRequest): void {
    const headers = Array.isArray(request.headers) ? (request.headers as unknown[]) : [];
    let range: string | undefined;
    let ifRange: string | undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = String(headers[i]).toLowerCase();
      if (name === 'range') range = String(headers[i + 1]);
      if (name === 'if-range') ifRange = String(headers[i + 1]);
    }
    const from = /^bytes=(\d+)-$/.exec(range ?? '')?.[1];
    if (from === undefined || ifRange === undefined) return;
    this.ranges.push({
      from: Number(from),
      atMs: Math.round(performance.now() - this.#started),
      ifRange,
    });
  }
}
