import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type NetworkProxy, parseProxyUrl } from '@netbearer/access';

/** What `netbearer get` was asked to do, checked. */
export interface GetOptions {
  readonly url: string;
  /** The file to write the body to (absolute); undefined: stdout. */
  readonly output: string | undefined;
  readonly verb: string;
  readonly body: Uint8Array | undefined;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly proxy: NetworkProxy | undefined;
  /** A configuration's identifier or name to open the session on. */
  readonly configuration: string | undefined;
  readonly json: boolean;
}

/** The flags as the command line parser gives them. */
export interface GetFlags {
  readonly output?: string | boolean | undefined;
  readonly request?: string | boolean | undefined;
  readonly data?: string | boolean | undefined;
  readonly header?: readonly string[] | string | boolean | undefined;
  readonly proxy?: string | boolean | undefined;
  readonly configuration?: string | boolean | undefined;
  readonly json?: string | boolean | undefined;
}

/** A `get` command line that makes no sense: exit 2 with the usage. */
export class GetUsageError extends Error {
  override name = 'GetUsageError';
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, space, tab and obs-text; never CR, LF or NUL (RFC 9110 §5.5).
const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The flags `get` takes, for node:util parseArgs. */
export const getFlagSpec = {
  output: { type: 'string', short: 'o' },
  request: { type: 'string', short: 'X' },
  data: { type: 'string', short: 'd' },
  header: { type: 'string', short: 'H', multiple: true },
  proxy: { type: 'string' },
  configuration: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Checks the flags; `-d @file` is read here, so a missing file is a usage error. */
export async function getOptions(
  url: string,
  flags: GetFlags,
  cwd: string = process.cwd(),
): Promise<GetOptions> {
  if (!URL.canParse(url)) throw new GetUsageError(`not a URL: "${url}"`);
  const body = await data(flags.data, cwd);
  return {
    url,
    output: flags.output === undefined ? undefined : resolve(cwd, text(flags.output, '-o')),
    verb: verb(flags.request, body !== undefined),
    body,
    headers: headers(flags.header),
    proxy: proxy(flags.proxy),
    configuration: flags.configuration === undefined ? undefined : text(flags.configuration),
    json: flags.json === true,
  };
}

function text(value: string | boolean | readonly string[], option = ''): string {
  if (typeof value !== 'string' || value === '') {
    throw new GetUsageError(`${option || 'an option'} takes a value`);
  }
  return value;
}

/** -X, else POST when there is a body (as curl), else GET. */
function verb(value: string | boolean | undefined, hasBody: boolean): string {
  if (value === undefined) return hasBody ? 'POST' : 'GET';
  const verb = text(value, '-X');
  if (!token.test(verb) || verb.toUpperCase() === 'CONNECT') {
    throw new GetUsageError(`-X takes an HTTP method (a token, not CONNECT), got "${verb}"`);
  }
  return verb;
}

function headers(
  value: readonly string[] | string | boolean | undefined,
): Array<readonly [string, string]> {
  if (value === undefined) return [];
  const lines = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return lines.map((line) => {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    const headerValue = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (!token.test(name) || !fieldValue.test(headerValue)) {
      throw new GetUsageError(`-H takes "Name: value", got ${JSON.stringify(line)}`);
    }
    return [name, headerValue] as const;
  });
}

async function data(value: string | boolean | undefined, cwd: string) {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GetUsageError('-d takes data or @file');
  if (!value.startsWith('@')) return new Uint8Array(Buffer.from(value));
  const path = resolve(cwd, value.slice(1));
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new GetUsageError(`-d ${value}: cannot read ${path} (${reason})`);
  }
}

function proxy(value: string | boolean | undefined): NetworkProxy | undefined {
  if (value === undefined) return undefined;
  const proxy = parseProxyUrl(text(value, '--proxy'));
  if (!proxy) {
    throw new GetUsageError(
      `--proxy takes http://[user:password@]host:port or socks5://host:port, got "${String(value)}"`,
    );
  }
  return proxy;
}
