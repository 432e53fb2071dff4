import type { Dispatcher } from 'undici';
import type { Attempt } from './transfer-attempts.js';

/**
 * One request sent with undici's `dispatch` and a handler of our own rather than `request()`:
 * no Readable stream and no extra abort plumbing per request (the profile's cost), the body's
 * chunks straight to the one reader, and real backpressure — above a high-water mark the
 * socket is paused until the reader catches up.
 */

/** Bytes queued before the socket is paused (a few of undici's chunks). */
const highWaterMark = 256 * 1024;

export interface DispatchedResponse {
  readonly statusCode: number;
  readonly statusText: string;
  /** [lower-case name, value] in the order received. */
  readonly headers: Array<[string, string]>;
  readonly body: ResponseBody;
}

/** Sends `options` on `dispatcher`; resolves at the response's headers; `attempt` cuts it. */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  attempt: Attempt,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    if (attempt.aborted) {
      reject(attempt.reason);
      return;
    }
    const handler = new ResponseHandler(attempt, resolve, reject);
    dispatcher.dispatch(options, handler);
  });
}

class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly #attempt: Attempt;
  #resolve: ((response: DispatchedResponse) => void) | undefined;
  readonly #reject: (reason: unknown) => void;
  #body: ResponseBody | undefined;
  #abort: ((reason: Error) => void) | undefined;

  constructor(
    attempt: Attempt,
    resolve: (response: DispatchedResponse) => void,
    reject: (reason: unknown) => void,
  ) {
    this.#attempt = attempt;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    this.#attempt.started(abort);
  }

  onHeaders(
    statusCode: number,
    rawHeaders: Array<Buffer | string | string[]>,
    resume: () => void,
    statusText: string,
  ): boolean {
    // 1xx interim responses are not the answer.
    if (statusCode < 200) return true;
    const body = new ResponseBody(resume, (reason) => this.#abort?.(reason));
    this.#body = body;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.({ statusCode, statusText: statusText ?? '', headers: pairsOf(rawHeaders), body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#body?.push(chunk) ?? true;
  }

  onComplete(): void {
    this.#attempt.settled();
    this.#abort = undefined;
    this.#body?.end();
  }

  onError(error: Error): void {
    this.#attempt.settled();
    this.#abort = undefined;
    if (this.#resolve) {
      this.#resolve = undefined;
      this.#reject(error);
    } else this.#body?.fail(error);
  }
}

function pairsOf(raw: Array<Buffer | string | string[]>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = text(raw[i]!).toLowerCase();
    const value = raw[i + 1]!;
    if (Array.isArray(value)) for (const v of value) pairs.push([name, text(v)]);
    else pairs.push([name, text(value)]);
  }
  return pairs;
}

function text(value: Buffer | string | string[]): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/** A response body read once, in order, by one reader (for await). */
export class ResponseBody implements AsyncIterable<Buffer> {
  readonly #resume: () => void;
  readonly #abort: (reason: Error) => void;
  readonly #chunks: Buffer[] = [];
  #queued = 0;
  #paused = false;
  #ended = false;
  #failure: Error | undefined;
  #destroyed = false;
  #wake: (() => void) | undefined;

  constructor(resume: () => void, abort: (reason: Error) => void) {
    this.#resume = resume;
    this.#abort = abort;
  }

  /** A chunk arrived; false asks undici to pause the socket. */
  push(chunk: Buffer): boolean {
    if (this.#destroyed) return true;
    this.#chunks.push(chunk);
    this.#queued += chunk.byteLength;
    this.#wakeReader();
    this.#paused = this.#queued >= highWaterMark;
    return !this.#paused;
  }

  end(): void {
    this.#ended = true;
    this.#wakeReader();
  }

  fail(error: Error): void {
    if (this.#ended) return;
    this.#failure ??= error;
    this.#wakeReader();
  }

  /** Stops the transfer (the connection is closed unless the body already ended). */
  destroy(error?: Error): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#chunks.length = 0;
    this.#queued = 0;
    if (!this.#ended && !this.#failure) {
      this.#abort(error ?? new Error('The response body was discarded.'));
    }
    this.#wakeReader();
  }

  /** Reads and drops up to `limit` bytes to keep the connection; beyond that closes it. */
  async dump({ limit }: { limit: number }): Promise<void> {
    let seen = 0;
    for await (const chunk of this) {
      seen += chunk.byteLength;
      if (seen > limit) break;
    }
    this.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#queued -= chunk.byteLength;
        if (this.#paused && this.#queued < highWaterMark) {
          this.#paused = false;
          this.#resume();
        }
        yield chunk;
        continue;
      }
      if (this.#failure) throw this.#failure;
      if (this.#ended || this.#destroyed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
