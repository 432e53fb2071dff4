/**
 * tinyproxy: an HTTP proxy that forwards absolute-URI requests and tunnels CONNECT to any port,
 * optionally behind proxy Basic authentication; its log tells which requests went through it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, retryingPortRaces } from './free-port.js';
import { privateDirectory, type ServerProcess, startServerProcess } from './server-process.js';

export interface TinyproxyOptions {
  basicAuth?: { user: string; password: string };
}

/** A request tinyproxy read from a client: `GET http://host:port/path` or `CONNECT host:port`. */
export interface ProxiedRequest {
  method: string;
  /** Absolute URI for forwarded requests, host:port for CONNECT. */
  target: string;
}

export interface Tinyproxy {
  /** http://127.0.0.1:<port> (no credentials in it, even with basicAuth). */
  url: string;
  port: number;
  /** The log file's text. */
  log(): string;
  /** The requests in the log, oldest first (also those refused with 407). */
  requests(): ProxiedRequest[];
  /** host:port of each connection tinyproxy opened to a server, oldest first. */
  upstreamConnections(): string[];
  process: ServerProcess;
  stop(): Promise<void>;
}

export function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  return retryingPortRaces(async () => {
    const directory = privateDirectory('tinyproxy');
    const port = await freePort();
    const logPath = join(directory, 'tinyproxy.log');
    const auth = options.basicAuth;
    if (auth && /\s/.test(auth.user + auth.password)) {
      throw new Error('tinyproxy credentials cannot contain white space');
    }
    // No `User`: tinyproxy then keeps the current user, and so can read this 0700 directory
    // when the tests run as root. No ConnectPort: CONNECT is allowed to every port.
    const lines = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${logPath}"`,
      'LogLevel Info',
      `PidFile "${join(directory, 'tinyproxy.pid')}"`,
      'MaxClients 64',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
    ];
    writeFileSync(join(directory, 'tinyproxy.conf'), `${lines.join('\n')}\n`);
    const log = () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    };
    const server = await startServerProcess({
      name: 'tinyproxy',
      directory,
      logs: ['tinyproxy.log'],
      argv: ['/usr/bin/tinyproxy', '-d', '-c', join(directory, 'tinyproxy.conf')],
      ready: () => log().includes('Accepting connections'),
    });
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      log,
      requests: () => parseTinyproxyRequests(log()),
      upstreamConnections: () =>
        [...log().matchAll(/opensock: opening connection to (\S+)/g)].map((match) => match[1]!),
      process: server,
      stop: () => server.stop(),
    };
  });
}

export function parseTinyproxyRequests(log: string): ProxiedRequest[] {
  const requests: ProxiedRequest[] = [];
  for (const match of log.matchAll(/Request \(file descriptor \d+\): (\S+) (\S+) HTTP\/\d\.\d/g)) {
    requests.push({ method: match[1]!, target: match[2]! });
  }
  return requests;
}
