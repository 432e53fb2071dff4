import { type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import type { RawData, WebSocket } from 'ws';
import { PageMessageError, parsePageMessage } from './page-message.js';
import {
  type ControlMethod,
  closeCodes,
  type MachineGraph,
  type PageMessage,
  protocolVersion,
  type ServerMessage,
} from './protocol.js';
import type { Recorder } from './recorder.js';

export interface PagesOptions {
  readonly control: boolean;
  /** How long entries are collected before a batch goes out, in ms. */
  readonly batchInterval: number;
  /** Over this many bytes waiting in a page's socket, its entries are dropped (and counted). */
  readonly maxBuffered: number;
  /** Over this many, the page is disconnected: it can reconnect for a fresh `hello`. */
  readonly maxBufferedHard: number;
  /** A batch goes out at once after this many entries, whatever the time. */
  readonly flushAfter: number;
}

/** One connected page: how far it has been sent, and what it missed. */
interface Page {
  readonly socket: WebSocket;
  /** Whether it got its hello: batches follow it, never precede it. */
  greeted: boolean;
  seq: number;
  dropped: number;
  /** Changes not sent yet because the page was behind. */
  readonly sessions: Set<string>;
  readonly links: Set<string>;
}

const calls: Readonly<Record<ControlMethod, (session: NetworkSession) => void>> = {
  open: (s) => s.open(),
  close: (s) => s.close(),
  stop: (s) => s.stop(),
  migrate: (s) => s.migrate(),
  ignore: (s) => s.ignore(),
  accept: (s) => s.accept(),
  reject: (s) => s.reject(),
};

/**
 * The connected pages: a `hello` for each newcomer, then batches of what happened, at most
 * one per `batchInterval` and only while something happened (no timer while idle). A page
 * that cannot keep up is skipped (its `dropped` count grows) or disconnected; the
 * application never waits for a page.
 */
export class Pages {
  readonly #pages = new Set<Page>();
  #timer: NodeJS.Timeout | undefined;
  /** Entries recorded since the last batch. */
  #unsent = 0;

  constructor(
    private readonly manager: NetworkConfigurationManager,
    private readonly recorder: Recorder,
    /** Laid out once, which takes a while on a busy machine: hellos wait for it. */
    private readonly graphs: () => Promise<readonly MachineGraph[]>,
    private readonly options: PagesOptions,
  ) {}

  get count(): number {
    return this.#pages.size;
  }

  /**
   * Something was recorded: a batch goes out soon, if anyone is watching — at once when half
   * the history has piled up, since a burst that keeps the event loop busy would otherwise
   * push entries out of the ring before the timer fires.
   */
  heard(): void {
    if (this.#pages.size === 0) return;
    if (++this.#unsent >= this.options.flushAfter) {
      clearTimeout(this.#timer);
      this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.#flush(), this.options.batchInterval);
  }

  add(socket: WebSocket): void {
    if (this.#pages.size === 0) this.recorder.track(true);
    const page: Page = {
      socket,
      greeted: false,
      seq: this.recorder.seq,
      dropped: 0,
      sessions: new Set(),
      links: new Set(),
    };
    this.#pages.add(page);
    socket.on('message', (data, isBinary) => this.#received(page, data, isBinary));
    socket.on('close', () => this.#remove(page));
    // Oversized frames and broken connections end in 'close'; nothing to add here.
    socket.on('error', () => {});
    this.graphs().then(
      (graphs) => this.#greet(page, graphs),
      () => this.#greet(page, []),
    );
  }

  #greet(page: Page, graphs: readonly MachineGraph[]): void {
    if (!this.#pages.has(page)) return;
    page.greeted = true;
    page.seq = this.recorder.seq;
    page.sessions.clear();
    page.links.clear();
    this.#send(page, {
      type: 'hello',
      version: protocolVersion,
      control: this.options.control,
      graphs,
      sessions: this.recorder.sessions(),
      links: this.recorder.links(),
      timeline: this.recorder.last(Number.POSITIVE_INFINITY),
    });
  }

  /** Closes every page (going away) and stops the timer. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const closing = [...this.#pages].map(
      (page) =>
        new Promise<void>((resolve) => {
          if (page.socket.readyState === page.socket.CLOSED) return resolve();
          const timer = setTimeout(() => page.socket.terminate(), 500);
          page.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          page.socket.close(closeCodes.goingAway, 'The inspector is closing.');
        }),
    );
    await Promise.all(closing);
    this.#pages.clear();
  }

  #remove(page: Page): void {
    if (!this.#pages.delete(page)) return;
    if (this.#pages.size > 0) return;
    this.recorder.track(false);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flush(): void {
    this.#timer = undefined;
    this.#unsent = 0;
    const changed = this.recorder.takeChanged();
    const batches = new Map<number, ReturnType<Recorder['since']>>();
    for (const page of this.#pages) {
      if (!page.greeted) continue;
      for (const id of changed.sessions) page.sessions.add(id);
      for (const id of changed.links) page.links.add(id);
      const buffered = page.socket.bufferedAmount;
      if (buffered > this.options.maxBufferedHard) {
        page.socket.terminate();
        this.#remove(page);
        continue;
      }
      if (buffered > this.options.maxBuffered) {
        page.dropped += this.recorder.seq - page.seq;
        page.seq = this.recorder.seq;
        continue;
      }
      let batch = batches.get(page.seq);
      if (!batch) {
        batch = this.recorder.since(page.seq);
        batches.set(page.seq, batch);
      }
      page.dropped += batch.missed;
      page.seq = this.recorder.seq;
      const sessions = this.recorder.sessions(page.sessions);
      const links = this.recorder.links(page.links);
      page.sessions.clear();
      page.links.clear();
      if (batch.entries.length === 0 && sessions.length === 0 && links.length === 0) continue;
      this.#send(page, {
        type: 'batch',
        sessions,
        links,
        entries: batch.entries,
        dropped: page.dropped,
      });
    }
  }

  #send(page: Page, message: ServerMessage): void {
    if (page.socket.readyState !== page.socket.OPEN) return;
    page.socket.send(JSON.stringify(message));
  }

  #received(page: Page, data: RawData, isBinary: boolean): void {
    let message: PageMessage;
    try {
      if (isBinary) throw new PageMessageError('Binary messages are not accepted.');
      message = parsePageMessage(data.toString());
      if (!this.options.control) {
        throw new PageMessageError('Control is off: start the inspector with control on.');
      }
    } catch (error) {
      const reason = error instanceof PageMessageError ? error.message : 'Refused.';
      // A close reason is at most 123 bytes.
      page.socket.close(closeCodes.policy, reason.slice(0, 120));
      return;
    }
    let error: string | undefined;
    try {
      error = this.#control(message);
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    this.#send(page, {
      type: 'controlResult',
      requestId: message.requestId,
      ok: error === undefined,
      error,
    });
  }

  /** Calls one public session method; says why not, if it cannot. */
  #control(message: PageMessage): string | undefined {
    if ('configurationId' in message) {
      const configuration = this.manager.configurationFromIdentifier(message.configurationId);
      if (!configuration.isValid()) return `No configuration ${message.configurationId}.`;
      new NetworkSession(configuration).open();
      return undefined;
    }
    const session = this.recorder.session(message.sessionId);
    if (!session) return `No session ${message.sessionId}.`;
    calls[message.method](session);
    return undefined;
  }
}
