import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuthStep,
  CredentialCache,
  digestAuthorization,
  digestStateOf,
  parseChallenges,
} from './authenticator.js';

function challenges(header: string | string[]) {
  const parsed = parseChallenges(header);
  if (!parsed.ok) throw parsed.error;
  return parsed.challenges.map((c) => ({
    scheme: c.scheme,
    params: Object.fromEntries(c.params),
    ...(c.token68 !== undefined ? { token68: c.token68 } : {}),
  }));
}

function expectKind<K extends AuthStep['kind']>(
  step: AuthStep,
  kind: K,
): Extract<AuthStep, { kind: K }> {
  expect(step.kind).toBe(kind);
  return step as Extract<AuthStep, { kind: K }>;
}

describe('parseChallenges', () => {
  it('parses several challenges, quoted strings and token68', () => {
    expect(
      challenges(
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Negotiate abc+/9==',
      ),
    ).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
      { scheme: 'negotiate', params: {}, token68: 'abc+/9==' },
    ]);
    expect(
      challenges(['Basic realm="a, b"', 'Digest realm="x", nonce="n", qop="auth,auth-int"']),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'digest', params: { realm: 'x', nonce: 'n', qop: 'auth,auth-int' } },
    ]);
    expect(challenges('Bearer')).toEqual([{ scheme: 'bearer', params: {} }]);
  });

  it('refuses malformed and hostile headers with a typed error', () => {
    for (const bad of [
      '',
      'realm="x"',
      'Basic realm="unterminated',
      'Basic realm="a", realm="b"',
      'Basic realm="a" =',
      'Basic realm="x" junk',
      'Basic realm="a\u0000b"',
      `Basic ${'a=b, '.repeat(5000)}`,
      '"quoted" scheme',
    ]) {
      const parsed = parseChallenges(bad);
      expect(parsed.ok, bad.slice(0, 40)).toBe(false);
      if (!parsed.ok)
        expect(parsed.error).toMatchObject({
          name: 'AuthenticationError',
          problem: 'BadChallenge',
        });
    }
    expect(parseChallenges(undefined).ok).toBe(false);
  });

  it('never throws, whatever the header (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary-ascii' }),
          fc.array(fc.string(), { maxLength: 4 }),
        ),
        (header) => {
          const parsed = parseChallenges(header);
          expect(typeof parsed.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads back what it is given (fast-check round trip)', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}$/);
    const challenge = fc.record({
      scheme: token,
      params: fc.uniqueArray(fc.tuple(token, fc.string({ maxLength: 20 })), {
        selector: ([name]) => name.toLowerCase(),
        maxLength: 5,
      }),
    });
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (list) => {
        const printable = list.map((c) => ({
          ...c,
          params: c.params.map(
            ([k, v]) =>
              [
                k,
                [...v]
                  .filter((ch) => ch >= ' ' || ch === '\t')
                  .filter((ch) => ch !== '\u007f')
                  .join(''),
              ] as const,
          ),
        }));
        const header = printable
          .map(
            (c) =>
              `${c.scheme} ${c.params.map(([k, v]) => `${k}="${v.replace(/[\\"]/g, '\\$&')}"`).join(', ')}`,
          )
          .join(', ');
        expect(challenges(header)).toEqual(
          printable.map((c) => ({
            scheme: c.scheme.toLowerCase(),
            params: Object.fromEntries(c.params.map(([k, v]) => [k.toLowerCase(), v])),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('Digest', () => {
  // RFC 7616 §3.9.1 example.
  const rfc =
    'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const mufasa = { user: 'Mufasa', password: 'Circle of Life' };
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('computes the RFC 7616 %s example', (algorithm, response) => {
    const parsed = parseChallenges(`Digest ${rfc}, algorithm=${algorithm}`);
    if (!parsed.ok) throw parsed.error;
    const state = digestStateOf(parsed.challenges[0]!)!;
    const header = digestAuthorization(state, mufasa, 'GET', '/dir/index.html', cnonce);
    expect(header).toContain(`response="${response}"`);
    expect(header).toContain('nc=00000001');
    expect(header).toContain('qop=auth');
    expect(header).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    expect(digestAuthorization(state, mufasa, 'GET', '/dir/index.html', cnonce)).toContain(
      'nc=00000002',
    );
  });

  it('refuses algorithms and qops it cannot answer', () => {
    const of = (h: string) => {
      const p = parseChallenges(h);
      return p.ok ? digestStateOf(p.challenges[0]!) : 'parse error';
    };
    expect(of('Digest realm="r", nonce="n", algorithm=SHA-1')).toBeUndefined();
    expect(of('Digest realm="r", nonce="n", qop="auth-int"')).toBeUndefined();
    expect(of('Digest realm="r"')).toBeUndefined();
    expect(of('Digest realm="r", nonce="n", algorithm=MD5-sess')).toBeDefined();
  });
});

describe('CredentialCache', () => {
  const url = 'http://h.test/private/page?x=1';

  it('asks the app, then reuses the realm credentials for the next request pre-emptively', () => {
    const cache = new CredentialCache();
    const first = cache.begin({ method: 'GET', url });
    expect(first.authorization()).toBeUndefined();
    const ask = expectKind(first.challenged('Basic realm="r"'), 'ask');
    expect(ask.authenticator).toMatchObject({ scheme: 'Basic', realm: 'r' });
    ask.authenticator.user = 'u';
    ask.authenticator.password = 'p';
    const retry = expectKind(ask.answer(), 'retry');
    expect(retry.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    first.succeeded();

    const second = cache.begin({ method: 'GET', url: 'http://h.test/private/other' });
    expect(second.authorization()).toBe(retry.authorization);
    // another origin gets nothing
    expect(
      cache.begin({ method: 'GET', url: 'http://other.test/private/' }).authorization(),
    ).toBeUndefined();
  });

  it('reuses cached credentials on a challenge without asking, and asks once they are refused', () => {
    const cache = new CredentialCache();
    const a = cache.begin({ method: 'GET', url });
    const ask = expectKind(a.challenged('Basic realm="r"'), 'ask');
    Object.assign(ask.authenticator, { user: 'u', password: 'p' });
    expectKind(ask.answer(), 'retry');
    a.succeeded();

    const b = cache.begin({ method: 'GET', url: 'http://h.test/elsewhere' }); // outside the space
    expect(b.authorization()).toBeUndefined();
    expectKind(b.challenged('Basic realm="r"'), 'retry');
    // the cached ones were refused: ask; the same ones again fail instead of looping
    const again = expectKind(b.challenged('Basic realm="r"'), 'ask');
    Object.assign(again.authenticator, { user: 'u', password: 'p' });
    expect(expectKind(again.answer(), 'fail').error.problem).toBe('CredentialsRejected');
  });

  it('fails when the app gives nothing, the scheme is unknown or the header is hostile', () => {
    const cache = new CredentialCache();
    const ask = expectKind(
      cache.begin({ method: 'GET', url }).challenged('Basic realm="r"'),
      'ask',
    );
    expect(expectKind(ask.answer(), 'fail').error.problem).toBe('NoCredentials');
    const unknown = cache.begin({ method: 'GET', url }).challenged('Negotiate abc, NTLM');
    expect(expectKind(unknown, 'fail').error.problem).toBe('UnsupportedScheme');
    const hostile = cache.begin({ method: 'GET', url }).challenged('Basic realm="');
    expect(expectKind(hostile, 'fail').error.problem).toBe('BadChallenge');
  });

  it('uses credentials from the URL first, and prefers the strongest Digest', () => {
    const cache = new CredentialCache();
    const auth = cache.begin({ method: 'GET', url: 'http://us%20er:p%40ss@h.test/x' });
    const step = expectKind(
      auth.challenged([
        'Basic realm="r"',
        'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
        'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"',
      ]),
      'retry',
    );
    expect(step.authorization).toMatch(
      /^Digest username="us er", realm="r", nonce="n2", uri="\/x", algorithm=SHA-256,/,
    );
  });

  it('answers a stale Digest nonce with the same credentials, without asking', () => {
    const cache = new CredentialCache();
    const auth = cache.begin({ method: 'GET', url });
    const ask = expectKind(auth.challenged('Digest realm="r", nonce="n1", qop="auth"'), 'ask');
    Object.assign(ask.authenticator, { user: 'u', password: 'p' });
    expect(expectKind(ask.answer(), 'retry').authorization).toContain('nonce="n1"');
    const stale = expectKind(
      auth.challenged('Digest realm="r", nonce="n2", qop="auth", stale=true'),
      'retry',
    );
    expect(stale.authorization).toContain('nonce="n2"');
    expect(stale.authorization).toContain('nc=00000001');
  });

  it('gives up after a bounded number of challenges', () => {
    const cache = new CredentialCache();
    const auth = cache.begin({ method: 'GET', url });
    let last: AuthStep | undefined;
    for (let i = 0; i < 20; i++) {
      last = auth.challenged('Digest realm="r", nonce="n", stale=true');
      if (last.kind === 'ask') {
        Object.assign(last.authenticator, { user: 'u', password: `p${i}` });
        last.answer();
      }
      if (last.kind === 'fail') break;
    }
    expect(last && last.kind === 'fail' && last.error.problem).toBe('CredentialsRejected');
  });
});

describe('ProxyAuthentication', () => {
  const proxy = { type: 'HttpProxy', host: 'p.test', port: 3128 } as const;

  it('asks, retries with the answer, remembers it and asks again only when refused', () => {
    const cache = new CredentialCache();
    const first = cache.beginProxy(proxy);
    expect(first.proxy()).toEqual(proxy);
    const ask = first.refused();
    if (ask.kind !== 'ask') throw new Error(`expected ask, got ${ask.kind}`);
    expect(ask.authenticator.options).toEqual({ proxy: 'p.test:3128' });
    Object.assign(ask.authenticator, { user: 'u', password: 'p' });
    expect(ask.answer()).toEqual({ kind: 'retry', proxy: { ...proxy, user: 'u', password: 'p' } });
    first.succeeded();

    const second = cache.beginProxy(proxy);
    expect(second.proxy()).toEqual({ ...proxy, user: 'u', password: 'p' });
    const again = second.refused(); // remembered ones refused now: forgotten, ask
    if (again.kind !== 'ask') throw new Error('expected ask');
    Object.assign(again.authenticator, { user: 'u', password: 'p' });
    expect(again.answer()).toMatchObject({
      kind: 'fail',
      error: { problem: 'CredentialsRejected' },
    });
    expect(cache.proxy(proxy)).toBeUndefined();
  });

  it('uses the credentials the app configured on the proxy and fails when the app declines', () => {
    const cache = new CredentialCache();
    const own = { ...proxy, user: 'a', password: 'b' };
    const auth = cache.beginProxy(own);
    expect(auth.proxy()).toEqual(own);
    const ask = auth.refused();
    if (ask.kind !== 'ask') throw new Error('expected ask');
    expect(ask.answer()).toMatchObject({ kind: 'fail', error: { problem: 'NoCredentials' } });
  });
});
