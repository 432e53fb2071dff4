/**
 * nginx (nginx-light) serving test files: strong ETags, Range and If-Range, gzip for text,
 * TLS with the test CA's certificate, HTTP/2 on its own TLS port, a rate-limited `/slow/` view
 * of the same files (to switch links mid-download) and a JSON access log the tests read.
 */

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  constants,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { certificates } from './certificates.js';
import { accepting, freePort, retryingPortRaces } from './free-port.js';
import { runCacheDirectory } from './run-cache.js';
import { seededBytes, seededChunks, sha256 } from './seeded-bytes.js';
import { privateDirectory, type ServerProcess, startServerProcess } from './server-process.js';

export interface NginxOptions {
  /** Adds `large.bin` of this many seeded bytes (say 64 MiB for roaming downloads). */
  largeFileBytes?: number;
  /**
   * `limit_rate` of the `/slow/` location, bytes per second; default 1 MiB/s. nginx lets the
   * first second's worth go at once, then keeps to the rate (at one-second granularity).
   */
  slowBytesPerSecond?: number;
  /** Listen address; default 127.0.0.1. The origins use 127.0.0.1 when this is 0.0.0.0. */
  host?: string;
  /**
   * Also serve the files over TLS on one more port per broken certificate (expired,
   * self-signed, wrong host), as `badTlsOrigins`: the handshake failures of the error table.
   */
  badCertificates?: boolean;
  /** Fixed ports (inside a network namespace, say); free loopback ports by default. */
  ports?: { http: number; https: number; h2: number };
  /**
   * argv put before nginx's, e.g. ['ip', 'netns', 'exec', 'nb-router']. Readiness is then read
   * from nginx's pid file only (written once its sockets listen), not probed over TCP.
   */
  commandPrefix?: readonly string[];
}

export type BadCertificate = 'expired' | 'selfSigned' | 'wrongHost';
const badCertificates: readonly BadCertificate[] = ['expired', 'selfSigned', 'wrongHost'];

export interface ServedFile {
  /** File name under the root: `/hello.txt` is served from `${root}/hello.txt`. */
  name: string;
  size: number;
  sha256: string;
  /** The strong ETag nginx sends for it (quotes included), e.g. `"6565a1b2-100000"`. */
  etag: string;
}

/** One access-log line. Headers the client did not send are null. */
export interface AccessLogEntry {
  method: string;
  /** The request target as sent, query included. */
  uri: string;
  status: number;
  range: string | null;
  ifRange: string | null;
  idempotencyKey: string | null;
  acceptEncoding: string | null;
  /** Content-Encoding of the response (gzip) or null. */
  contentEncoding: string | null;
  /** Body bytes nginx sent (headers excluded). */
  bytesSent: number;
  /** Request line, headers and body bytes nginx read. */
  requestLength: number;
  /** 'HTTP/1.1', 'HTTP/2.0'. */
  protocol: string;
  scheme: 'http' | 'https';
  remoteAddress: string;
  serverPort: number;
  /** False when the client went away before nginx sent the whole response. */
  completed: boolean;
}

export interface Nginx {
  httpOrigin: string;
  /** HTTPS, HTTP/1.1 only (no h2 in ALPN). */
  httpsOrigin: string;
  /** HTTPS with HTTP/2 offered in ALPN. */
  h2Origin: string;
  ports: { http: number; https: number; h2: number };
  /** With `badCertificates`: HTTPS origins whose certificate fails verification as named. */
  badTlsOrigins?: Record<BadCertificate, string>;
  /**
   * Document root; files are also served rate-limited under `/slow/<name>`. `/to-http`
   * redirects (302) to `${httpOrigin}/hello.txt`, from any port.
   */
  root: string;
  files: ServedFile[];
  /** The served file called `name` (an Error when nginx serves none). */
  file(name: string): ServedFile;
  /** PEM of the CA that signed the server certificate (localhost, 127.0.0.1, ::1). */
  ca: string;
  /**
   * `/upload/<anything>` reads any method's whole body, then answers 204; its log entry's
   * requestLength includes the body (an internal `/uploaded/…` entry follows it).
   */
  uploadPath: string;
  /**
   * The access log so far (nginx writes each line when it finishes the request). Synchronous,
   * so `nginx.accessLog().filter(…)` and `(await nginx.accessLog())` both work.
   */
  accessLog(): AccessLogEntry[];
  /** The access log once `until(entries)` holds; throws with the log after `timeoutMs`. */
  waitForAccessLog(
    until: (entries: AccessLogEntry[]) => boolean,
    timeoutMs?: number,
  ): Promise<AccessLogEntry[]>;
  process: ServerProcess;
  stop(): Promise<void>;
}

