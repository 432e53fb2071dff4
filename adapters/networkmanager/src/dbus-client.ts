/**
 * A thin, ordered view of one D-Bus connection: method calls with a deadline and typed errors,
 * and signals numbered in arrival order, so a snapshot reply and the signals around it can be
 * put back in the order the bus delivered them.
 */
import { NetBearerError } from '@netbearer/core';
import dbus, { type Message, type MessageBus } from 'dbus-next';

/** A D-Bus error reply (or a local failure to get one), with the D-Bus error name. */
export class DBusCallError extends NetBearerError {
  override name = 'DBusCallError';
  constructor(
    readonly errorName: string,
    /** The peer's own explanation, without the method name. */
    readonly text: string,
    method: string,
    options?: ErrorOptions,
  ) {
    super(`${method}: ${text}`, options);
  }
}

export const localErrors = {
  timeout: 'netbearer.Error.Timeout',
  closed: 'netbearer.Error.Disconnected',
} as const;

export interface SignalMessage {
  readonly sender: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly body: readonly unknown[];
  /** Position among every message this connection received. */
  readonly seq: number;
}

export interface CallReply {
  readonly body: readonly unknown[];
  /** Position of the reply among every message received: signals after it are newer. */
  readonly seq: number;
}

export interface CallSpec {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
  readonly timeoutMs?: number;
}

const { MessageType } = dbus;
const defaultTimeoutMs = 25_000;

export class DBusClient {
  readonly #bus: MessageBus;
  /** Opened by this client (disconnected with it), or lent by the caller (only let go of). */
  readonly #owned: boolean;
  readonly #replySeq = new Map<number, number>();
  readonly #pending = new Set<(error: Error) => void>();
  readonly #signalListeners = new Set<(signal: SignalMessage) => void>();
  readonly #closeListeners = new Set<(error: Error) => void>();
  readonly #connection: RawConnection | undefined;
  readonly #onMessage = (message: Message) => this.#received(message);
  readonly #onError = (error: unknown) => {
    // dbus-next also reports one unreadable message as an error and reads on: only a dead
    // stream ends the connection.
    if (!this.#connection || isDead(this.#connection)) this.#close(asError(error));
  };
  // dbus-next does not forward its stream's end; without it a dead bus would look idle.
  readonly #onEnd = () => this.#close(new Error('The D-Bus connection was closed.'));
  #seq = 0;
  #closed: Error | null = null;

