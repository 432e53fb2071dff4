import { Readable } from 'node:stream';
import { Emitter } from '@netbearer/core';
import { NetworkReplyError, OperationCanceledError } from './errors.js';
import type { NetworkError } from './network-error.js';
import type { NetworkRequest } from './network-request.js';

/** A certificate problem met during the TLS handshake (QSslError). */
export interface SslError {
  /** Node's verification code: DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID… */
  readonly code: string;
  readonly message: string;
}

export interface NetworkReplyEvents {
  /** Status line and headers arrived (again after a restart). */
  metaDataChanged: [];
  /** Body bytes can be read (read(), the async iterator, the stream). */
  readyRead: [];
  /** Body bytes so far and the total from Content-Length, or -1 when unknown. */
  downloadProgress: [bytesReceived: number, bytesTotal: number];
  uploadProgress: [bytesSent: number, bytesTotal: number];
  /**
   * A redirect is being followed to `url`. Under UserVerifiedRedirectPolicy the reply waits
   * until a listener calls redirectAllowed() (or abort()); without one the redirect is refused.
   */
  redirected: [url: string];
  /** Certificate problems; call ignoreSslErrors() from a listener to go on regardless. */
  sslErrors: [errors: SslError[]];
  error: [code: NetworkError, failure: NetworkReplyError];
  finished: [];
}

/** Reply attributes (QNetworkRequest::Attribute) set by the manager. */
export interface ReplyAttributes {
  HttpStatusCodeAttribute: number;
  HttpReasonPhraseAttribute: string;
  /** The reply came from the cache. */
  SourceIsFromCacheAttribute: boolean;
  /** Where a 3xx points (resolved against the request URL) when it was not followed. */
  RedirectionTargetAttribute: string;
  Http2WasUsedAttribute: boolean;
  ConnectionEncryptedAttribute: boolean;
}
export type ReplyAttribute = keyof ReplyAttributes;

export type Operation = 'HEAD' | 'GET' | 'PUT' | 'POST' | 'DELETE' | 'CUSTOM';

/** What the manager drives a reply with; not part of the reply's public type. */
export interface ReplyControl {
  /** Aborted with the reply; made when first asked for (most replies never need one). */
  readonly signal: AbortSignal;
  /** Why the reply was aborted (OperationCanceledError), or undefined. */
  abortReason(): NetworkReplyError | undefined;
  /**
   * Calls `callback` once when the reply is aborted: what runs for every request listens
   * here, not on `signal` (an 'abort' listener on an AbortSignal costs ~9 µs in Node 20).
   */
  onAbort(callback: (reason: unknown) => void): void;
  setUrl(url: string): void;
  setMetaData(
    status: number,
    reason: string,
    headers: ReadonlyArray<readonly [string, string]>,
    attributes?: Partial<ReplyAttributes>,
  ): void;
  setAttribute<K extends ReplyAttribute>(key: K, value: ReplyAttributes[K]): void;
  /** Buffers a chunk for the application; false when the read buffer is full (see drained). */
  deliver(chunk: Uint8Array): boolean;
  /** Resolves once the application read the buffer below its size (or the reply finished). */
  drained(): Promise<void>;
  /** Drops delivered-but-unread nothing; resets meta data for a restart from byte 0. */
  downloadProgress(received: number, total: number): void;
  uploadProgress(sent: number, total: number): void;
  /** Emits and resolves once listeners have run: the caller then reads their answer. */
  redirected(url: string): Promise<boolean>;
  sslErrors(errors: SslError[]): Promise<boolean>;
  ignoredSslErrors(): ReadonlySet<string> | 'all' | undefined;
  /** Whether the application took any body bytes yet (read, iterator, stream). */
  consumed(): boolean;
  /** The transfer starts over from byte 0 (nothing was read): drop what is buffered. */
  restart(): void;
  /** The HTTP error an otherwise complete reply carries (404…), reported at finish. */
  finish(failure?: NetworkReplyError): void;
  /** Fails now: the body ends with `failure`. */
  fail(failure: NetworkReplyError): void;
  isFinished(): boolean;
}

