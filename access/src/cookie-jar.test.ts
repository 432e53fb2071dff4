import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CookieFileError,
  cookieHeader,
  FileCookieJar,
  type NetworkCookie,
  NetworkCookieJar,
} from './cookie-jar.js';

const names = (cookies: NetworkCookie[]) => cookies.map((c) => c.name).sort();

describe('NetworkCookieJar', () => {
  it('stores Set-Cookie values and returns them for matching URLs only', () => {
    const jar = new NetworkCookieJar();
    const accepted = jar.setCookiesFromUrl(
      ['host=1; Path=/', 'dom=2; Domain=example.com; Path=/', 'deep=3; Path=/a'],
      'http://www.example.com/a/b',
    );
    expect(accepted).toBe(true);
    expect(names(jar.cookiesForUrl('http://www.example.com/a/x'))).toEqual(['deep', 'dom', 'host']);
    expect(names(jar.cookiesForUrl('http://www.example.com/'))).toEqual(['dom', 'host']);
    // host-only cookies stay on their host; domain cookies reach subdomains
    expect(names(jar.cookiesForUrl('http://api.example.com/'))).toEqual(['dom']);
    expect(jar.cookiesForUrl('http://example.org/')).toEqual([]);
    const host = jar.cookiesForUrl('http://www.example.com/').find((c) => c.name === 'host')!;
    expect(host).toMatchObject({
      value: '1',
      domain: 'www.example.com',
      hostOnly: true,
      path: '/',
    });
  });

  it('refuses cookies for public suffixes and foreign domains', () => {
    const jar = new NetworkCookieJar();
    expect(jar.setCookiesFromUrl(['a=1; Domain=com'], 'http://example.com/')).toBe(false);
    expect(jar.setCookiesFromUrl(['a=1; Domain=co.uk'], 'http://shop.co.uk/')).toBe(false);
    expect(jar.setCookiesFromUrl(['a=1; Domain=other.org'], 'http://example.com/')).toBe(false);
    expect(jar.allCookies()).toEqual([]);
    // one good among bad ones counts as accepted
    expect(jar.setCookiesFromUrl(['a=1; Domain=com', 'b=2'], 'http://example.com/')).toBe(true);
    expect(names(jar.allCookies())).toEqual(['b']);
  });

  it('keeps attributes and honours Secure, expiry and deletion', () => {
    const jar = new NetworkCookieJar();
    const future = new Date(Date.now() + 3600_000);
    jar.setCookiesFromUrl(
      [`s=1; Secure; HttpOnly; SameSite=Strict; Expires=${future.toUTCString()}`],
      'https://example.com/',
    );
    const [s] = jar.cookiesForUrl('https://example.com/');
    expect(s).toMatchObject({ name: 's', secure: true, httpOnly: true, sameSite: 'Strict' });
    expect(Math.abs(s!.expires!.getTime() - future.getTime())).toBeLessThan(1000);
    expect(jar.cookiesForUrl('http://example.com/')).toEqual([]);
    // an expiry in the past removes the cookie
    jar.setCookiesFromUrl(
      ['s=gone; Secure; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
      'https://example.com/',
    );
    expect(jar.cookiesForUrl('https://example.com/')).toEqual([]);
    jar.setCookiesFromUrl(['t=1'], 'http://example.com/');
    expect(jar.deleteCookie({ name: 't', domain: 'example.com', path: '/' })).toBe(true);
    expect(jar.deleteCookie({ name: 't', domain: 'example.com', path: '/' })).toBe(false);
  });

  it('takes NetworkCookie objects, refusing names and values that would break the header', () => {
    const jar = new NetworkCookieJar();
    const base = { domain: '', path: '/', secure: false, httpOnly: false };
    expect(jar.setCookiesFromUrl([{ ...base, name: 'ok', value: 'v' }], 'http://h.test/')).toBe(
      true,
    );
    expect(
      jar.setCookiesFromUrl(
        [
          { ...base, name: 'bad\r\nX-Injected', value: 'v' },
          { ...base, name: 'v', value: 'a;b' },
          { ...base, name: 'w', value: 'a\nb' },
        ],
        'http://h.test/',
      ),
    ).toBe(false);
    expect(cookieHeader(jar.cookiesForUrl('http://h.test/'))).toBe('ok=v');
    expect(jar.setCookiesFromUrl(['x=1'], 'ftp://h.test/')).toBe(false);
    expect(jar.cookiesForUrl('not a url')).toEqual([]);
  });

  it('lets a subclass apply a policy, as Qt does', () => {
    class NoTracking extends NetworkCookieJar {
      override setCookiesFromUrl(cookies: readonly (NetworkCookie | string)[], url: string | URL) {
        const kept = cookies.filter((c) => !(typeof c === 'string' ? c : c.name).startsWith('_ga'));
        return super.setCookiesFromUrl(kept, url);
      }
    }
    const jar = new NoTracking();
    expect(jar.setCookiesFromUrl(['_ga=1'], 'http://h.test/')).toBe(false);
    expect(jar.setCookiesFromUrl(['_ga=1', 'sid=2'], 'http://h.test/')).toBe(true);
    expect(names(jar.allCookies())).toEqual(['sid']);
  });
});

describe('FileCookieJar', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cookie-jar-'));
    path = join(dir, 'cookies.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts empty without a file, saves atomically with mode 0600 and reloads', async () => {
    const jar = await FileCookieJar.open(path);
    expect(jar.loadError).toBeUndefined();
    expect(jar.allCookies()).toEqual([]);
    jar.setCookiesFromUrl(
      ['a=1; Max-Age=3600', 'b=2; Domain=example.com', 'session=3'],
      'http://www.example.com/',
    );
    await jar.save();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['cookies.json']);
    const again = await FileCookieJar.open(path);
    expect(again.loadError).toBeUndefined();
    expect(names(again.cookiesForUrl('http://www.example.com/'))).toEqual(['a', 'b', 'session']);
    expect(names(again.cookiesForUrl('http://api.example.com/'))).toEqual(['b']);
  });

  it('autosaves accepted changes', async () => {
    const jar = await FileCookieJar.open(path, { autosave: true });
    jar.setCookiesFromUrl(['a=1'], 'http://h.test/');
    await jar.save(); // joins or follows the autosave
    const again = await FileCookieJar.open(path);
    expect(names(again.allCookies())).toEqual(['a']);
  });

  it('keeps a corrupt file aside and starts empty', async () => {
    await writeFile(path, '{"cookies": [ truncated');
    const jar = await FileCookieJar.open(path);
    expect(jar.loadError).toBeInstanceOf(CookieFileError);
    expect(jar.loadError?.problem).toBe('NotJson');
    expect(await readFile(jar.loadError!.keptAs!, 'utf8')).toBe('{"cookies": [ truncated');
    expect(jar.allCookies()).toEqual([]);
  });

  it('loads the good cookies of a hostile file, keeping the original aside', async () => {
    const good = new NetworkCookieJar();
    good.setCookiesFromUrl(['ok=1; Max-Age=3600'], 'http://h.test/');
    const serialized = JSON.parse(
      JSON.stringify(
        (good as unknown as { jar: { serializeSync(): unknown } }).jar.serializeSync(),
      ),
    );
    serialized.cookies.push(
      { key: 'evil', value: 'x', domain: 'com', path: '/', hostOnly: false },
      { key: 'inject\r\nX', value: 'x', domain: 'h.test', path: '/' },
      'not a cookie',
      { __proto__: { polluted: true }, key: 'p', value: 'y' },
    );
    const text = JSON.stringify(serialized);
    await writeFile(path, text);
    const jar = await FileCookieJar.open(path);
    expect(jar.loadError?.problem).toBe('BadCookies');
    expect(await readFile(jar.loadError!.keptAs!, 'utf8')).toBe(text);
    expect(names(jar.allCookies())).toEqual(['ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses oversized files, wrong shapes and non-files without throwing', async () => {
    await writeFile(path, JSON.stringify({ cookies: [] }) + ' '.repeat(2048));
    const big = await FileCookieJar.open(path, { maxFileBytes: 1024 });
    expect(big.loadError?.problem).toBe('TooLarge');

    await writeFile(path, '[1,2,3]');
    expect((await FileCookieJar.open(path)).loadError?.problem).toBe('BadFormat');

    const asDir = join(dir, 'a-directory');
    await import('node:fs/promises').then((fs) => fs.mkdir(asDir));
    const notFile = await FileCookieJar.open(asDir);
    expect(notFile.loadError?.problem).toBe('Unreadable');
  });

  it('opens whatever is in the file without throwing (fast-check)', async () => {
    const cookie = fc.record({
      key: fc.string(),
      value: fc.string(),
      domain: fc.oneof(fc.constant('com'), fc.constant('h.test'), fc.domain(), fc.string()),
      path: fc.string(),
      hostOnly: fc.boolean(),
      expires: fc.oneof(fc.string(), fc.integer(), fc.constant('Infinity')),
    });
    const content = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .array(fc.oneof(cookie, fc.jsonValue()), { maxLength: 5 })
        .map((cookies) => JSON.stringify({ cookies })),
    );
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        await writeFile(path, text);
        const jar = await FileCookieJar.open(path);
        jar.cookiesForUrl('http://h.test/');
        await jar.save();
        return jar.loadError === undefined || jar.loadError instanceof CookieFileError;
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a failed save with a typed error and leaves no temp file', async () => {
    const jar = await FileCookieJar.open(join(dir, 'missing-dir', 'c.json'));
    jar.setCookiesFromUrl(['a=1'], 'http://h.test/');
    await expect(jar.save()).rejects.toMatchObject({
      name: 'CookieFileError',
      problem: 'WriteFailed',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
