/**
 * A node:http server for the faults no real server makes on purpose: connections cut mid-body,
 * lying Content-Length, a representation that changes between attempts, broken status lines,
 * chunking and gzip, huge headers, silence, a trickle. It records every request it saw, so a
 * test can assert that a POST arrived once or that a resume carried Range and If-Range.
 *
 * Routes (all GET unless said; unknown paths answer 404):
 * - `/resource/<name>?size=N` — N seeded bytes (default 1 MiB) with `Accept-Ranges: bytes`,
 *   Range and If-Range (strong comparison, RFC 9110 §13.1.5), HEAD too. Query options:
 *   `validator=strong|weak|last-modified|none` (default strong: `"<name>-v<version>"`; weak:
 *   `W/"<name>"` whatever the version), `changes=1` (attempt k serves version k: other bytes,
 *   other strong ETag / Last-Modified, the same weak ETag), `cutAfter=B` (the first attempt is
 *   cut after B body bytes), `bytesPerSecond=R` (trickle), `ranges=0` (no Range support).
 *   Attempts count per name: use a fresh name per test.
 * - `/lying-length?claim=N&actual=M` — `Content-Length: N`, then M bytes, then close.
 * - `/bad-status-line`, `/bad-chunking`, `/bad-gzip` (Content-Encoding gzip, not gzip),
 *   `/huge-headers?bytes=N` (one header of N bytes, default 64 KiB).
 * - `/raw?b64=<base64>` — exactly those bytes as the response, then close.
 * - `/never-answers` — reads the request, never answers.
 * - `/trickle?size=N&intervalMs=M` — headers at once, then one byte every M ms (default 200).
 * - `/echo` — any method; answers `{ method, bodyBytes, bodySha256 }` once the body is in;
 *   `delayMs=N` waits first, `cut=1` closes without answering.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { seededBytes } from './seeded-bytes.js';

export interface RecordedRequest {
  /** Order of arrival, from 1. */
  seq: number;
  method: string;
  /** The request target as sent (path and query). */
  path: string;
  /** Lower-cased names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  range: string | null;
  ifRange: string | null;
  idempotencyKey: string | null;
  /** Body bytes received so far. */
  bodyBytes: number;
  /** sha256 of the body received so far (hex); final once `bodyComplete`. */
  bodySha256: string;
  bodyComplete: boolean;
  remoteAddress: string;
  receivedAt: number;
}

export interface FaultServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** A TCP listener that accepts and then never reads, writes or closes. */
  silentOrigin: string;
  /** A TCP listener that closes every connection as soon as it accepts it. */
  closingOrigin: string;
  /** Every request seen, oldest first (copies). */
  requests(): RecordedRequest[];
  /** Requests whose path (query excluded) is `pathname`. */
  requestsTo(pathname: string): RecordedRequest[];
  /** The bytes `/resource/<name>?size=<size>` serves at `version` (1 unless changes=1). */
  resourceBytes(name: string, size: number, version?: number): Buffer;
  /** Strong ETag of a resource version (validator=strong). */
  resourceEtag(name: string, version?: number): string;
  /** Forgets recorded requests and attempt counts. */
  reset(): void;
  stop(): Promise<void>;
}

const defaultSize = 1024 * 1024;
const lastModifiedBase = Date.UTC(2020, 0, 1);