const logFormat = `'{"method":"$request_method","uri":"$request_uri","status":"$status",'
  '"range":"$http_range","ifRange":"$http_if_range","idempotencyKey":"$http_idempotency_key",'
  '"acceptEncoding":"$http_accept_encoding","contentEncoding":"$sent_http_content_encoding",'
  '"bytesSent":"$body_bytes_sent","requestLength":"$request_length",'
  '"protocol":"$server_protocol","scheme":"$scheme","remoteAddress":"$remote_addr",'
  '"serverPort":"$server_port","completion":"$request_completion"}'`;

export function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  return options.ports ? start(options) : retryingPortRaces(() => start(options));
}

async function start(options: NginxOptions): Promise<Nginx> {
  const directory = privateDirectory('nginx');
  try {
    return await startIn(directory, options);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(directory: string, options: NginxOptions): Promise<Nginx> {
  const root = join(directory, 'www');
  mkdirSync(root);
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(directory, 'temp', temp), { recursive: true });
  }
  const tls = await certificates();
  writeFileSync(join(directory, 'server.crt'), tls.valid.cert);
  writeFileSync(join(directory, 'server.key'), tls.valid.key, { mode: 0o600 });
  const files = await writeFiles(root, options.largeFileBytes);
  const bad = options.badCertificates
    ? await Promise.all(badCertificates.map(async (name) => ({ name, port: await freePort() })))
    : [];
  for (const { name } of bad) {
    writeFileSync(join(directory, `${name}.crt`), tls[name].cert);
    writeFileSync(join(directory, `${name}.key`), tls[name].key, { mode: 0o600 });
  }

  const host = options.host ?? '127.0.0.1';
  const ports = options.ports ?? {
    http: await freePort(),
    https: await freePort(),
    h2: await freePort(),
  };
  const rate = options.slowBytesPerSecond ?? 1024 * 1024;
  writeFileSync(join(directory, 'nginx.conf'), config(directory, root, host, ports, rate, bad));

  const pidFile = join(directory, 'nginx.pid');
  const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const server = await startServerProcess({
    name: 'nginx',
    directory,
    logs: ['error.log'],
    argv: [
      ...(options.commandPrefix ?? []),
      '/usr/sbin/nginx',
      '-p',
      directory,
      '-c',
      join(directory, 'nginx.conf'),
      '-g',
      `daemon off; master_process on; pid ${pidFile}; error_log ${join(directory, 'error.log')} info;`,
    ],
    ready: async () => {
      if (!existsSync(pidFile)) return false;
      if (options.commandPrefix) return true;
      return (
        (await accepting(ports.http, probeHost)) &&
        (await accepting(ports.https, probeHost)) &&
        (await accepting(ports.h2, probeHost)) &&
        (await Promise.all(bad.map(({ port }) => accepting(port, probeHost)))).every(Boolean)
      );
    },
  });

  const originHost = probeHost.includes(':') ? `[${probeHost}]` : probeHost;
  const logPath = join(directory, 'access.log');
  const accessLog = () => parseAccessLog(readText(logPath));
  return {
    httpOrigin: `http://${originHost}:${ports.http}`,
    httpsOrigin: `https://${originHost}:${ports.https}`,
    h2Origin: `https://${originHost}:${ports.h2}`,
    ports,
    ...(options.badCertificates
      ? {
          badTlsOrigins: Object.fromEntries(
            bad.map(({ name, port }) => [name, `https://${originHost}:${port}`]),
          ) as Record<BadCertificate, string>,
        }
      : {}),
    root,
    files,
    file: (name) => {
      const found = files.find((f) => f.name === name);
      if (!found) throw new Error(`nginx serves no ${name}`);
      return found;
    },
    ca: tls.ca.cert,
    uploadPath: '/upload/',
    accessLog,
    waitForAccessLog: async (until, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entries = accessLog();
        if (until(entries)) return entries;
        if (Date.now() > deadline) {
          throw new Error(`nginx access log never matched; it has:\n${readText(logPath)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    process: server,
    stop: () => server.stop(),
  };
}

function config(
  directory: string,
  root: string,
  host: string,
  ports: { http: number; https: number; h2: number },
  slowRate: number,
  bad: readonly { name: BadCertificate; port: number }[],
): string {
  const temp = (name: string) =>
    `${name}_temp_path ${join(directory, 'temp', name.split('_')[0]!)};`;
  const listenHost = host.includes(':') ? `[${host}]` : host;
  const loopback = host === '0.0.0.0' ? '127.0.0.1' : listenHost;
  // Workers drop to `user`; as root they would lose access to this 0700 directory (CI runs as
  // root from a 0700 checkout), so they stay root. As another user the directive is ignored.
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  return `${user}
worker_processes 1;
events { worker_connections 512; }
http {
  types {
    text/plain txt; text/html html; application/json json; application/octet-stream bin;
  }
  default_type application/octet-stream;
  log_format rig escape=json ${logFormat};
  access_log ${join(directory, 'access.log')} rig;
  ${temp('client_body')}
  ${temp('proxy')}
  ${temp('fastcgi')}
  ${temp('uwsgi')}
  ${temp('scgi')}
  sendfile on;
  keepalive_timeout 30s;
  gzip on;
  gzip_types text/plain application/json;
  gzip_min_length 32;
  gzip_vary on;
  server {
    listen ${listenHost}:${ports.http};
    listen ${listenHost}:${ports.https} ssl;
    listen ${listenHost}:${ports.h2} ssl http2;
    server_name localhost;
    ssl_certificate ${join(directory, 'server.crt')};
    ssl_certificate_key ${join(directory, 'server.key')};
    root ${root};
    location /slow/ {
      alias ${root}/;
      limit_rate ${slowRate};
    }
    # return alone would answer before reading the body (and log its length without it):
    # proxying makes nginx read the whole body first.
    # https -> http, for insecure-redirect errors.
    location = /to-http {
      return 302 http://${loopback}:${ports.http}/hello.txt;
    }
    location /upload/ {
      client_max_body_size 0;
      proxy_pass http://${loopback}:${ports.http}/uploaded/;
    }
    location /uploaded/ {
      return 204;
    }
  }
${bad.map(({ name, port }) => badCertificateServer(directory, root, `${listenHost}:${port}`, name)).join('')}}
`;
}

function badCertificateServer(directory: string, root: string, listen: string, name: string) {
  return `  server {
    listen ${listen} ssl;
    ssl_certificate ${join(directory, `${name}.crt`)};
    ssl_certificate_key ${join(directory, `${name}.key`)};
    root ${root};
  }
`;
}

async function writeFiles(root: string, largeFileBytes: number | undefined): Promise<ServedFile[]> {
  const text = Array.from(
    { length: 200 },
    (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`,
  ).join('');
  const served = [
    writeSmall(root, 'hello.txt', Buffer.from(text)),
    writeSmall(root, 'data.bin', seededBytes('data.bin', 1024 * 1024)),
  ];
  if (largeFileBytes !== undefined)
    served.push(await writeLarge(root, 'large.bin', largeFileBytes));
  return served;
}

function writeSmall(root: string, name: string, bytes: Buffer): ServedFile {
  writeFileSync(join(root, name), bytes);
  return describe(root, name, sha256(bytes));
}

/** Copies the run's cached copy (made once per size, in a second or so) into the root. */
async function writeLarge(root: string, name: string, size: number): Promise<ServedFile> {
  const cached = join(runCacheDirectory(), `seeded-${name}-${size}`);
  if (!existsSync(`${cached}.sha256`)) {
    const scratch = `${cached}.${process.pid}.${Date.now()}`;
    const hash = createHash('sha256');
    const out = createWriteStream(scratch);
    for (const chunk of seededChunks(name, size)) {
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    // Another worker may have made it meanwhile: the bytes are the same either way.
    renameSync(scratch, cached);
    writeFileSync(`${scratch}.sha256`, hash.digest('hex'));
    renameSync(`${scratch}.sha256`, `${cached}.sha256`);
  }
  // A copy, not a link: a test may rewrite the served file to change the representation.
  copyFileSync(cached, join(root, name), constants.COPYFILE_FICLONE);
  return describe(root, name, readFileSync(`${cached}.sha256`, 'utf8'));
}

/** nginx's ETag: "<mtime seconds, hex>-<size, hex>". */
function describe(root: string, name: string, digest: string): ServedFile {
  const { size, mtimeMs } = statSync(join(root, name));
  const etag = `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
  return { name, size, sha256: digest, etag };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function parseAccessLog(text: string): AccessLogEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as Record<string, string>;
      const optional = (value: string | undefined) => (value ? value : null);
      return {
        method: raw.method ?? '',
        uri: raw.uri ?? '',
        status: Number(raw.status),
        range: optional(raw.range),
        ifRange: optional(raw.ifRange),
        idempotencyKey: optional(raw.idempotencyKey),
        acceptEncoding: optional(raw.acceptEncoding),
        contentEncoding: optional(raw.contentEncoding),
        bytesSent: Number(raw.bytesSent),
        requestLength: Number(raw.requestLength),
        protocol: raw.protocol ?? '',
        scheme: raw.scheme === 'https' ? 'https' : 'http',
        remoteAddress: raw.remoteAddress ?? '',
        serverPort: Number(raw.serverPort),
        completed: raw.completion === 'OK',
      };
    });
}