// Qt's default: no limit, so an application that reads on `finished` never waits forever.
const defaultReadBufferSize = 0;

const controls = new WeakMap<NetworkReply, ReplyControl>();

/** The manager's handle on a reply. */
export function controlOf(reply: NetworkReply): ReplyControl {
  const control = controls.get(reply);
  if (!control) throw new TypeError('Not a NetworkReply.');
  return control;
}

type Phase = 'Running' | 'Finished';

/**
 * One request's answer (QNetworkReply), returned at once by the manager; its work starts on a
 * later tick. The body is buffered as it arrives (as Qt's reply was) and read with `read()`,
 * the async iterator, `stream()`, or all at once with `readAll()`, `text()`, `json()`.
 * Events never fire inside a call; `error` with no listener is harmless.
 *
 * An HTTP error status (404, 500…) sets error() and still delivers the body (the server's
 * error page), so readAll() resolves; transport failures and abort() reject it.
 */
export class NetworkReply extends Emitter<NetworkReplyEvents> {
  readonly #request: NetworkRequest;
  readonly #operation: Operation;
  readonly #verb: string;
  #abort: AbortController | undefined;
  #canceled: NetworkReplyError | undefined;
  #onAbort: Array<(reason: unknown) => void> | undefined;
  #url: string;
  #phase: Phase = 'Running';
  #error: NetworkError = 'NoError';
  #failure: NetworkReplyError | undefined;
  /** The body ended early: readers get this after the bytes that did arrive. */
  #bodyFailure: NetworkReplyError | undefined;
  #headers: ReadonlyArray<readonly [string, string]> = [];
  readonly #attributes: Partial<ReplyAttributes> = {};
  readonly #chunks: Uint8Array[] = [];
  #available = 0;
  #consumed = false;
  #wake: (() => void) | undefined;
  /** The transfer waits for the application to read (backpressure). */
  #drained: (() => void) | undefined;
  #readBufferSize = defaultReadBufferSize;
  /** A readyRead / downloadProgress event is posted and not delivered yet (one per batch). */
  #readyPosted = false;
  #progress: [number, number] | undefined;
  #ignoreSsl: Set<string> | 'all' | undefined;
  #redirectAllowed = false;