export async function startFaultServer(options: { host?: string } = {}): Promise<FaultServer> {
  const host = options.host ?? '127.0.0.1';
  const recorded: RecordedRequest[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const bodies = new Map<string, Buffer>();

  const bytesOf = (name: string, size: number, version = 1) => {
    const key = `${name}#v${version}#${size}`;
    let bytes = bodies.get(key);
    if (!bytes) {
      bytes = seededBytes(`${name}#v${version}`, size);
      bodies.set(key, bytes);
    }
    return bytes;
  };
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((request, response) => {
    const record = recordRequest(request, recorded);
    // Parsed as a path, whatever it looks like: `//x` is not a relative URL but is a request target.
    const url = URL.canParse(`http://fault${request.url ?? '/'}`)
      ? new URL(`http://fault${request.url ?? '/'}`)
      : undefined;
    if (!url) {
      response.writeHead(400).end();
      return;
    }
    const query = url.searchParams;
    const number = (name: string, fallback: number) => {
      const value = query.get(name);
      return value === null ? fallback : Number(value);
    };
    const raw = (text: string | Buffer) => {
      request.socket.end(text);
    };

    if (url.pathname.startsWith('/resource/')) {
      const name = decodeURIComponent(url.pathname.slice('/resource/'.length));
      const attempt = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const version = query.get('changes') === '1' ? attempt : 1;
      const size = number('size', defaultSize);
      serveResource(request, response, {
        name,
        version,
        bytes: bytesOf(name, size, version),
        validator: query.get('validator') ?? 'strong',
        ranges: query.get('ranges') !== '0',
        cutAfter: attempt === 1 ? number('cutAfter', -1) : -1,
        bytesPerSecond: number('bytesPerSecond', 0),
        later,
      });
      return;
    }
    switch (url.pathname) {
      case '/lying-length': {
        const actual = number('actual', 10);
        raw(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${number('claim', 100)}\r\n\r\n`,
            ),
            Buffer.alloc(actual, 0x61),
          ]),
        );
        return;
      }
      case '/bad-status-line':
        raw('HTTP/1.1 2x0 Fine\r\nContent-Length: 2\r\n\r\nok');
        return;
      case '/bad-chunking':
        raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
        return;
      case '/bad-gzip': {
        const body = Buffer.from('this is not gzip at all, only pretending to be');
        response.writeHead(200, {
          'content-type': 'text/plain',
          'content-encoding': 'gzip',
          'content-length': body.length,
        });
        response.end(body);
        return;
      }
      case '/huge-headers':
        raw(
          `HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(number('bytes', 64 * 1024))}\r\nContent-Length: 2\r\n\r\nok`,
        );
        return;
      case '/raw':
        raw(Buffer.from(query.get('b64') ?? '', 'base64'));
        return;
      case '/never-answers':
        request.resume();
        return;
      case '/trickle': {
        const size = number('size', 100);
        const interval = number('intervalMs', 200);
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': size,
        });
        let sent = 0;
        const drip = () => {
          if (response.destroyed) return;
          response.write('t');
          if (++sent >= size) response.end();
          else later(interval, drip);
        };
        later(interval, drip);
        return;
      }
      case '/echo':
        request.on('end', () => {
          if (query.get('cut') === '1') {
            request.socket.destroy();
            return;
          }
          later(number('delayMs', 0), () => {
            const body = JSON.stringify({
              method: record.method,
              bodyBytes: record.bodyBytes,
              bodySha256: record.bodySha256,
            });
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end(body);
          });
        });
        return;
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('no such fault\n');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Broken requests from property tests must not take the server down.
  server.on('clientError', (_error, socket) => socket.destroy());

  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.pause();
  });

  const closing = createTcpServer((socket) => socket.destroy());

  const port = await listen(server, host);
  const silentPort = await listen(silent, host);
  const closingPort = await listen(closing, host);
  const originHost = host.includes(':') ? `[${host}]` : host;

  return {
    origin: `http://${originHost}:${port}`,
    silentOrigin: `http://${originHost}:${silentPort}`,
    closingOrigin: `http://${originHost}:${closingPort}`,
    requests: () => recorded.map((entry) => ({ ...entry })),
    requestsTo: (pathname) =>
      recorded
        .filter((entry) => new URL(`http://fault${entry.path}`).pathname === pathname)
        .map((entry) => ({ ...entry })),
    resourceBytes: (name, size, version = 1) => bytesOf(name, size, version),
    resourceEtag: (name, version = 1) => strongEtag(name, version),
    reset: () => {
      recorded.length = 0;
      attempts.clear();
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await Promise.all([close(server), close(silent), close(closing)]);
    },
  };
}

function recordRequest(request: IncomingMessage, recorded: RecordedRequest[]): RecordedRequest {
  const header = (name: string) => {
    const value = request.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  const hash = createHash('sha256');
  const record: RecordedRequest = {
    seq: recorded.length + 1,
    method: request.method ?? '',
    path: request.url ?? '',
    headers: { ...request.headers },
    range: header('range'),
    ifRange: header('if-range'),
    idempotencyKey: header('idempotency-key'),
    bodyBytes: 0,
    bodySha256: hash.copy().digest('hex'),
    bodyComplete: false,
    remoteAddress: request.socket.remoteAddress ?? '',
    receivedAt: Date.now(),
  };
  recorded.push(record);
  request.on('data', (chunk: Buffer) => {
    record.bodyBytes += chunk.length;
    hash.update(chunk);
    record.bodySha256 = hash.copy().digest('hex');
  });
  request.on('end', () => {
    record.bodyComplete = true;
  });
  return record;
}

interface ResourcePlan {
  name: string;
  version: number;
  bytes: Buffer;
  validator: string;
  ranges: boolean;
  cutAfter: number;
  bytesPerSecond: number;
  later: (ms: number, run: () => void) => void;
}

function strongEtag(name: string, version: number): string {
  return `"${name}-v${version}"`;
}

function serveResource(request: IncomingMessage, response: ServerResponse, plan: ResourcePlan) {
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  let validator: string | null = null;
  if (plan.validator === 'strong') validator = headers.etag = strongEtag(plan.name, plan.version);
  if (plan.validator === 'weak') headers.etag = `W/"${plan.name}"`;
  if (plan.validator === 'last-modified') {
    const modified = new Date(lastModifiedBase + plan.version * 1000);
    validator = headers['last-modified'] = modified.toUTCString();
  }
  if (plan.ranges) headers['accept-ranges'] = 'bytes';

  const total = plan.bytes.length;
  const range = plan.ranges ? requestedRange(request, validator, total) : 'whole';
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${total}` });
    response.end();
    return;
  }
  const [start, end] = range === 'whole' ? [0, total - 1] : range;
  if (range !== 'whole') headers['content-range'] = `bytes ${start}-${end}/${total}`;
  const body = plan.bytes.subarray(start, end + 1);
  headers['content-length'] = body.length;
  response.writeHead(range === 'whole' ? 200 : 206, headers);
  if (request.method === 'HEAD') response.end();
  else sendBody(request, response, body, plan);
}

/** The byte range to serve: Range applies unless If-Range names another validator. */
function requestedRange(
  request: IncomingMessage,
  validator: string | null,
  total: number,
): [number, number] | 'whole' | 'unsatisfiable' {
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  const ifRange = request.headers['if-range'];
  // If-Range matches only a strong validator equal to the current one (RFC 9110 §13.1.5).
  if (!range || (ifRange !== undefined && (validator === null || ifRange !== validator))) {
    return 'whole';
  }
  const [, first, last] = range;
  let start: number;
  let end = total - 1;
  if (first === '') {
    start = Math.max(0, total - Number(last));
  } else {
    start = Number(first);
    if (last !== '') end = Math.min(end, Number(last));
  }
  return start >= total || start > end ? 'unsatisfiable' : [start, end];
}

/** Writes `body`, trickled if asked, and cuts the connection after `cutAfter` bytes if asked. */
function sendBody(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  plan: ResourcePlan,
) {
  const limit = plan.cutAfter >= 0 ? Math.min(plan.cutAfter, body.length) : body.length;
  const chunk = plan.bytesPerSecond > 0 ? Math.max(1, Math.floor(plan.bytesPerSecond / 20)) : limit;
  let sent = 0;
  const send = () => {
    if (response.destroyed) return;
    const next = Math.min(limit, sent + chunk);
    const more = response.write(body.subarray(sent, next));
    sent = next;
    if (sent < limit) {
      if (plan.bytesPerSecond > 0) plan.later(50, send);
      else if (more) send();
      else response.once('drain', send);
    } else if (limit < body.length) {
      // Cut: the bytes written so far reach the client, then the connection drops.
      request.socket.end();
      request.socket.once('finish', () => request.socket.destroy());
    } else {
      response.end();
    }
  };
  send();
}

async function listen(server: Server | TcpServer, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault server has no port');
  return address.port;
}

function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
