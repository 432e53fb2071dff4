import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, type NetworkConfigurationManager } from '@netbearer/core';
import { WebSocketServer } from 'ws';
import { machineGraphs } from './graph-model.js';
import { Pages } from './pages.js';
import {
  type InspectorTrace,
  type MachineGraph,
  maxPageMessageBytes,
  protocolVersion,
  socketPath,
  statelyPath,
  tokenParameter,
  tracePath,
} from './protocol.js';
import { Recorder } from './recorder.js';
import { hostAllowed, newToken, originAllowed, securityHeaders, tokenMatches } from './security.js';
import { statelyMessages } from './stately.js';
import { pageDirectory, staticFile } from './static-files.js';

export interface InspectorOptions {
  /** The port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /**
   * Lets the page call the public session methods (open, close, stop, migrate, ignore,
   * accept, reject) and open a session on a configuration. Off by default. Engine events
   * can never be sent.
   */
  readonly control?: boolean;
  /** How many timeline entries are kept for late pages and exports (default 5,000). */
  readonly history?: number;
  /** How long entries are collected before a batch goes to the pages, in ms (default 16). */
  readonly batchInterval?: number;
  /**
   * Bytes waiting in a page's socket beyond which its entries are dropped (default 4 MiB);
   * at 8 times that, the page is disconnected.
   */
  readonly maxBufferedBytes?: number;
  /** The machine graphs the page draws; default: every machine laid out by elkjs. */
  readonly graphs?: () => Promise<readonly MachineGraph[]>;
}

export interface Inspector {
  /** `http://127.0.0.1:<port>/#token=<token>`: open it in a browser on this machine. */
  readonly url: string;
  readonly port: number;
  /** The recorded run (what `GET /trace.json` serves; graphs once a page or export laid them out). */
  trace(): InspectorTrace;
  /** Closes the pages and the server and detaches from the manager; the process can exit. */
  close(): Promise<void>;
}

/**
 * Serves the inspector for a running manager on 127.0.0.1: the page, its WebSocket (token,
 * Host and Origin checked) and the exports of the recorded run. Attaching records the
 * manager's machines into a bounded history until `close()` — or until the manager is
 * disposed, which closes the inspector too.
 */
export async function startInspector(
  manager: NetworkConfigurationManager,
  options: InspectorOptions = {},
): Promise<Inspector> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(`The inspector's port must be 0 to 65535, not ${port}.`);
  }
  const history = options.history ?? 5_000;
  if (!Number.isInteger(history) || history < 1) {
    throw new InvalidArgumentError(`history must be a whole number ≥ 1, not ${history}.`);
  }
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  // Laid out when a page or an export first needs it, once: ELK runs on this thread and takes
  // 0.1–1 s (more on a busy machine), which an application that never opens the page must
  // not pay. A page's hello waits for it.
  let layout: Promise<readonly MachineGraph[]> | undefined;
  let laidOut: readonly MachineGraph[] = [];
  const graphs = (): Promise<readonly MachineGraph[]> => {
    if (!layout) {
      layout = (options.graphs ?? machineGraphs)().then((g) => {
        laidOut = g;
        return g;
      });
      // A failed layout leaves the page without charts, never the inspector down.
      layout.catch(() => {});
    }
    return layout;
  };
  const token = newToken();
  let pages: Pages | undefined;
  let closing: Promise<void> | undefined;
  const recorder = new Recorder(
    manager,
    history,
    () => pages?.heard(),
    () => void close(),
  );
  pages = new Pages(manager, recorder, graphs, {
    control: options.control === true,
    batchInterval: options.batchInterval ?? 16,
    maxBuffered,
    maxBufferedHard: maxBuffered * 8,
    flushAfter: Math.max(1, Math.floor(history / 2)),
  });

  const trace = (): InspectorTrace => ({
    format: 'netbearer-inspector-trace',
    version: protocolVersion,
    recordedAt: recorder.startedAt.toISOString(),
    graphs: laidOut,
    ...recorder.initial(),
    entries: recorder.last(Number.POSITIVE_INFINITY),
  });

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: maxPageMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const server = createServer((request, response) => {
    answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  let listeningPort = port;

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = securityHeaders(listeningPort);
    const refuse = (status: number, text: string) => {
      response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${text}\n`);
    };
    if (!hostAllowed(request.headers.host, listeningPort)) return refuse(403, 'Unknown host.');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refuse(405, 'Only GET.');
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${listeningPort}`);
    if (url.pathname === tracePath || url.pathname === statelyPath) {
      if (!tokenMatches(url.searchParams.get(tokenParameter), token)) {
        return refuse(403, 'The token is missing or wrong.');
      }
      await graphs().catch(() => []);
      const recorded = trace();
      const body = JSON.stringify(
        url.pathname === tracePath ? recorded : statelyMessages(recorded),
      );
      response.writeHead(200, {
        ...headers,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="netbearer-${url.pathname.slice(1)}"`,
      });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === socketPath) return refuse(426, 'Upgrade to a WebSocket.');
    const found = await staticFile(pageDirectory, url.pathname);
    if (!found) return refuse(404, 'Not found.');
    const body = await readFile(found.file);
    response.writeHead(200, { ...headers, 'Content-Type': found.type });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    let allowed = false;
    try {
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${listeningPort}`);
      allowed =
        closing === undefined &&
        url.pathname === socketPath &&
        hostAllowed(request.headers.host, listeningPort) &&
        originAllowed(request.headers.origin, listeningPort) &&
        tokenMatches(url.searchParams.get(tokenParameter), token);
    } catch {
      allowed = false;
    }
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => pages?.add(ws));
  });
  // A malformed request ends that connection, never the process.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error) => {
    recorder.close();
    throw error;
  });
  listeningPort = (server.address() as AddressInfo).port;

  function close(): Promise<void> {
    closing ??= (async () => {
      recorder.close();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await pages?.close();
      sockets.close();
      await serverClosed;
    })();
    return closing;
  }

  return {
    url: `http://127.0.0.1:${listeningPort}/#${tokenParameter}=${token}`,
    port: listeningPort,
    trace,
    close,
  };
}