  /** @internal Made by NetworkAccessManager. */
  constructor(request: NetworkRequest, operation: Operation, verb: string) {
    super();
    this.#request = request;
    this.#operation = operation;
    this.#verb = verb;
    this.#url = request.url();
    controls.set(this, this.#control());
  }

  /** The request as it was when the reply was made. */
  request(): NetworkRequest {
    return this.#request;
  }
  operation(): Operation {
    return this.#operation;
  }
  /** The HTTP verb sent. */
  verb(): string {
    return this.#verb;
  }
  /** The URL the reply is for: the request's, or the last redirect's target once followed. */
  url(): string {
    return this.#url;
  }
  isFinished(): boolean {
    return this.#phase === 'Finished';
  }
  isRunning(): boolean {
    return this.#phase === 'Running';
  }
  error(): NetworkError {
    return this.#error;
  }
  errorString(): string {
    return this.#failure?.message ?? 'Unknown error';
  }
  /** The error object (with `cause`), or undefined while there is none. */
  failure(): NetworkReplyError | undefined {
    return this.#failure;
  }

  attribute<K extends ReplyAttribute>(key: K): ReplyAttributes[K] | undefined {
    return this.#attributes[key];
  }
  /** A response header (case-insensitive); repeated headers joined with ', '. */
  rawHeader(name: string): string | undefined {
    const key = name.toLowerCase();
    const values = this.#headers.filter(([n]) => n === key).map(([, v]) => v);
    if (values.length === 0) return undefined;
    return key === 'set-cookie' ? values.join('\n') : values.join(', ');
  }
  hasRawHeader(name: string): boolean {
    const key = name.toLowerCase();
    return this.#headers.some(([n]) => n === key);
  }
  rawHeaderList(): string[] {
    return [...new Set(this.#headers.map(([n]) => n))];
  }
  /** Every response header line, lower-case names, in order. */
  rawHeaderPairs(): Array<[string, string]> {
    return this.#headers.map(([n, v]) => [n, v]);
  }

  /** Bytes received and not yet read. */
  bytesAvailable(): number {
    return this.#available;
  }
  /** Takes what has arrived and not been read yet (possibly nothing). */
  read(): Buffer {
    this.#consumed = true;
    const chunks = this.#chunks.splice(0);
    const out =
      chunks.length === 1 && Buffer.isBuffer(chunks[0]) ? chunks[0] : Buffer.concat(chunks);
    this.#available = 0;
    this.#wakeWriter();
    return out;
  }

  /**
   * Bytes the reply buffers for the application before it stops reading from the network
   * until the application reads (QNetworkReply::readBufferSize). 0, the default as in Qt: no
   * limit, so `finished` comes without reading, but a slow reader's memory grows with the
   * body; an application that reads as it goes (`for await`, `stream()`) sets a limit.
   */
  readBufferSize(): number {
    return this.#readBufferSize;
  }
  setReadBufferSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError('readBufferSize takes a whole number ≥ 0.');
    }
    this.#readBufferSize = size;
    if (!this.#full()) this.#wakeWriter();
  }

  /** The body as it arrives; ends at finish, throws the failure if the body ended early. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      if (this.#chunks.length > 0) {
        yield this.read();
        continue;
      }
      if (this.#bodyFailure) throw this.#bodyFailure;
      if (this.#phase === 'Finished') return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** A Node readable stream of the body (of what has not been read yet). */
  stream(): Readable {
    return Readable.from(this, { objectMode: false });
  }

  /** The rest of the body once the reply finished; rejects if it ended early. */
  async readAll(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this) parts.push(chunk);
    return Buffer.concat(parts);
  }
  async text(): Promise<string> {
    return (await this.readAll()).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** Stops the transfer: error OperationCanceledError, then finished. No effect once finished. */
  abort(): void {
    if (this.#phase === 'Finished') return;
    const failure = new OperationCanceledError();
    this.#canceled = failure;
    this.#abort?.abort(failure);
    const callbacks = this.#onAbort;
    this.#onAbort = undefined;
    for (const callback of callbacks ?? []) callback(failure);
    this.#fail(failure);
  }

  /**
   * Goes on despite certificate problems: those listed (by code), or any. Call it from a
   * `sslErrors` listener, or before the reply starts when the problems are known.
   */
  ignoreSslErrors(errors?: ReadonlyArray<SslError | string>): void {
    if (!errors) {
      this.#ignoreSsl = 'all';
      return;
    }
    if (this.#ignoreSsl === 'all') return;
    this.#ignoreSsl ??= new Set();
    for (const e of errors) this.#ignoreSsl.add(typeof e === 'string' ? e : e.code);
  }

  /** Under UserVerifiedRedirectPolicy: follow the redirect just announced by `redirected`. */
  redirectAllowed(): void {
    this.#redirectAllowed = true;
  }

  #post(task: () => void): void {
    queueMicrotask(task);
  }

  #full(): boolean {
    return this.#readBufferSize > 0 && this.#available >= this.#readBufferSize;
  }

  #wakeWriter(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  /** readyRead once per batch of chunks, and only for listeners; a waiting reader wakes now. */
  #postReadyRead(): void {
    this.#wakeReader();
    if (this.#readyPosted || this.listenerCount('readyRead') === 0) return;
    this.#readyPosted = true;
    this.#post(() => {
      this.#readyPosted = false;
      this.emit('readyRead');
    });
  }