  private constructor(bus: MessageBus, owned: boolean) {
    this.#bus = bus;
    this.#owned = owned;
    this.#connection = connectionOf(bus);
    bus.on('message', this.#onMessage);
    bus.on('error', this.#onError);
    this.#connection?.on('end', this.#onEnd);
  }

  /**
   * Connects and authenticates; rejects if the bus cannot be reached within the deadline, or
   * when `signal` aborts (the half-open connection is closed).
   */
  static connect(
    busAddress: string,
    timeoutMs = 10_000,
    signal?: AbortSignal,
  ): Promise<DBusClient> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('Connecting to D-Bus was aborted.'));
      let bus: MessageBus;
      try {
        bus = dbus.sessionBus({ busAddress });
      } catch (error) {
        return reject(asError(error));
      }
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
      };
      const fail = (error: unknown) => {
        settle();
        // A failed connection may report more errors; nobody else listens to it.
        bus.on('error', () => {});
        bus.disconnect();
        reject(asError(error));
      };
      const aborted = () => fail(new Error('Connecting to D-Bus was aborted.'));
      const timer = setTimeout(
        () => fail(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', aborted, { once: true });
      bus.once('error', fail);
      bus.once('connect', () => {
        settle();
        bus.off('error', fail);
        resolve(new DBusClient(bus, true));
      });
    });
  }

  /**
   * Uses a connection the caller opened and keeps: `disconnect()` then only removes this
   * client's listeners and leaves the connection open. One still authenticating is waited for.
   */
  static attach(bus: MessageBus, timeoutMs = 10_000): Promise<DBusClient> {
    const connection = connectionOf(bus);
    if (connection && isDead(connection)) {
      return Promise.reject(new Error('the given D-Bus connection is already closed'));
    }
    if (uniqueNameOf(bus) !== null) return Promise.resolve(new DBusClient(bus, false));
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        bus.off('error', fail);
        bus.off('connect', connected);
      };
      const fail = (error: unknown) => {
        settle();
        reject(asError(error));
      };
      const connected = () => {
        settle();
        resolve(new DBusClient(bus, false));
      };
      const timer = setTimeout(
        () => fail(new Error(`the given D-Bus connection did not connect within ${timeoutMs} ms`)),
        timeoutMs,
      );
      bus.on('error', fail);
      bus.on('connect', connected);
    });
  }

  /** Whether `disconnect()` closes the connection (false: the caller's, left open). */
  get owned(): boolean {
    return this.#owned;
  }

  get uniqueName(): string | null {
    return uniqueNameOf(this.#bus);
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  onSignal(listener: (signal: SignalMessage) => void): void {
    this.#signalListeners.add(listener);
  }

  onClose(listener: (error: Error) => void): void {
    this.#closeListeners.add(listener);
  }

  async call(spec: CallSpec): Promise<CallReply> {
    if (this.#closed) {
      throw new DBusCallError(
        localErrors.closed,
        this.#closed.message,
        `${spec.interface}.${spec.member}`,
      );
    }
    const message = new dbus.Message({
      destination: spec.destination,
      path: spec.path,
      interface: spec.interface,
      member: spec.member,
      signature: spec.signature ?? '',
      body: [...(spec.body ?? [])],
    });
    const reply = this.#bus.call(message);
    const serial = Number(message.serial);
    this.#replySeq.set(serial, -1);
    try {
      const answer = await this.#withDeadline(reply, spec);
      return {
        body: Array.isArray(answer?.body) ? answer.body : [],
        seq: this.#replySeq.get(serial) ?? this.#seq,
      };
    } finally {
      this.#replySeq.delete(serial);
    }
  }

  async addMatch(rule: string): Promise<void> {
    await this.#busCall('AddMatch', rule);
  }

  /** The bus counts each AddMatch: removing one leaves other subscribers' equal rules. */
  async removeMatch(rule: string, timeoutMs?: number): Promise<void> {
    await this.#busCall('RemoveMatch', rule, timeoutMs);
  }

  /** Ends this client: pending calls reject; an owned connection closes, a lent one stays. */
  disconnect(): void {
    this.#close(new Error('The D-Bus connection was closed by dispose().'));
    this.#bus.off('message', this.#onMessage);
    this.#bus.off('error', this.#onError);
    this.#connection?.off('end', this.#onEnd);
    if (!this.#owned) return;
    try {
      this.#bus.disconnect();
    } catch {
      // Already torn down by the peer.
    }
  }

  #busCall(member: string, rule: string, timeoutMs?: number): Promise<CallReply> {
    return this.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member,
      signature: 's',
      body: [rule],
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  #withDeadline(reply: Promise<Message | null>, spec: CallSpec): Promise<Message | null> {
    const what = `${spec.interface}.${spec.member}`;
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new DBusCallError(localErrors.timeout, `no reply within ${timeoutMs} ms`, what)),
        timeoutMs,
      );
      const closed = (error: Error) =>
        fail(new DBusCallError(localErrors.closed, error.message, what));
      const settle = () => {
        clearTimeout(timer);
        this.#pending.delete(closed);
      };
      this.#pending.add(closed);
      reply.then(
        (message) => {
          settle();
          resolve(message);
        },
        (error: unknown) => fail(toCallError(error, what)),
      );
    });
  }

  #received(message: Message): void {
    this.#seq += 1;
    if (message.type === MessageType.METHOD_RETURN || message.type === MessageType.ERROR) {
      const serial = Number(message.replySerial);
      if (this.#replySeq.has(serial)) this.#replySeq.set(serial, this.#seq);
      return;
    }
    if (message.type !== MessageType.SIGNAL) return;
    const signal: SignalMessage = {
      sender: String(message.sender ?? ''),
      path: String(message.path ?? ''),
      interface: String(message.interface ?? ''),
      member: String(message.member ?? ''),
      body: Array.isArray(message.body) ? message.body : [],
      seq: this.#seq,
    };
    for (const listener of this.#signalListeners) listener(signal);
  }

  #close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const reject of [...this.#pending]) reject(error);
    for (const listener of this.#closeListeners) listener(error);
    this.#signalListeners.clear();
    this.#closeListeners.clear();
  }
}

function toCallError(error: unknown, what: string): DBusCallError {
  if (error instanceof DBusCallError) return error;
  const named = error as { type?: unknown; text?: unknown; message?: unknown };
  if (typeof named?.type === 'string') {
    const text = typeof named.text === 'string' ? named.text : String(named.message ?? '');
    return new DBusCallError(named.type, text, what, { cause: error });
  }
  return new DBusCallError('netbearer.Error.Failed', asError(error).message, what, {
    cause: error,
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** dbus-next's internal connection: its stream tells a dead socket from a bad message. */
interface RawConnection {
  on(event: 'end', listener: () => void): void;
  off(event: 'end', listener: () => void): void;
  readonly stream?: { readonly destroyed?: boolean; readonly writable?: boolean };
}

function isDead(connection: RawConnection): boolean {
  return connection.stream?.destroyed === true || connection.stream?.writable === false;
}

function uniqueNameOf(bus: MessageBus): string | null {
  const name = (bus as MessageBus & { name?: unknown }).name;
  return typeof name === 'string' && name.length > 0 ? name : null;
}

function connectionOf(bus: MessageBus): RawConnection | undefined {
  const connection = (bus as unknown as { _connection?: unknown })._connection;
  const raw = connection as { on?: unknown; off?: unknown } | undefined;
  return typeof raw?.on === 'function' && typeof raw.off === 'function'
    ? (connection as RawConnection)
    : undefined;
}
