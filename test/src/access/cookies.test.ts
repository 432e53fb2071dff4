/**
 * The cookie jar against python3-httpbin: Set-Cookie from a real server stored per URL and sent
 * back, public-suffix and foreign domains refused, and the file-backed jar across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cookieHeader, FileCookieJar, NetworkCookieJar } from '@netbearer/access';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Httpbin, startHttpbin } from '../support/http-servers/index.js';

let httpbin: Httpbin;
let dir: string;
const agent = new Agent();

beforeAll(async () => {
  httpbin = await startHttpbin();
  dir = mkdtempSync(join(tmpdir(), 'cookies-'));
});
afterAll(async () => {
  await agent.close();
  await httpbin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** GET without following redirects; cookies from the jar out, Set-Cookie into the jar. */
async function get(jar: NetworkCookieJar, path: string) {
  const url = `${httpbin.origin}${path}`;
  const cookie = cookieHeader(jar.cookiesForUrl(url));
  const response = await request(url, { dispatcher: agent, headers: cookie ? { cookie } : {} });
  const setCookie = response.headers['set-cookie'];
  const values =
    setCookie === undefined ? [] : typeof setCookie === 'string' ? [setCookie] : setCookie;
  const accepted = jar.setCookiesFromUrl(values, url);
  return { status: response.statusCode, body: await response.body.text(), values, accepted };
}

describe('cookies with httpbin', () => {
  it('round-trips /cookies/set → /cookies and deletes with /cookies/delete', async () => {
    const jar = new NetworkCookieJar();
    const set = await get(jar, '/cookies/set?session=abc123&theme=dark');
    expect(set.status).toBe(302);
    expect(set.accepted).toBe(true);
    expect(
      jar
        .cookiesForUrl(`${httpbin.origin}/`)
        .map((c) => [c.name, c.value])
        .sort(),
    ).toEqual([
      ['session', 'abc123'],
      ['theme', 'dark'],
    ]);
    const echoed = await get(jar, '/cookies');
    expect(JSON.parse(echoed.body)).toEqual({ cookies: { session: 'abc123', theme: 'dark' } });

    await get(jar, '/cookies/delete?theme');
    expect(JSON.parse((await get(jar, '/cookies')).body)).toEqual({
      cookies: { session: 'abc123' },
    });
  });

  it('refuses cookies a server sets for a public suffix or another domain', async () => {
    const jar = new NetworkCookieJar();
    const evil = await get(
      jar,
      `/response-headers?Set-Cookie=${encodeURIComponent('evil=1; Domain=com')}`,
    );
    expect(evil.values).toEqual(['evil=1; Domain=com']);
    expect(evil.accepted).toBe(false);
    const foreign = await get(
      jar,
      `/response-headers?Set-Cookie=${encodeURIComponent('x=1; Domain=example.org')}`,
    );
    expect(foreign.accepted).toBe(false);
    expect(jar.allCookies()).toEqual([]);
  });

  it('keeps cookies in a file across a restart', async () => {
    const path = join(dir, 'jar.json');
    const jar = await FileCookieJar.open(path, { autosave: true });
    await get(jar, '/cookies/set?persistent=yes');
    await jar.save();
    const reopened = await FileCookieJar.open(path);
    expect(reopened.loadError).toBeUndefined();
    expect(JSON.parse((await get(reopened, '/cookies')).body)).toEqual({
      cookies: { persistent: 'yes' },
    });
  });
});
