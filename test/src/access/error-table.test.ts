/**
 * The error table: every NetworkError the manager produces for a transfer, each from a real
 * cause — a real server's status, a closed port, a name that does not resolve, a certificate
 * nginx really presents — and the fault server only for what no real server does on purpose.
 * Session errors (NetworkSessionFailedError, BackgroundRequestNotAllowedError) are in
 * sessions.test.ts, on the simulated world.
 */
import {
  NetworkAccessManager,
  type NetworkError,
  type NetworkReply,
  NetworkRequest,
  parseProxyUrl,
} from '@netbearer/access';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ErrorCause,
  type ErrorRig,
  type Httpbin,
  type ServerCausedError,
  startErrorRig,
} from '../support/http-servers/index.js';
import { settle } from '../support/settle.js';

// The table is made from the running servers, so they start while the file is collected.
const rig: ErrorRig = await startErrorRig();
const httpbin: Httpbin = rig.servers.httpbin;
const nam = new NetworkAccessManager({ tls: { ca: rig.servers.nginx.ca } });
afterAll(async () => {
  await nam.dispose();
  await rig.stop();
});

async function errorOf(make: () => NetworkReply): Promise<NetworkReply> {
  const reply = make();
  const heard: NetworkError[] = [];
  reply.on('error', (code) => heard.push(code));
  await settle(reply);
  await new Promise((r) => setImmediate(r));
  // The event and the getter never disagree.
  expect(heard).toEqual(reply.error() === 'NoError' ? [] : [reply.error()]);
  return reply;
}

/** The rig spells two of Qt's names with an Error suffix Qt does not have. */
const qtName: Partial<Record<ServerCausedError, NetworkError>> = {
  ContentAccessDeniedError: 'ContentAccessDenied',
  ProtocolFailureError: 'ProtocolFailure',
};

/**
 * Where the manager deliberately differs from the rig's expectation. A SOCKS5 proxy that
 * wants a user name is the proxy asking for credentials — Qt's QSocks5SocketEngine reports it
 * as ProxyAuthenticationRequiredError too, and the application can answer it with
 * proxyAuthenticationRequired.
 */
function expectedOf(cause: ErrorCause): NetworkError {
  if (cause.proxy?.startsWith('socks5:') && cause.error === 'UnknownProxyError') {
    return 'ProxyAuthenticationRequiredError';
  }
  return qtName[cause.error] ?? (cause.error as NetworkError);
}

async function* once(text: string) {
  yield Buffer.from(text);
}

function send(cause: ErrorCause): { manager: NetworkAccessManager; reply: NetworkReply } {
  const proxy = cause.proxy === undefined ? undefined : parseProxyUrl(cause.proxy);
  if (cause.proxy !== undefined && !proxy) throw new Error(`bad proxy in the rig: ${cause.proxy}`);
  const manager = new NetworkAccessManager({
    ...(cause.trustTestCa === false ? {} : { tls: { ca: rig.servers.nginx.ca } }),
    ...(proxy ? { proxy } : {}),
    ...(cause.setting?.redirectPolicy ? { redirectPolicy: cause.setting.redirectPolicy } : {}),
  });
  const request = new NetworkRequest(cause.url, {
    ...(cause.setting?.transferTimeoutMs !== undefined
      ? { transferTimeout: cause.setting.transferTimeoutMs }
      : {}),
    ...(cause.setting?.maxRedirects !== undefined
      ? { maxRedirectsAllowed: cause.setting.maxRedirects }
      : {}),
  });
  const body = cause.body && (cause.body.replayable ? cause.body.text : once(cause.body.text));
  const reply = manager.sendCustomRequest(request, cause.method ?? 'GET', body);
  if (cause.setting?.abortAfterMs !== undefined) {
    setTimeout(() => reply.abort(), cause.setting.abortAfterMs);
  }
  return { manager, reply };
}

describe('every NetworkError from a real cause (the rig’s table)', () => {
  it.each(rig.causes().map((cause) => [expectedOf(cause), cause.cause, cause] as const))(
    '%s: %s',
    async (expected, _, cause) => {
      const { manager, reply } = send(cause);
      try {
        await errorOf(() => reply);
        expect(reply.error()).toBe(expected);
        expect(reply.failure()?.error).toBe(expected);
      } finally {
        await manager.dispose();
      }
    },
  );

  it('the table covers every NetworkError the servers can cause', () => {
    const covered = new Set(rig.causes().map(expectedOf));
    expect(covered.size).toBeGreaterThanOrEqual(28);
  });

  it('undici’s error is kept as cause for transport failures', async () => {
    const reply = await errorOf(() => nam.get(`http://127.0.0.1:${rig.servers.closedPort}/`));
    expect(reply.error()).toBe('ConnectionRefusedError');
    expect((reply.failure()?.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
  });

  it('bad gzip has zlib’s error as cause', async () => {
    const reply = await errorOf(() => nam.get(`${rig.servers.faults.origin}/bad-gzip`));
    expect(reply.error()).toBe('ProtocolFailure');
    expect(String((reply.failure()?.cause as { code?: string } | undefined)?.code)).toMatch(/^Z_/);
  });

  it('the sslErrors event names the certificate problem', async () => {
    const reply = nam.get(`${rig.servers.nginx.badTlsOrigins!.expired}/hello.txt`);
    const seen: string[] = [];
    reply.on('sslErrors', (errors) => seen.push(...errors.map((e) => e.code)));
    await errorOf(() => reply);
    expect(seen).toEqual(['CERT_HAS_EXPIRED']);
  });
});

describe('the manager’s own refusals', () => {
  it('an unknown scheme: ProtocolUnknownError', async () => {
    const reply = await errorOf(() => nam.get('ftp://127.0.0.1/file'));
    expect(reply.error()).toBe('ProtocolUnknownError');
  });

  it('a malformed URL: ProtocolUnknownError, never a throw', async () => {
    const reply = await errorOf(() => nam.get('http://[::1'));
    expect(reply.error()).toBe('ProtocolUnknownError');
  });

  it('AlwaysCache with nothing cached: ContentNotFoundError, no request sent', async () => {
    const faults = rig.servers.faults;
    faults.reset();
    const request = new NetworkRequest(`${faults.origin}/echo`, {
      attributes: { CacheLoadControlAttribute: 'AlwaysCache' },
    });
    const reply = await errorOf(() => nam.get(request));
    expect(reply.error()).toBe('ContentNotFoundError');
    expect(faults.requests()).toEqual([]);
  });

  it('network access disabled by the application: UnknownNetworkError', async () => {
    const blocked = new NetworkAccessManager();
    try {
      blocked.setNetworkAccessible('NotAccessible');
      const reply = await errorOf(() => blocked.get(`${httpbin.origin}/get`));
      expect(reply.error()).toBe('UnknownNetworkError');
      expect(reply.failure()?.name).toBe('NetworkAccessDisabledError');
    } finally {
      await blocked.dispose();
    }
  });

  it('a redirect to a scheme the manager cannot follow: ProtocolUnknownError', async () => {
    const target = encodeURIComponent('ftp://127.0.0.1/x');
    const reply = await errorOf(() => nam.get(`${httpbin.origin}/redirect-to?url=${target}`));
    expect(reply.error()).toBe('ProtocolUnknownError');
  });
});