  /** downloadProgress for listeners, the latest figures once per batch. */
  #postProgress(received: number, total: number): void {
    if (this.listenerCount('downloadProgress') === 0) return;
    const pending = this.#progress;
    this.#progress = [received, total];
    if (pending) return;
    this.#post(() => {
      const progress = this.#progress;
      this.#progress = undefined;
      if (progress) this.emit('downloadProgress', progress[0], progress[1]);
    });
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(failure: NetworkReplyError): void {
    if (this.#phase === 'Finished') return;
    this.#bodyFailure = failure;
    this.#finish(failure);
  }

  #finish(failure?: NetworkReplyError): void {
    if (this.#phase === 'Finished') return;
    this.#phase = 'Finished';
    if (failure) {
      this.#error = failure.error;
      this.#failure = failure;
      this.#post(() => this.emit('error', failure.error, failure));
    }
    this.#wakeWriter();
    this.#post(() => {
      this.emit('finished');
      this.#wakeReader();
    });
  }

  /** The reply's AbortSignal, made on first use: creating one costs more than a small GET. */
  #signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController();
      if (this.#canceled) this.#abort.abort(this.#canceled);
    }
    return this.#abort.signal;
  }

  #control(): ReplyControl {
    const reply = this;
    return {
      get signal() {
        return reply.#signal();
      },
      abortReason: () => this.#canceled,
      onAbort: (callback) => {
        if (this.#canceled) return;
        this.#onAbort ??= [];
        this.#onAbort.push(callback);
      },
      setUrl: (url) => {
        this.#url = url;
      },
      setMetaData: (status, reason, headers, attributes = {}) => {
        this.#headers = headers;
        Object.assign(this.#attributes, attributes, {
          HttpStatusCodeAttribute: status,
          HttpReasonPhraseAttribute: reason,
        });
        this.#post(() => this.emit('metaDataChanged'));
      },
      setAttribute: (key, value) => {
        this.#attributes[key] = value;
      },
      deliver: (chunk) => {
        if (this.#phase === 'Finished') return true;
        if (chunk.byteLength > 0) {
          this.#chunks.push(chunk);
          this.#available += chunk.byteLength;
          this.#postReadyRead();
        }
        return !this.#full();
      },
      drained: () =>
        this.#phase === 'Finished' || !this.#full()
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#drained = resolve;
            }),
      downloadProgress: (received, total) => this.#postProgress(received, total),
      uploadProgress: (sent, total) => this.#post(() => this.emit('uploadProgress', sent, total)),
      redirected: (url) =>
        new Promise((resolve) => {
          this.#redirectAllowed = false;
          this.#post(() => {
            this.emit('redirected', url);
            resolve(this.#redirectAllowed);
          });
        }),
      sslErrors: (errors) =>
        new Promise((resolve) => {
          this.#post(() => {
            this.emit('sslErrors', errors);
            resolve(covers(this.#ignoreSsl, errors));
          });
        }),
      ignoredSslErrors: () => this.#ignoreSsl,
      consumed: () => this.#consumed,
      restart: () => {
        this.#chunks.length = 0;
        this.#available = 0;
        this.#wakeWriter();
      },
      finish: (failure) => this.#finish(failure),
      fail: (failure) => this.#fail(failure),
      isFinished: () => this.#phase === 'Finished',
    };
  }
}

function covers(ignored: ReadonlySet<string> | 'all' | undefined, errors: SslError[]): boolean {
  if (ignored === 'all') return true;
  return !!ignored && errors.every((e) => ignored.has(e.code));
}

/** A reply error with `cause` kept, or the failure itself when it is one already. */
export function replyErrorOf(
  error: NetworkError,
  message: string,
  cause: unknown,
): NetworkReplyError {
  if (cause instanceof NetworkReplyError) return cause;
  if (error === 'NoError') return new NetworkReplyError('UnknownNetworkError', message, { cause });
  return new NetworkReplyError(error, message, { cause });
}
