/** microsocks: a SOCKS5 proxy, optionally with username/password authentication (RFC 1929). */
import { accepting, freePort, retryingPortRaces } from './free-port.js';
import { privateDirectory, type ServerProcess, startServerProcess } from './server-process.js';

export interface Microsocks {
  /** socks5://[user:password@]127.0.0.1:<port> */
  url: string;
  port: number;
  process: ServerProcess;
  stop(): Promise<void>;
}

export interface MicrosocksOptions {
  user?: string;
  password?: string;
  /**
   * Source address of the proxy's outgoing connections (`-b`), e.g. 127.0.0.2: a server then
   * sees that a request came through the proxy.
   */
  bindAddress?: string;
}

export function startMicrosocks(options: MicrosocksOptions = {}): Promise<Microsocks> {
  if ((options.user === undefined) !== (options.password === undefined)) {
    throw new Error('microsocks needs both user and password, or neither');
  }
  return retryingPortRaces(async () => {
    const port = await freePort();
    const auth =
      options.user !== undefined && options.password !== undefined
        ? ['-u', options.user, '-P', options.password]
        : [];
    const server = await startServerProcess({
      name: 'microsocks',
      directory: privateDirectory('microsocks'),
      argv: [
        '/usr/bin/microsocks',
        ...['-i', '127.0.0.1', '-p', String(port)],
        ...auth,
        ...(options.bindAddress === undefined ? [] : ['-b', options.bindAddress]),
      ],
      ready: () => accepting(port),
    });
    const credentials =
      options.user !== undefined && options.password !== undefined
        ? `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@`
        : '';
    return {
      url: `socks5://${credentials}127.0.0.1:${port}`,
      port,
      process: server,
      stop: () => server.stop(),
    };
  });
}
