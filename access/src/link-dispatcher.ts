import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, Client, type Dispatcher } from 'undici';
import { type LinkSource, linkBound } from './link-address.js';

/** TLS settings every connection of a manager uses. */
export interface TlsOptions {
  /** Certificate authorities to trust instead of Node's bundled ones (PEM). */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

export interface LinkDispatcherOptions {
  readonly connections: number;
  readonly tls: TlsOptions;
  /** Milliseconds a TCP/TLS connect may take (undici's default 10 s). */
  readonly connectTimeout?: number;
  /**
   * The link new connections are bound to (after a roam: the new one, nam.md §4.5); none: the
   * kernel picks the source address by its routes.
   */
  readonly link?: LinkSource;
}

type Connector = ReturnType<typeof buildConnector>;

/** Whether a certificate problem is in the set the application chose to ignore. */
export type SslIgnore = ReadonlySet<string> | 'all';

/**
 * The undici agents one manager sends through: one for HTTP/1.1 only, one that may negotiate
 * HTTP/2, created when first needed. Their connector remembers which protocol each origin
 * negotiated (Http2WasUsedAttribute) — undici does not tell a request which it got.
 */
export class LinkDispatcher {
  readonly #options: LinkDispatcherOptions;
  readonly #agents = new Map<boolean, Agent>();
  readonly #alpn = new Map<string, string>();
  readonly #oneOffs = new Set<Client>();

  constructor(options: LinkDispatcherOptions) {
    this.#options = options;
  }

  /** The link new connections are bound to, if any. */
  get link(): LinkSource | undefined {
    return this.#options.link;
  }

  agent(allowH2: boolean): Dispatcher {
    let agent = this.#agents.get(allowH2);
    if (!agent) {
      agent = new Agent({
        connections: this.#options.connections,
        allowH2,
        connect: this.#connector(allowH2),
      });
      this.#agents.set(allowH2, agent);
    }
    return agent;
  }

  /** Whether the last connection to the URL's host:port negotiated HTTP/2. */
  usedHttp2(url: URL): boolean {
    return url.protocol === 'https:' && this.#alpn.get(hostPort(url.hostname, url.port)) === 'h2';
  }

  /**
   * A connection for one reply that goes on despite the certificate problems it ignores, and
   * only those: nobody else's request shares it. Destroy it when the reply is done.
   */
  tolerant(origin: string, allowH2: boolean, ignore: SslIgnore): Client {
    const client = new Client(origin, {
      allowH2,
      connect: this.#connector(allowH2, ignore),
    });
    this.#oneOffs.add(client);
    return client;
  }

  release(client: Client): void {
    this.#oneOffs.delete(client);
    void client.destroy().catch(() => {});
  }

  /**
   * Takes no new requests and lets the ones still running finish (loopback transfers, which a
   * roam does not move), then closes. Transfers that moved were aborted by their own signals.
   */
  async close(): Promise<void> {
    const all: Array<Agent | Client> = [...this.#agents.values(), ...this.#oneOffs];
    this.#agents.clear();
    this.#oneOffs.clear();
    await Promise.all(all.map((d) => d.close().catch(() => {})));
  }

  /** Ends every connection now; in-flight requests fail (their replies were aborted first). */
  async destroy(): Promise<void> {
    const all: Array<Agent | Client> = [...this.#agents.values(), ...this.#oneOffs];
    this.#agents.clear();
    this.#oneOffs.clear();
    await Promise.all(all.map((d) => d.destroy().catch(() => {})));
  }

  #connector(allowH2: boolean, ignore?: SslIgnore): Connector {
    const { ca } = this.#options.tls;
    const bound = linkBound(this.#options.link, (family) =>
      buildConnector({
        allowH2,
        ...(ca !== undefined ? { ca: ca as string | Buffer | Array<string | Buffer> } : {}),
        ...(this.#options.connectTimeout !== undefined
          ? { timeout: this.#options.connectTimeout }
          : {}),
        ...(ignore ? { rejectUnauthorized: false } : {}),
        // A host name is looked up in the family of the address the connection is bound to.
        ...(family !== undefined ? { family } : {}),
      } as buildConnector.BuildOptions),
    );
    return (options, callback) => bound(options, this.#checked(options, callback, ignore));
  }

  /** The connector's callback: remembers the protocol, and refuses problems not ignored. */
  #checked(
    options: buildConnector.Options,
    callback: buildConnector.Callback,
    ignore: SslIgnore | undefined,
  ): buildConnector.Callback {
    return (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('connect failed'), null);
        return;
      }
      const tls = socket as TLSSocket;
      if (options.protocol === 'https:') {
        this.#alpn.set(hostPort(options.hostname, options.port), tls.alpnProtocol || '');
      }
      const problem = ignore ? certificateProblem(tls) : undefined;
      if (problem && ignore !== 'all' && !ignore?.has(problem.code)) {
        socket.destroy();
        callback(problem, null);
        return;
      }
      callback(null, socket);
    };
  }
}

/** The verification error of a socket made with rejectUnauthorized false, as an Error. */
function certificateProblem(socket: TLSSocket): (Error & { code: string }) | undefined {
  const reason = socket.authorizationError as unknown;
  if (!reason) return undefined;
  const code =
    typeof reason === 'string' ? reason : String((reason as { code?: unknown }).code ?? reason);
  return Object.assign(new Error(`certificate verification failed: ${code}`), { code });
}

function hostPort(hostname: string, port: string): string {
  return `${hostname}:${port || '443'}`;
}
