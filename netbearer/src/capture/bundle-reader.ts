/**
 * Reads a capture bundle. A bundle is a user's report, so it is hostile input: only the
 * paths the manifest names are read, each id must be a plain name, nothing is followed
 * through a symbolic link, every file and the whole are size-bounded, and anything wrong is
 * a `BundleError` naming the file.
 */
import { constants } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Bundle,
  type BundleEntry,
  bundleFormat,
  bundleLimits,
  idPattern,
  type Manifest,
  type RecordedCommand,
  type RecordedStream,
  type Redaction,
  redactions,
  type StreamEvent,
} from './bundle-format.js';
import { BundleError } from './errors.js';

type Json = Record<string, unknown>;

export async function readBundle(directory: string): Promise<Bundle> {
  const root = await stat(directory).catch(() => undefined);
  if (!root?.isDirectory()) throw new BundleError('NotABundle', '.', 'not a directory');
  const reader = new Reader(directory);
  const manifestText = await reader.file('manifest.json', bundleLimits.manifestBytes, true);
  const manifest = checkManifest(parseJson(manifestText, 'manifest.json'));
  const commands: RecordedCommand[] = [];
  for (const entry of manifest.commands) commands.push(await readCommand(reader, entry));
  const streams: RecordedStream[] = [];
  for (const entry of manifest.streams) streams.push(await readStream(reader, entry));
  return { manifest, commands, streams };
}

class Reader {
  #total = 0;
  constructor(readonly root: string) {}

  /** A plain file at a relative path whose every directory is a real one inside the bundle. */
  async file(relative: string, limit: number, manifest = false): Promise<Buffer> {
    const parts = relative.split('/');
    for (const part of parts) {
      if (part === '' || part === '.' || part === '..' || part.includes('\\')) {
        throw new BundleError('UnsafePath', relative, 'a path that leaves the bundle');
      }
    }
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const info = await lstat(join(this.root, dir)).catch(() => undefined);
      if (info === undefined) throw new BundleError('Missing', dir, 'missing');
      if (!info.isDirectory()) throw new BundleError('NotAFile', dir, 'not a plain directory');
    }
    const path = join(this.root, relative);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) {
      throw new BundleError(manifest ? 'NotABundle' : 'Missing', relative, 'missing');
    }
    if (!info.isFile()) throw new BundleError('NotAFile', relative, 'not a plain file');
    const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(
      (error: unknown) => {
        throw new BundleError('NotAFile', relative, 'cannot be opened', { cause: error });
      },
    );
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) throw new BundleError('NotAFile', relative, 'not a plain file');
      if (opened.size > limit) {
        throw new BundleError('TooLarge', relative, `${opened.size} bytes, more than ${limit}`);
      }
      // Read one byte past the limit, in case the file grew since.
      const buffer = Buffer.alloc(Math.min(limit + 1, opened.size + 1));
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > limit) throw new BundleError('TooLarge', relative, `more than ${limit} bytes`);
      this.#total += length;
      if (this.#total > bundleLimits.totalBytes) {
        throw new BundleError(
          'TooLarge',
          relative,
          `the bundle is over ${bundleLimits.totalBytes} bytes`,
        );
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  async json(relative: string): Promise<Json> {
    const value = parseJson(await this.file(relative, bundleLimits.jsonBytes), relative);
    if (!isObject(value)) throw malformed(relative, 'not a JSON object');
    return value;
  }
}

async function readCommand(reader: Reader, entry: BundleEntry): Promise<RecordedCommand> {
  const dir = `commands/${entry.id}`;
  const argv = await reader.json(`${dir}/argv.json`);
  const result = await reader.json(`${dir}/result.json`);
  const where = `${dir}/result.json`;
  const code = result.code;
  if (code !== null && !Number.isSafeInteger(code)) throw malformed(where, 'code');
  const signal = result.signal;
  if (signal !== null && typeof signal !== 'string') throw malformed(where, 'signal');
  if (typeof result.timedOut !== 'boolean') throw malformed(where, 'timedOut');
  const spawnError = result.spawnError;
  if (spawnError !== undefined && typeof spawnError !== 'string') {
    throw malformed(where, 'spawnError');
  }
  return {
    ...checkArgv(argv, `${dir}/argv.json`),
    verbatim: argv.verbatim === true,
    result: {
      stdout: await reader.file(`${dir}/stdout.bin`, bundleLimits.outputBytes),
      stderr: await reader.file(`${dir}/stderr.bin`, bundleLimits.outputBytes),
      code: code as number | null,
      signal: signal as string | null,
      timedOut: result.timedOut,
      ...(spawnError === undefined ? {} : { spawnError: spawnError as string }),
    },
    startMs: milliseconds(result.startMs, where, 'startMs'),
    durationMs: milliseconds(result.durationMs, where, 'durationMs'),
  };
}

