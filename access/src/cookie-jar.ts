/**
 * Cookies: Qt's QNetworkCookieJar over tough-cookie (RFC 6265, public suffixes via tldts).
 *
 * API (stable; the request pipeline calls these):
 * - `type NetworkCookie = { name, value, domain, path, expires?, secure, httpOnly, sameSite?,
 *   hostOnly? }` — `expires` undefined = session cookie; `hostOnly` true = no Domain attribute.
 * - `new NetworkCookieJar(options?)` — an in-memory jar. Subclass it and override the two
 *   methods below to apply a policy, as in Qt; the manager's `setCookieJar(jar)` takes any.
 *   - `cookiesForUrl(url): NetworkCookie[]` — the cookies to send to `url` (sorted as RFC 6265
 *     §5.4 wants; expired ones dropped).
 *   - `setCookiesFromUrl(cookies, url): boolean` — store cookies received from `url`; each item
 *     is a `NetworkCookie` or a raw `Set-Cookie` header value. Returns whether any was accepted.
 *     Cookies whose domain does not match `url`, or is a public suffix, are refused.
 *   - `allCookies()`, `deleteCookie(cookie)`, `clear()`.
 * - `cookieHeader(cookies): string` — the `Cookie` request header value ('' for none).
 * - Pipeline use: before sending, `const c = cookieHeader(jar.cookiesForUrl(url)); if (c)
 *   headers.cookie = c` (append to an app-set Cookie header with '; '); on response headers,
 *   `jar.setCookiesFromUrl(setCookieValues, url)` with each `set-cookie` value as a string
 *   (undici gives `set-cookie` as string | string[]). Do it per redirect hop.
 * - `FileCookieJar.open(path, options?)` → `Promise<FileCookieJar>`: a jar loaded from a JSON
 *   file (tough-cookie's serialization). Never rejects for a bad file: a missing file is an empty
 *   jar; an unreadable, oversized, corrupt or hostile file gives an empty (or partial) jar, the
 *   file moved aside to `<path>.bad-<time>` so nothing is lost, and `loadError` set to a
 *   `CookieFileError`. `save()` writes atomically (temp file 0600 + rename) and rejects only with
 *   a `CookieFileError`. With `autosave: true` every accepted change schedules one save (no timer;
 *   errors land in `lastSaveError`).
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { NetBearerError } from '@netbearer/core';
import { Cookie, CookieJar, type SerializedCookieJar } from 'tough-cookie';

export type SameSite = 'Strict' | 'Lax' | 'None';

/** One cookie, as Qt's QNetworkCookie. */
export interface NetworkCookie {
  name: string;
  value: string;
  /** The cookie's domain; for a host-only cookie, the host that set it. */
  domain: string;
  path: string;
  /** When it expires; undefined for a session cookie. */
  expires?: Date | undefined;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: SameSite | undefined;
  /** Sent only to the exact host (no Domain attribute). */
  hostOnly?: boolean | undefined;
}

export interface NetworkCookieJarOptions {
  /** Refuse cookies for public suffixes such as `com` or `co.uk` (default true). */
  rejectPublicSuffixes?: boolean;
  /** Accept `Set-Cookie` values that break RFC 6265 the way browsers tolerate (default false). */
  looseMode?: boolean;
}

/** What `cookieHeader` and the jar refuse in names and values: they would break the header. */
const badName = { test: (s: string) => breaksHeader(s, ' ;=,') };
const badValue = { test: (s: string) => breaksHeader(s, ';') };

function breaksHeader(text: string, forbidden: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || forbidden.includes(text[i]!)) return true;
  }
  return false;
}

