/**
 * Authentication against python3-httpbin: Basic and Digest (MD5, SHA-256, stale nonces) with
 * the credential cache driving plain undici requests, as the manager's pipeline does.
 */
import {
  type Authenticator,
  CredentialCache,
  cookieHeader,
  NetworkCookieJar,
} from '@netbearer/access';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Httpbin, startHttpbin } from '../support/http-servers/index.js';

let httpbin: Httpbin;
const agent = new Agent({ connections: 6 });

beforeAll(async () => {
  httpbin = await startHttpbin();
});
afterAll(async () => {
  await agent.close();
  await httpbin?.stop();
});

interface Outcome {
  status: number;
  body: string;
  /** Authorization headers sent, in order. */
  sent: (string | undefined)[];
  asked: Authenticator[];
  failure?: string;
}

/**
 * One request through the authentication steps: pre-emptive header, 401 → challenged →
 * retry / ask / fail. `answer` fills the authenticator as an app's authenticationRequired would.
 */
async function fetchAuthenticated(
  credentials: CredentialCache,
  url: string,
  answer: (a: Authenticator, round: number) => void,
  jar?: NetworkCookieJar,
): Promise<Outcome> {
  const auth = credentials.begin({ method: 'GET', url });
  const outcome: Outcome = { status: 0, body: '', sent: [], asked: [] };
  let authorization = auth.authorization();
  for (;;) {
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    const cookies = jar ? cookieHeader(jar.cookiesForUrl(url)) : '';
    if (cookies) headers.cookie = cookies;
    outcome.sent.push(authorization);
    const response = await request(url, { dispatcher: agent, headers });
    const setCookie = response.headers['set-cookie'];
    if (jar && setCookie)
      jar.setCookiesFromUrl(typeof setCookie === 'string' ? [setCookie] : setCookie, url);
    outcome.status = response.statusCode;
    outcome.body = await response.body.text();
    if (response.statusCode !== 401) {
      if (authorization) auth.succeeded();
      return outcome;
    }
    let step = auth.challenged(response.headers['www-authenticate']);
    if (step.kind === 'ask') {
      outcome.asked.push(step.authenticator);
      answer(step.authenticator, outcome.asked.length);
      step = step.answer();
    }
    if (step.kind === 'fail') {
      outcome.failure = step.error.problem;
      return outcome;
    }
    authorization = step.authorization;
  }
}

const fill = (user: string, password: string) => (a: Authenticator) => {
  a.user = user;
  a.password = password;
};

describe('Basic authentication (httpbin /basic-auth)', () => {
  it('asks once, then reuses the credentials pre-emptively for the realm', async () => {
    const credentials = new CredentialCache();
    const url = `${httpbin.origin}/basic-auth/alice/s3cret`;
    const first = await fetchAuthenticated(credentials, url, fill('alice', 's3cret'));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ authenticated: true, user: 'alice' });
    expect(first.asked.map((a) => [a.scheme, a.realm])).toEqual([['Basic', 'Fake Realm']]);
    expect(first.sent).toEqual([
      undefined,
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    ]);

    const second = await fetchAuthenticated(credentials, url, () => {
      throw new Error('must not ask again');
    });
    expect(second.status).toBe(200);
    expect(second.sent).toHaveLength(1);
  });

  it('asks again after a wrong password and fails when the app repeats it or gives up', async () => {
    const credentials = new CredentialCache();
    const url = `${httpbin.origin}/basic-auth/bob/right`;
    const wrongThenRight = await fetchAuthenticated(credentials, url, (a, round) =>
      fill('bob', round === 1 ? 'wrong' : 'right')(a),
    );
    expect(wrongThenRight.status).toBe(200);
    expect(wrongThenRight.asked).toHaveLength(2);

    const stubborn = await fetchAuthenticated(new CredentialCache(), url, fill('bob', 'wrong'));
    expect(stubborn).toMatchObject({ status: 401, failure: 'CredentialsRejected' });
    const declined = await fetchAuthenticated(new CredentialCache(), url, () => {});
    expect(declined).toMatchObject({ status: 401, failure: 'NoCredentials' });
  });

  it('uses credentials from the URL without asking', async () => {
    const url = `${httpbin.origin.replace('http://', 'http://carol:pa%3Ass@')}/basic-auth/carol/pa:ss`;
    const outcome = await fetchAuthenticated(new CredentialCache(), url, () => {
      throw new Error('must not ask');
    });
    expect(outcome.status).toBe(200);
  });
});

describe('Digest authentication (httpbin /digest-auth)', () => {
  it.each(['MD5', 'SHA-256'])(
    'authenticates with %s, qop=auth, and counts nonce uses',
    async (algorithm) => {
      const credentials = new CredentialCache();
      const url = `${httpbin.origin}/digest-auth/auth/dave/pw-${algorithm}/${algorithm}`;
      const outcome = await fetchAuthenticated(credentials, url, fill('dave', `pw-${algorithm}`));
      expect(outcome.status).toBe(200);
      expect(JSON.parse(outcome.body)).toEqual({ authenticated: true, user: 'dave' });
      expect(outcome.asked[0]?.scheme).toBe('Digest');
      expect(outcome.sent[1]).toContain(`algorithm=${algorithm}`);
      expect(outcome.sent[1]).toContain('nc=00000001');
      // the next request reuses the nonce with the next count, without a challenge
      const again = await fetchAuthenticated(credentials, url, () => {
        throw new Error('must not ask');
      });
      expect(again.status).toBe(200);
      expect(again.sent).toHaveLength(1);
      expect(again.sent[0]).toContain('nc=00000002');
    },
  );

  it('answers a stale nonce with the same credentials, without asking', async () => {
    const credentials = new CredentialCache();
    const jar = new NetworkCookieJar();
    // stale_after=1: the second use of a nonce is answered with stale=TRUE
    const url = `${httpbin.origin}/digest-auth/auth/erin/pw/MD5/1`;
    const first = await fetchAuthenticated(credentials, url, fill('erin', 'pw'), jar);
    expect(first.status).toBe(200);
    const second = await fetchAuthenticated(
      credentials,
      url,
      () => {
        throw new Error('must not ask');
      },
      jar,
    );
    expect(second.status).toBe(200);
    expect(second.sent).toHaveLength(2);
    expect(second.sent[1]).toContain('nc=00000001');
  });

  it('fails with a wrong password the app repeats', async () => {
    const url = `${httpbin.origin}/digest-auth/auth/frank/right/SHA-256`;
    const outcome = await fetchAuthenticated(new CredentialCache(), url, fill('frank', 'wrong'));
    expect(outcome).toMatchObject({ status: 401, failure: 'CredentialsRejected' });
  });
});