async function readStream(reader: Reader, entry: BundleEntry): Promise<RecordedStream> {
  const dir = `streams/${entry.id}`;
  const argv = await reader.json(`${dir}/argv.json`);
  const result = await reader.json(`${dir}/result.json`);
  const where = `${dir}/result.json`;
  if (result.endedBy !== 'exit' && result.endedBy !== 'kill') throw malformed(where, 'endedBy');
  if (argv.stdin !== undefined && typeof argv.stdin !== 'string') {
    throw malformed(`${dir}/argv.json`, 'stdin');
  }
  if (argv.keepStdinOpen !== undefined && typeof argv.keepStdinOpen !== 'boolean') {
    throw malformed(`${dir}/argv.json`, 'keepStdinOpen');
  }
  const eventsPath = `${dir}/events.ndjson`;
  const text = (await reader.file(eventsPath, bundleLimits.eventsBytes)).toString('utf8');
  const events: StreamEvent[] = [];
  let previous = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (events.length >= bundleLimits.eventsPerStream) {
      throw new BundleError(
        'TooLarge',
        eventsPath,
        `more than ${bundleLimits.eventsPerStream} events`,
      );
    }
    const at = `${eventsPath} line ${index + 1}`;
    const event = parseJson(Buffer.from(line), at);
    if (!isObject(event)) throw malformed(at, 'not a JSON object');
    const t = milliseconds(event.t, at, 't');
    if (t < previous) throw malformed(at, 't goes back in time');
    previous = t;
    if (event.fd !== 1 && event.fd !== 2) throw malformed(at, 'fd');
    if (typeof event.b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(event.b64)) {
      throw malformed(at, 'b64');
    }
    events.push({ t, fd: event.fd, bytes: Buffer.from(event.b64, 'base64') });
  }
  return {
    ...checkArgv(argv, `${dir}/argv.json`),
    ...(argv.stdin === undefined ? {} : { stdin: argv.stdin as string }),
    ...(argv.keepStdinOpen === true ? { keepStdinOpen: true } : {}),
    events,
    endedBy: result.endedBy,
    startMs: milliseconds(result.startMs, where, 'startMs'),
    durationMs: milliseconds(result.durationMs, where, 'durationMs'),
  };
}

function checkManifest(value: unknown): Manifest {
  const where = 'manifest.json';
  if (!isObject(value)) throw malformed(where, 'not a JSON object');
  if (value.format !== bundleFormat) {
    throw new BundleError(
      'UnsupportedFormat',
      where,
      `format ${JSON.stringify(value.format)}; this netbearer reads format ${bundleFormat}`,
    );
  }
  const text = (key: string): string => {
    const v = value[key];
    if (typeof v !== 'string' || v.length > 1024) throw malformed(where, key);
    return v;
  };
  const redaction = value.redaction;
  if (!redactions.includes(redaction as Redaction)) throw malformed(where, 'redaction');
  const entries = (key: 'commands' | 'streams', limit: number): BundleEntry[] => {
    const list = value[key] ?? [];
    if (!Array.isArray(list)) throw malformed(where, key);
    if (list.length > limit) throw new BundleError('TooLarge', where, `more than ${limit} ${key}`);
    const ids = new Set<string>();
    return list.map((item: unknown, i) => {
      if (!isObject(item) || typeof item.id !== 'string') throw malformed(where, `${key}[${i}]`);
      if (!idPattern.test(item.id)) {
        throw new BundleError(
          'UnsafePath',
          where,
          `${key}[${i}] has the unsafe id ${JSON.stringify(item.id.slice(0, 80))}`,
        );
      }
      if (ids.has(item.id)) throw malformed(where, `${key}[${i}] repeats the id ${item.id}`);
      ids.add(item.id);
      return { id: item.id, ...checkArgv(item, where) };
    });
  };
  const seconds = value.seconds ?? 0;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw malformed(where, 'seconds');
  return {
    format: bundleFormat,
    tool: text('tool'),
    node: text('node'),
    platform: text('platform'),
    osRelease: text('osRelease'),
    osVersion: typeof value.osVersion === 'string' ? value.osVersion.slice(0, 1024) : '',
    arch: typeof value.arch === 'string' ? value.arch.slice(0, 64) : '',
    engine: text('engine'),
    redaction: redaction as Redaction,
    startedAt: text('startedAt'),
    seconds,
    commands: entries('commands', bundleLimits.commands),
    streams: entries('streams', bundleLimits.streams),
  };
}

function checkArgv(value: Json, where: string): { file: string; args: string[] } {
  const { file, args } = value;
  if (typeof file !== 'string' || file === '' || file.length > bundleLimits.argBytes) {
    throw malformed(where, 'file');
  }
  if (
    !Array.isArray(args) ||
    args.length > bundleLimits.args ||
    !args.every((a) => typeof a === 'string' && a.length <= bundleLimits.argBytes)
  ) {
    throw malformed(where, 'args');
  }
  return { file, args: args as string[] };
}

function milliseconds(value: unknown, where: string, key: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 2 ** 40) {
    throw malformed(where, key);
  }
  return value;
}

function parseJson(bytes: Buffer, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new BundleError('Malformed', where, 'not valid JSON', { cause: error });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(where: string, what: string): BundleError {
  return new BundleError('Malformed', where, `bad or missing ${what}`);
}