/** The `Cookie` request header for these cookies, or '' when there are none. */
export function cookieHeader(cookies: readonly NetworkCookie[]): string {
  return cookies
    .filter((c) => !badName.test(c.name) && !badValue.test(c.value))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

/** A cookie jar with Qt's interface; override the methods to apply a policy. */
export class NetworkCookieJar {
  protected jar: CookieJar;
  readonly #options: NetworkCookieJarOptions;

  constructor(options: NetworkCookieJarOptions = {}) {
    this.#options = options;
    this.jar = newToughJar(options);
  }

  /** The cookies to send with a request to `url`. */
  cookiesForUrl(url: string | URL): NetworkCookie[] {
    const href = hrefOf(url);
    if (href === undefined) return [];
    try {
      return this.jar.getCookiesSync(href).map(toNetworkCookie);
    } catch {
      return [];
    }
  }

  /**
   * Stores the cookies `url` sent (NetworkCookie objects or raw `Set-Cookie` values); returns
   * whether any was accepted.
   */
  setCookiesFromUrl(cookies: readonly (NetworkCookie | string)[], url: string | URL): boolean {
    const href = hrefOf(url);
    if (href === undefined) return false;
    let accepted = false;
    for (const cookie of cookies) {
      const tough = typeof cookie === 'string' ? cookie : toToughCookie(cookie);
      if (tough === undefined) continue;
      try {
        const stored = this.jar.setCookieSync(tough, href, {
          loose: this.#options.looseMode ?? false,
          ignoreError: true,
        });
        if (stored) accepted = true;
      } catch {
        // tough-cookie refused it (bad domain, public suffix, prefix rules): not accepted.
      }
    }
    if (accepted) this.changed();
    return accepted;
  }

  /** Every cookie in the jar, expired ones excluded. */
  allCookies(): NetworkCookie[] {
    let serialized: SerializedCookieJar | undefined;
    try {
      serialized = this.jar.serializeSync();
    } catch {
      return [];
    }
    const now = Date.now();
    return (serialized?.cookies ?? [])
      .map((json) => Cookie.fromJSON(json))
      .filter(
        (c): c is Cookie => c !== undefined && (c.expiryTime() ?? Number.POSITIVE_INFINITY) > now,
      )
      .map(toNetworkCookie);
  }

  /** Removes the cookie with this name, domain and path; returns whether one was there. */
  deleteCookie(cookie: Pick<NetworkCookie, 'name' | 'domain' | 'path'>): boolean {
    const store = this.jar.store;
    let found = false;
    store.findCookie(cookie.domain, cookie.path, cookie.name, (err, c) => {
      found = !err && c != null;
    });
    if (!found) return false;
    store.removeCookie(cookie.domain, cookie.path, cookie.name, () => {});
    this.changed();
    return true;
  }

  /** Removes every cookie. */
  clear(): void {
    this.jar.removeAllCookiesSync();
    this.changed();
  }

  /** Called after each accepted change; FileCookieJar saves from here. */
  protected changed(): void {}

  /** tough-cookie's serialization of the jar (what FileCookieJar writes). */
  protected serialize(): SerializedCookieJar {
    return this.jar.serializeSync() ?? ({ cookies: [] } as unknown as SerializedCookieJar);
  }
}

function newToughJar(options: NetworkCookieJarOptions): CookieJar {
  return new CookieJar(undefined, {
    rejectPublicSuffixes: options.rejectPublicSuffixes ?? true,
    looseMode: options.looseMode ?? false,
  });
}

function hrefOf(url: string | URL): string | undefined {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function toNetworkCookie(c: Cookie): NetworkCookie {
  const expires = c.expiryDate();
  const sameSite = canonicalSameSite(c.sameSite);
  return {
    name: c.key,
    value: c.value,
    domain: c.domain ?? '',
    path: c.path ?? '/',
    expires:
      expires && Number.isFinite(expires.getTime()) && c.isPersistent() ? expires : undefined,
    secure: c.secure,
    httpOnly: c.httpOnly,
    sameSite,
    hostOnly: c.hostOnly ?? false,
  };
}

function canonicalSameSite(value: string | undefined): SameSite | undefined {
  switch (value?.toLowerCase()) {
    case 'strict':
      return 'Strict';
    case 'lax':
      return 'Lax';
    case 'none':
      return 'None';
    default:
      return undefined;
  }
}

function toToughCookie(c: NetworkCookie): Cookie | undefined {
  if (typeof c.name !== 'string' || typeof c.value !== 'string') return undefined;
  if (badName.test(c.name) || badValue.test(c.value)) return undefined;
  const expires = c.expires instanceof Date && Number.isFinite(c.expires.getTime());
  return new Cookie({
    key: c.name,
    value: c.value,
    // tough-cookie makes a cookie without a domain host-only for the URL's host.
    domain: c.hostOnly || !c.domain ? null : c.domain.replace(/^\./, ''),
    path: c.path || null,
    expires: expires ? c.expires! : 'Infinity',
    secure: c.secure === true,
    httpOnly: c.httpOnly === true,
    sameSite: c.sameSite?.toLowerCase(),
  });
}

// ---------------------------------------------------------------------------------------------
// File-backed jar

export type CookieFileProblem =
  | 'Unreadable'
  | 'TooLarge'
  | 'NotJson'
  | 'BadFormat'
  | 'BadCookies'
  | 'WriteFailed';

/** A cookie file could not be read or written; `keptAs` is where a bad file was moved. */
export class CookieFileError extends NetBearerError {
  override name = 'CookieFileError';
  constructor(
    readonly problem: CookieFileProblem,
    message: string,
    readonly keptAs?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface FileCookieJarOptions extends NetworkCookieJarOptions {
  /** Save after every accepted change (default false: call `save()`). */
  autosave?: boolean;
  /** Files larger than this are refused as hostile (default 16 MiB). */
  maxFileBytes?: number;
}

const defaultMaxFileBytes = 16 * 1024 * 1024;

/** A jar kept in a JSON file; see the header comment for its failure rules. */
export class FileCookieJar extends NetworkCookieJar {
  /** Why the file could not be loaded in full (the jar then holds what could be read). */
  loadError: CookieFileError | undefined;
  /** The last autosave's failure, cleared by the next successful save. */
  lastSaveError: CookieFileError | undefined;
  readonly #autosave: boolean;
  #saving: Promise<void> | undefined;
  #saveAgain = false;

  private constructor(
    readonly path: string,
    options: FileCookieJarOptions,
  ) {
    super(options);
    this.#autosave = options.autosave ?? false;
  }

  /** Opens (never rejects for a bad file) the jar stored at `path`. */
  static async open(path: string, options: FileCookieJarOptions = {}): Promise<FileCookieJar> {
    const jar = new FileCookieJar(path, options);
    jar.loadError = await jar.#load(options.maxFileBytes ?? defaultMaxFileBytes);
    return jar;
  }

  /** Writes the jar: a temp file (mode 0600) beside the target, then a rename over it. */
  save(): Promise<void> {
    if (this.#saving) {
      this.#saveAgain = true;
      return this.#saving;
    }
    this.#saving = this.#writeLoop().finally(() => {
      this.#saving = undefined;
    });
    return this.#saving;
  }

  protected override changed(): void {
    if (!this.#autosave) return;
    this.save().then(
      () => {
        this.lastSaveError = undefined;
      },
      (error: unknown) => {
        this.lastSaveError = error instanceof CookieFileError ? error : undefined;
      },
    );
  }

  async #writeLoop(): Promise<void> {
    do {
      this.#saveAgain = false;
      let text: string;
      try {
        text = `${JSON.stringify(this.serialize())}\n`;
      } catch (error) {
        throw new CookieFileError('WriteFailed', 'cannot serialize the jar', undefined, {
          cause: error,
        });
      }
      await writeAtomically(this.path, text);
    } while (this.#saveAgain);
  }

  async #load(maxBytes: number): Promise<CookieFileError | undefined> {
    let text: string;
    try {
      const info = await lstat(this.path);
      if (!info.isFile()) return await this.#setAside('Unreadable', 'not a regular file');
      if (info.size > maxBytes) {
        return await this.#setAside('TooLarge', `${info.size} bytes > ${maxBytes}`);
      }
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return new CookieFileError('Unreadable', `cannot read ${this.path}`, undefined, {
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return await this.#setAside('NotJson', (error as Error).message);
    }
    const cookies = (parsed as { cookies?: unknown } | null)?.cookies;
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray(cookies)) {
      return await this.#setAside('BadFormat', 'no "cookies" array');
    }
    const refused = cookies.filter((json) => !this.#import(json)).length;
    if (refused === 0) return undefined;
    return await this.#setAside('BadCookies', `${refused} of ${cookies.length} cookies refused`);
  }

  /** Puts one stored cookie back through the jar's own checks (domain, public suffix). */
  #import(json: unknown): boolean {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
    const cookie = Cookie.fromJSON(json);
    if (!cookie || typeof cookie.domain !== 'string' || !cookie.key) return false;
    if (badName.test(cookie.key) || badValue.test(cookie.value)) return false;
    const expiry = cookie.expiryTime() ?? Number.POSITIVE_INFINITY;
    // An invalid date would make tough-cookie's own serialization throw later (on save).
    if (Number.isNaN(expiry) || !serializable(cookie)) return false;
    if (expiry <= Date.now()) return true; // expired: nothing lost by dropping it
    const host = cookie.domain.replace(/^\./, '');
    const url = hrefOf(`${cookie.secure ? 'https' : 'http'}://${host}${cookie.path ?? '/'}`);
    if (url === undefined) return false;
    if (cookie.hostOnly) cookie.domain = null;
    try {
      return this.jar.setCookieSync(cookie, url, { ignoreError: true }) !== undefined;
    } catch {
      return false;
    }
  }

  async #setAside(problem: CookieFileProblem, detail: string): Promise<CookieFileError> {
    const keptAs = `${this.path}.bad-${Date.now()}`;
    try {
      await rename(this.path, keptAs);
      return new CookieFileError(problem, `${this.path}: ${detail}; kept as ${keptAs}`, keptAs);
    } catch (error) {
      return new CookieFileError(problem, `${this.path}: ${detail}`, undefined, { cause: error });
    }
  }
}

function serializable(cookie: Cookie): boolean {
  try {
    JSON.stringify(cookie);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` to `path` so readers see the old file or the new one, never a torn one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw new CookieFileError('WriteFailed', `cannot write ${path}`, undefined, { cause: error });
  }
}
