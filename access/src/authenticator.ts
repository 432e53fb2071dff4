/**
 * HTTP authentication: Qt's QAuthenticator, challenge parsing (RFC 9110 §11), Basic (RFC 7617)
 * and Digest (RFC 7616: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256[-sess], qop=auth,
 * nc counting, cnonce, userhash), and the credential cache the manager keeps.
 *
 * API (stable; the request pipeline calls these):
 * - `parseChallenges(values)`: `WWW-Authenticate`/`Proxy-Authenticate` value(s) (string or
 *   string[], as undici gives them) → `{ ok: true, challenges: AuthChallenge[] }` or
 *   `{ ok: false, error: AuthenticationError }`. Never throws.
 * - `Authenticator`: what `authenticationRequired(reply, authenticator)` hands the app:
 *   `user`, `password` (the app sets them), `realm`, `scheme`, `options` (the challenge's
 *   parameters), `isNull()`.
 * - `new CredentialCache()`: one per manager; credentials per (server|proxy, origin, scheme,
 *   realm). Per request (and per redirect hop, since the origin may change):
 *   ```ts
 *   const auth = credentials.begin({ method, url });          // url may carry user:password
 *   const h = auth.authorization(); if (h) headers.authorization = h;   // pre-emptive reuse
 *   // response 401 → const step = auth.challenged(headers['www-authenticate']);
 *   //   step.kind 'retry': resend with headers.authorization = step.authorization
 *   //   step.kind 'ask':   emit authenticationRequired(reply, step.authenticator), then
 *   //                      const next = step.answer();   // 'retry' or 'fail'
 *   //   step.kind 'fail':  AuthenticationRequiredError (step.error says why; keep as cause)
 *   // any other status after a retry → auth.succeeded() (marks the credentials good).
 *   ```
 *   `answer()` fails when the app left the authenticator empty or gave the credentials that were
 *   just refused (so a wrong password cannot loop). Resending needs a replayable body.
 * - Proxies (undici's proxy agents send only Basic / SOCKS5 user+password, fixed per
 *   dispatcher), per request:
 *   ```ts
 *   const pa = credentials.beginProxy(proxy);      // proxy = resolveProxy(...) result
 *   let p = pa.proxy();                            // with remembered credentials, if any
 *   // send with proxyDispatchers.dispatcherFor(p); on a ProxyAuthenticationRequiredError:
 *   //   const step = pa.refused();   // 'ask' (emit proxyAuthenticationRequired(p, step.authenticator),
 *   //   then step.answer()) → { kind: 'retry', proxy } → resend via dispatcherFor(proxy); or 'fail'
 *   // on any response: pa.succeeded() (remembers the credentials for this proxy)
 *   ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { NetBearerError } from '@netbearer/core';
import type { NetworkProxy } from './network-proxy.js';

export type AuthenticationProblem =
  | 'BadChallenge'
  | 'UnsupportedScheme'
  | 'NoCredentials'
  | 'CredentialsRejected';

/** Authentication could not go on; `problem` says why. */
export class AuthenticationError extends NetBearerError {
  override name = 'AuthenticationError';
  constructor(
    readonly problem: AuthenticationProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface AuthChallenge {
  /** Lower case: `basic`, `digest`, … */
  readonly scheme: string;
  /** Parameter names in lower case; values unquoted. */
  readonly params: ReadonlyMap<string, string>;
  readonly token68?: string;
}

export type ChallengeParse =
  | { readonly ok: true; readonly challenges: AuthChallenge[] }
  | { readonly ok: false; readonly error: AuthenticationError };

const maxHeaderLength = 16 * 1024;
const maxChallenges = 32;
const maxParams = 64;
const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const token68char = /[A-Za-z0-9\-._~+/]/;

/** Parses challenges (RFC 9110 §11.6.1); hostile input gives `ok: false`, never a throw. */
export function parseChallenges(values: string | readonly string[] | undefined): ChallengeParse {
  const text = typeof values === 'string' ? values : Array.isArray(values) ? values.join(', ') : '';
  if (typeof text !== 'string') return failed('header is not text');
  if (text.length > maxHeaderLength) return failed(`header longer than ${maxHeaderLength}`);
  try {
    return new ChallengeParser(text).parse();
  } catch (error) {
    return failed(error instanceof ParseFailure ? error.message : 'unparsable header');
  }
}

function failed(message: string): ChallengeParse {
  return { ok: false, error: new AuthenticationError('BadChallenge', `bad challenge: ${message}`) };
}

class ParseFailure extends Error {}

/** A control character other than HTAB: not allowed in a quoted string. */
function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

interface MutableChallenge {
  scheme: string;
  params: Map<string, string>;
  token68?: string;
}

class ChallengeParser {
  #pos = 0;
  constructor(readonly text: string) {}

  parse(): ChallengeParse {
    const challenges: MutableChallenge[] = [];
    let current: MutableChallenge | undefined;
    for (;;) {
      this.#skip(/[ \t,]/);
      if (this.#end()) break;
      const start = this.#pos;
      const name = this.#token();
      this.#skip(/[ \t]/);
      if (this.#peek() === '=' && current && current.token68 === undefined) {
        this.#param(current, name.toLowerCase());
        continue;
      }
      this.#pos = start + name.length;
      current = { scheme: name.toLowerCase(), params: new Map() };
      if (challenges.push(current) > maxChallenges) throw new ParseFailure('too many challenges');
      this.#afterScheme(current);
    }
    if (challenges.length === 0) return failed('no challenge');
    return { ok: true, challenges };
  }

  /** After a scheme: nothing, a token68, or the first auth-param. */
  #afterScheme(challenge: MutableChallenge): void {
    if (this.#end() || this.#peek() === ',') return;
    if (!/[ \t]/.test(this.#peek()))
      throw new ParseFailure(`bad character after scheme at ${this.#pos}`);
    this.#skip(/[ \t]/);
    if (this.#end() || this.#peek() === ',') return;
    const start = this.#pos;
    let candidate = '';
    while (!this.#end() && token68char.test(this.#peek())) candidate += this.text[this.#pos++];
    while (!this.#end() && this.#peek() === '=') candidate += this.text[this.#pos++];
    this.#skip(/[ \t]/);
    if (candidate && !/^=/.test(candidate) && (this.#end() || this.#peek() === ',')) {
      challenge.token68 = candidate;
      return;
    }
    this.#pos = start;
    const name = this.#token();
    this.#skip(/[ \t]/);
    if (this.#peek() !== '=') throw new ParseFailure(`expected "=" at ${this.#pos}`);
    this.#param(challenge, name.toLowerCase());
  }

  #param(challenge: MutableChallenge, name: string): void {
    this.#pos++; // '='
    this.#skip(/[ \t]/);
    const value = this.#peek() === '"' ? this.#quoted() : this.#token();
    if (challenge.params.has(name)) throw new ParseFailure(`duplicate parameter ${name}`);
    if (challenge.params.size >= maxParams) throw new ParseFailure('too many parameters');
    challenge.params.set(name, value);
    this.#skip(/[ \t]/);
    if (!this.#end() && this.#peek() !== ',') {
      throw new ParseFailure(`expected "," at ${this.#pos}`);
    }
  }

  #token(): string {
    const start = this.#pos;
    while (!this.#end() && tchar.test(this.#peek())) this.#pos++;
    if (this.#pos === start) throw new ParseFailure(`expected a token at ${start}`);
    return this.text.slice(start, this.#pos);
  }

  #quoted(): string {
    this.#pos++; // opening quote
    let value = '';
    for (;;) {
      if (this.#end()) throw new ParseFailure('unterminated quoted string');
      const c = this.text[this.#pos++]!;
      if (c === '"') return value;
      if (c === '\\') {
        if (this.#end()) throw new ParseFailure('unterminated quoted string');
        value += this.text[this.#pos++];
      } else if (isControl(c)) {
        throw new ParseFailure('control character in quoted string');
      } else {
        value += c;
      }
    }
  }

  #skip(chars: RegExp): void {
    while (!this.#end() && chars.test(this.#peek())) this.#pos++;
  }

  #peek(): string {
    return this.text[this.#pos] ?? '';
  }

  #end(): boolean {
    return this.#pos >= this.text.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Authenticator

export type AuthScheme = 'Basic' | 'Digest';

/** Qt's QAuthenticator: the app fills `user` and `password`. */
export class Authenticator {
  user = '';
  password = '';

  constructor(
    readonly scheme: AuthScheme,
    readonly realm: string,
    /** The challenge's parameters (realm, nonce, algorithm, …). */
    readonly options: Readonly<Record<string, string>> = {},
  ) {}

  /** Nothing filled in: the app declined. */
  isNull(): boolean {
    return this.user === '' && this.password === '';
  }
}

export function newProxyAuthenticator(proxy: { host?: string; port?: number }): Authenticator {
  return new Authenticator('Basic', '', { proxy: `${proxy.host ?? ''}:${proxy.port ?? ''}` });
}

// ---------------------------------------------------------------------------------------------
// Digest

type DigestHash = 'md5' | 'sha256' | 'sha512-256';
const digestAlgorithms: Record<string, { hash: DigestHash; sess: boolean; name: string }> = {
  md5: { hash: 'md5', sess: false, name: 'MD5' },
  'md5-sess': { hash: 'md5', sess: true, name: 'MD5-sess' },
  'sha-256': { hash: 'sha256', sess: false, name: 'SHA-256' },
  'sha-256-sess': { hash: 'sha256', sess: true, name: 'SHA-256-sess' },
  'sha-512-256': { hash: 'sha512-256', sess: false, name: 'SHA-512-256' },
  'sha-512-256-sess': { hash: 'sha512-256', sess: true, name: 'SHA-512-256-sess' },
};
const strength: Record<DigestHash, number> = { md5: 1, sha256: 2, 'sha512-256': 3 };

export interface DigestState {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: (typeof digestAlgorithms)[string];
  readonly qop: 'auth' | undefined;
  readonly userhash: boolean;
  nc: number;
}

export function digestStateOf(challenge: AuthChallenge): DigestState | undefined {
  const p = challenge.params;
  const nonce = p.get('nonce');
  const algorithm = digestAlgorithms[(p.get('algorithm') ?? 'MD5').toLowerCase()];
  if (nonce === undefined || algorithm === undefined) return undefined;
  const offered = p.get('qop');
  const qops = offered?.split(',').map((q) => q.trim().toLowerCase());
  // auth-int would need the body's hash; servers offering only that are not supported.
  if (qops && !qops.includes('auth')) return undefined;
  return {
    realm: p.get('realm') ?? '',
    nonce,
    opaque: p.get('opaque'),
    algorithm,
    qop: qops ? 'auth' : undefined,
    userhash: p.get('userhash')?.toLowerCase() === 'true',
    nc: 0,
  };
}

function hash(algorithm: DigestHash, text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** The Digest `Authorization` value for one request (increments the nonce count). */
export function digestAuthorization(
  state: DigestState,
  credentials: Credentials,
  method: string,
  uri: string,
  cnonce = randomBytes(16).toString('hex'),
): string {
  const h = (text: string) => hash(state.algorithm.hash, text);
  state.nc += 1;
  const nc = state.nc.toString(16).padStart(8, '0');
  let ha1 = h(`${credentials.user}:${state.realm}:${credentials.password}`);
  if (state.algorithm.sess) ha1 = h(`${ha1}:${state.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const response = state.qop
    ? h(`${ha1}:${state.nonce}:${nc}:${cnonce}:${state.qop}:${ha2}`)
    : h(`${ha1}:${state.nonce}:${ha2}`);
  const username = state.userhash ? h(`${credentials.user}:${state.realm}`) : credentials.user;
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(state.realm)}`,
    `nonce=${quote(state.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${state.algorithm.name}`,
    `response=${quote(response)}`,
  ];
  if (state.opaque !== undefined) parts.push(`opaque=${quote(state.opaque)}`);
  if (state.qop) parts.push(`qop=${state.qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (state.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/** `Basic base64(user:password)` (UTF-8, RFC 7617). */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Credential cache

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** A realm on an origin and the credentials that work there. */
interface ProtectionSpace {
  readonly scheme: AuthScheme;
  readonly realm: string;
  credentials: Credentials;
  /** Path prefix known to be protected by this space (pre-emptive sending). */
  directory: string;
  digest: DigestState | undefined;
}

/** Where an authentication attempt ends: retry with `Retry`'s fields, or fail. */
type Outcome<Retry> =
  | ({ readonly kind: 'retry' } & Retry)
  | { readonly kind: 'fail'; readonly error: AuthenticationError };

/** An outcome now, or a question for the application first. */
type Step<O> =
  | O
  | {
      readonly kind: 'ask';
      readonly authenticator: Authenticator;
      /** Call after the app filled the authenticator: 'retry' or 'fail'. */
      answer(): O;
    };

export type AuthOutcome = Outcome<{ readonly authorization: string }>;
export type AuthStep = Step<AuthOutcome>;

export interface AuthRequest {
  readonly method: string;
  readonly url: URL | string;
}

const maxAttempts = 8;

/** Credentials per origin and realm, kept by the manager for its lifetime. */
export class CredentialCache {
  readonly #proxies = new Map<string, Credentials>();

  /** Starts authentication bookkeeping for one request to one URL. */
  begin(request: AuthRequest): RequestAuthentication {
    return new RequestAuthentication(this, request);
  }

  /** Starts proxy authentication bookkeeping for one request through `proxy`. */
  beginProxy(proxy: NetworkProxy): ProxyAuthentication {
    return new ProxyAuthentication(this, proxy);
  }

  proxy(proxy: { host?: string; port?: number }): Credentials | undefined {
    return this.#proxies.get(`${proxy.host}:${proxy.port}`);
  }

  rememberProxy(proxy: { host?: string; port?: number }, credentials: Credentials): void {
    this.#proxies.set(`${proxy.host}:${proxy.port}`, {
      user: credentials.user,
      password: credentials.password,
    });
  }

  forgetProxy(proxy: { host?: string; port?: number }): void {
    this.#proxies.delete(`${proxy.host}:${proxy.port}`);
  }
}

const spacesByCache = new WeakMap<CredentialCache, Map<string, ProtectionSpace[]>>();

/** The protection spaces a cache knows on an origin (kept outside the class: not public). */
function spacesOf(cache: CredentialCache, origin: string): ProtectionSpace[] {
  let byOrigin = spacesByCache.get(cache);
  if (!byOrigin) {
    byOrigin = new Map();
    spacesByCache.set(cache, byOrigin);
  }
  let list = byOrigin.get(origin);
  if (!list) {
    list = [];
    byOrigin.set(origin, list);
  }
  return list;
}

function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1) || '/';
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return directoryOf(a.slice(0, i));
}

/** Authentication state of one request; see the header comment for the calls. */
export class RequestAuthentication {
  readonly #method: string;
  readonly #url: URL | undefined;
  readonly #uri: string;
  #urlCredentials: Credentials | undefined;
  #sent: { space: ProtectionSpace; credentials: Credentials } | undefined;
  #attempts = 0;

  constructor(
    readonly cache: CredentialCache,
    request: AuthRequest,
  ) {
    this.#method = request.method.toUpperCase();
    let url: URL | undefined;
    try {
      url = typeof request.url === 'string' ? new URL(request.url) : request.url;
    } catch {
      url = undefined;
    }
    this.#url = url;
    this.#uri = url ? `${url.pathname}${url.search}` : '/';
    if (url && (url.username || url.password)) {
      this.#urlCredentials = {
        user: safeDecode(url.username),
        password: safeDecode(url.password),
      };
    }
  }

  /** A pre-emptive `Authorization` value when this URL is in a known protection space. */
  authorization(): string | undefined {
    if (!this.#url) return undefined;
    const space = spacesOf(this.cache, this.#url.origin).find((s) =>
      this.#url!.pathname.startsWith(s.directory),
    );
    if (!space) return undefined;
    return this.#send(space, space.credentials);
  }

  /** The server answered 401 (or a proxy 407) with these challenge header value(s). */
  challenged(header: string | readonly string[] | undefined): AuthStep {
    if (!this.#url) return fail('NoCredentials', 'the request URL is not valid');
    if (++this.#attempts > maxAttempts) {
      return fail('CredentialsRejected', `gave up after ${maxAttempts} attempts`);
    }
    const parsed = parseChallenges(header);
    if (!parsed.ok) return { kind: 'fail', error: parsed.error };
    const chosen = choose(parsed.challenges);
    if (!chosen) {
      const schemes = parsed.challenges.map((c) => c.scheme).join(', ');
      return fail('UnsupportedScheme', `no supported authentication scheme in: ${schemes}`);
    }
    const spaces = spacesOf(this.cache, this.#url.origin);
    const known = spaces.find((s) => s.scheme === chosen.scheme && s.realm === chosen.realm);
    const sent = this.#sent;
    // A stale nonce is not a wrong password: answer the new nonce with the same credentials.
    if (sent && chosen.digest && chosen.challenge.params.get('stale')?.toLowerCase() === 'true') {
      return this.#retry(chosen, sent.credentials);
    }
    if (sent && known && sameCredentials(sent.credentials, known.credentials)) {
      spaces.splice(spaces.indexOf(known), 1); // refused: do not offer it again
    } else if (known && !sent) {
      return this.#retry(chosen, known.credentials);
    }
    if (this.#urlCredentials && !sent) {
      const credentials = this.#urlCredentials;
      this.#urlCredentials = undefined;
      return this.#retry(chosen, credentials);
    }
    const authenticator = new Authenticator(
      chosen.scheme,
      chosen.realm,
      Object.fromEntries(chosen.challenge.params),
    );
    const refused = sent?.credentials;
    return {
      kind: 'ask',
      authenticator,
      answer: () => {
        if (authenticator.isNull()) {
          return fail('NoCredentials', `no credentials given for realm "${chosen.realm}"`);
        }
        const given = { user: authenticator.user, password: authenticator.password };
        if (refused && sameCredentials(refused, given)) {
          return fail('CredentialsRejected', `credentials refused for realm "${chosen.realm}"`);
        }
        return this.#retry(chosen, given);
      },
    };
  }

  /** The response to the last retry was not a 401: the credentials are good. */
  succeeded(): void {
    const sent = this.#sent;
    if (!sent || !this.#url) return;
    sent.space.credentials = sent.credentials;
    sent.space.directory = commonPrefix(sent.space.directory, directoryOf(this.#url.pathname));
  }

  #retry(chosen: Chosen, credentials: Credentials): AuthOutcome {
    const spaces = spacesOf(this.cache, this.#url!.origin);
    let space = spaces.find((s) => s.scheme === chosen.scheme && s.realm === chosen.realm);
    if (!space) {
      space = {
        scheme: chosen.scheme,
        realm: chosen.realm,
        credentials,
        directory: directoryOf(this.#url!.pathname),
        digest: undefined,
      };
      spaces.push(space);
    }
    space.credentials = credentials;
    space.digest = chosen.digest;
    return { kind: 'retry', authorization: this.#send(space, credentials) };
  }

  #send(space: ProtectionSpace, credentials: Credentials): string {
    this.#sent = { space, credentials };
    return space.digest
      ? digestAuthorization(space.digest, credentials, this.#method, this.#uri)
      : basicAuthorization(credentials);
  }
}

interface Chosen {
  readonly scheme: AuthScheme;
  readonly realm: string;
  readonly challenge: AuthChallenge;
  readonly digest: DigestState | undefined;
}

/** The strongest challenge we can answer: Digest (strongest hash) over Basic. */
function choose(challenges: readonly AuthChallenge[]): Chosen | undefined {
  let best: Chosen | undefined;
  let bestRank = 0;
  for (const challenge of challenges) {
    if (challenge.scheme === 'digest') {
      const digest = digestStateOf(challenge);
      const rank = digest ? 10 + strength[digest.algorithm.hash] : 0;
      if (digest && rank > bestRank) {
        best = { scheme: 'Digest', realm: digest.realm, challenge, digest };
        bestRank = rank;
      }
    } else if (challenge.scheme === 'basic' && bestRank < 1) {
      best = {
        scheme: 'Basic',
        realm: challenge.params.get('realm') ?? '',
        challenge,
        digest: undefined,
      };
      bestRank = 1;
    }
  }
  return best;
}

function fail(problem: AuthenticationProblem, message: string): AuthOutcome {
  return { kind: 'fail', error: new AuthenticationError(problem, message) };
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  return a.user === b.user && a.password === b.password;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type ProxyAuthOutcome = Outcome<{ readonly proxy: NetworkProxy }>;
export type ProxyAuthStep = Step<ProxyAuthOutcome>;

/** Proxy authentication state of one request; see the header comment for the calls. */
export class ProxyAuthentication {
  #sent: Credentials | undefined;
  #attempts = 0;

  constructor(
    readonly cache: CredentialCache,
    readonly configured: NetworkProxy,
  ) {}

  /** The proxy to send through: the app's credentials, else ones that worked before. */
  proxy(): NetworkProxy {
    const own = this.configured.user !== undefined || this.configured.password !== undefined;
    const credentials = own
      ? { user: this.configured.user ?? '', password: this.configured.password ?? '' }
      : this.cache.proxy(this.configured);
    this.#sent = credentials;
    return credentials ? this.#with(credentials) : this.configured;
  }

  /** The proxy refused (ProxyAuthenticationRequiredError): ask the app, or give up. */
  refused(): ProxyAuthStep {
    if (++this.#attempts > maxAttempts) {
      return {
        kind: 'fail',
        error: new AuthenticationError('CredentialsRejected', 'proxy: too many attempts'),
      };
    }
    const sent = this.#sent;
    const remembered = this.cache.proxy(this.configured);
    if (sent && remembered && sameCredentials(sent, remembered))
      this.cache.forgetProxy(this.configured);
    const authenticator = newProxyAuthenticator(this.configured);
    return {
      kind: 'ask',
      authenticator,
      answer: () => {
        if (authenticator.isNull()) {
          return {
            kind: 'fail',
            error: new AuthenticationError('NoCredentials', 'no proxy credentials given'),
          };
        }
        const given = { user: authenticator.user, password: authenticator.password };
        if (sent && sameCredentials(sent, given)) {
          return {
            kind: 'fail',
            error: new AuthenticationError('CredentialsRejected', 'proxy credentials refused'),
          };
        }
        this.#sent = given;
        return { kind: 'retry', proxy: this.#with(given) };
      },
    };
  }

  /** The proxy let the request through: remember the credentials for it. */
  succeeded(): void {
    if (this.#sent) this.cache.rememberProxy(this.configured, this.#sent);
  }

  #with(credentials: Credentials): NetworkProxy {
    return { ...this.configured, user: credentials.user, password: credentials.password };
  }
}
