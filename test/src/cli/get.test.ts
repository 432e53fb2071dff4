/**
 * `netbearer get` as a user runs it: the built command in its own process, against real
 * servers started here (nginx, httpbin, tinyproxy).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type Httpbin,
  type Nginx,
  startHttpbin,
  startNginx,
  startTinyproxy,
  type Tinyproxy,
} from '../support/http-servers/index.js';

const cli = fileURLToPath(new URL('../../../netbearer/dist/cli.js', import.meta.url));

interface Outcome {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs the command with no proxy in its environment; resolves with how it ended. */
function get(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy']) {
    if (!(name in env)) delete clean[name];
    if (!(name.toUpperCase() in env)) delete clean[name.toUpperCase()];
  }
  delete clean.NETBEARER_INSPECT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, 'get', ...args],
      { env: clean, encoding: 'buffer', timeout: 25_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** This machine's own non-loopback IPv4 address: a URL on it is not loopback to the manager. */
function ownAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) {
    throw new Error('no non-loopback IPv4 address on this machine: a session cannot be shown');
  }
  return address;
}

let nginx: Nginx;
let httpbin: Httpbin;
let tinyproxy: Tinyproxy;
let dir: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);
  // 0.0.0.0: also reachable on this machine's own address, for the session case.
  [nginx, httpbin, tinyproxy] = await Promise.all([
    startNginx({ host: '0.0.0.0', largeFileBytes: 8 * 1024 * 1024 }),
    startHttpbin(),
    startTinyproxy(),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'netbearer-get-'));
});
afterAll(async () => {
  await Promise.all([nginx?.stop(), httpbin?.stop(), tinyproxy?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const file = (name: string) => nginx.file(name);

describe.concurrent('netbearer get against nginx', () => {
  it('writes the body to stdout, decoded, byte-identical to the file', async () => {
    const hello = file('hello.txt');
    const { code, stdout, stderr } = await get([`${nginx.httpOrigin}/hello.txt`]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(sha256(stdout)).toBe(hello.sha256);
    // It was sent compressed (nginx gzips text): the command decoded it.
    const entry = nginx.accessLog().findLast((e) => e.uri === '/hello.txt');
    expect(entry?.contentEncoding).toBe('gzip');
  });

  it('-o writes the file under its name only at the end, byte-identical; no temporary file stays', async () => {
    const large = file('large.bin');
    const target = join(dir, 'large.bin');
    const { code, stdout, stderr } = await get([`${nginx.httpOrigin}/large.bin`, '-o', target]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.length).toBe(0);
    expect(sha256(await readFile(target))).toBe(large.sha256);
    expect((await readdir(dir)).filter((n) => n.includes('large.bin'))).toEqual(['large.bin']);
  });

  it('--json prints a one-line summary: status, bytes, ranges, configurations, timing', async () => {
    const data = file('data.bin');
    const target = join(dir, 'data.bin');
    const { code, stdout } = await get([`${nginx.httpOrigin}/data.bin`, '-o', target, '--json']);
    expect(code).toBe(0);
    const lines = stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({
      method: 'GET',
      status: 200,
      error: 'NoError',
      bytes: data.size,
      fromCache: false,
      resumedRanges: [],
      // Loopback never opens a session.
      configurations: [],
      output: target,
    });
    expect(summary.timing.totalMs).toBeGreaterThanOrEqual(summary.timing.headersMs);
    expect(sha256(await readFile(target))).toBe(data.sha256);
  });

  it('SIGTERM mid-download exits 1 with OperationCanceledError and leaves no file at all', async () => {
    const target = join(dir, 'interrupted.bin');
    const child = spawn(
      process.execPath,
      [cli, 'get', `${nginx.httpOrigin}/slow/large.bin`, '-o', target],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The temporary file beside the target has bytes: the transfer is under way.
    const partial = async () => {
      for (const name of await readdir(dir)) {
        if (name.startsWith('.interrupted.bin.') && (await stat(join(dir, name))).size > 0) {
          return true;
        }
      }
      return false;
    };
    const deadline = Date.now() + 20_000;
    while (!(await partial())) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`no partial file in time: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    expect(await exit).toBe(1);
    expect(stderr).toMatch(/^netbearer: OperationCanceledError: /m);
    expect((await readdir(dir)).filter((n) => n.includes('interrupted'))).toEqual([]);
  });

  it('a 404 exits 1 with ContentNotFoundError and leaves no file', async () => {
    const target = join(dir, 'missing.txt');
    const { code, stdout, stderr } = await get([`${nginx.httpOrigin}/missing.txt`, '-o', target]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^netbearer: ContentNotFoundError: .*(404|Not Found)/);
    expect(stdout.length).toBe(0);
    expect(existsSync(target)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes('missing'))).toEqual([]);
  });

  it('a refused connection exits 1 with ConnectionRefusedError', async () => {
    const port = await freePort();
    const { code, stderr } = await get([`http://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^netbearer: ConnectionRefusedError: .*ECONNREFUSED/);
  });

  it('--proxy sends the request through tinyproxy', async () => {
    const hello = file('hello.txt');
    const url = `${nginx.httpOrigin}/hello.txt?via=proxy`;
    const { code, stdout } = await get([url, '--proxy', tinyproxy.url]);
    expect(code).toBe(0);
    expect(sha256(stdout)).toBe(hello.sha256);
    expect(tinyproxy.requests()).toContainEqual({ method: 'GET', target: url });
  });

  it('--engine simulated with --configuration: a session opens for a non-loopback URL', async () => {
    const url = `http://${ownAddress()}:${nginx.ports.http}/data.bin`;
    const { code, stdout, stderr } = await get([
      url,
      '--engine',
      'simulated',
      '--configuration',
      'Mobile',
      '--json',
    ]);
    expect(stderr).toMatch(/^session: connected on Mobile \(sim:mobile\)$/m);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.toString());
    expect(summary).toMatchObject({ status: 200, bytes: file('data.bin').size });
    expect(summary.configurations).toEqual(['sim:mobile']);
  });
});

describe.concurrent('netbearer get against httpbin', () => {
  it('POSTs -d @file, with a -H header', async () => {
    const body = join(dir, 'body.json');
    await writeFile(body, '{"order":42}');
    const { code, stdout } = await get([
      `${httpbin.origin}/anything`,
      '-d',
      `@${body}`,
      '-H',
      'Content-Type: application/json',
      '-H',
      'X-Netbearer-Test: yes please',
    ]);
    expect(code).toBe(0);
    const echoed = JSON.parse(stdout.toString());
    expect(echoed.method).toBe('POST');
    expect(echoed.data).toBe('{"order":42}');
    expect(echoed.json).toEqual({ order: 42 });
    expect(echoed.headers['X-Netbearer-Test']).toBe('yes please');
  });

  it('-X takes another verb', async () => {
    const { code, stdout } = await get([`${httpbin.origin}/anything`, '-X', 'PATCH', '-d', 'x=1']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout.toString()).method).toBe('PATCH');
  });
});

// Each case is checked in netbearer/src/get/get-options.test.ts; here, that the built command
// exits 2 with the usage for them.
describe.concurrent('netbearer get usage errors exit 2', () => {
  it.each([
    ['no URL', []],
    ['an unknown flag', ['http://127.0.0.1/', '--frobnicate']],
    ['a header without a colon', ['http://127.0.0.1/', '-H', 'NoColon']],
    ['-d @ a missing file', ['http://127.0.0.1/', '-d', '@/nonexistent/netbearer-body']],
  ])('%s', async (_, args) => {
    const { code, stdout, stderr } = await get(args);
    expect(code).toBe(2);
    expect(stdout.length).toBe(0);
    expect(stderr).toMatch(/^netbearer: .+\n\nusage: netbearer get/);
  });
});
