/**
 * `netbearer inspect` and NETBEARER_INSPECT, as a user runs them: the built command in its own
 * process prints a URL whose page is served and whose token opens the socket, the demo world
 * is alive, and Ctrl-C or SIGTERM ends it with 0.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const cli = fileURLToPath(new URL('../../../netbearer/dist/cli.js', import.meta.url));

interface Running {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: URL;
  output(): string;
  exit: Promise<number | null>;
}

/** Starts the command and resolves once a URL shows on the stream named. */
function start(
  args: string[],
  env: NodeJS.ProcessEnv,
  stream: 'stdout' | 'stderr',
): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL in time: ${out}`));
    }, 20_000);
    const read = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      out += chunk.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
      if (which === stream && found) {
        clearTimeout(timer);
        resolve({ child, url: new URL(found[0]), output: () => out, exit });
      }
    };
    child.stdout.on('data', read('stdout'));
    child.stderr.on('data', read('stderr'));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before printing a URL: ${out}`));
    });
  });
}

function getPage(url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Opens the page's socket with the URL's token; resolves with the hello. */
function hello(url: URL): Promise<{ type: string; sessions: Array<{ configurationId: string }> }> {
  const token = url.hash.replace('#token=', '');
  const socket = new WebSocket(`ws://${url.host}/ws?token=${token}`, { origin: url.origin });
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => {
      socket.close();
      resolve(JSON.parse(data.toString()));
    });
    socket.once('error', reject);
  });
}

const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const out = { ...process.env, ...extra };
  delete out.NETBEARER_ENGINE;
  if (!('NETBEARER_INSPECT' in extra)) delete out.NETBEARER_INSPECT;
  return out;
};

describe('netbearer inspect', () => {
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);
  });

  it('prints a URL that serves the page and opens the socket with its token; Ctrl-C exits 0', async () => {
    const run = await start(['inspect', '--engine', 'simulated'], env({}), 'stdout');
    try {
      const page = await getPage(run.url);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<html');
      const greeting = await hello(run.url);
      expect(greeting.type).toBe('hello');
      // The demo world's sessions, busy on its configurations.
      const configurations = new Set(greeting.sessions.map((s) => s.configurationId));
      expect(configurations).toEqual(
        new Set(['sim:internet', 'sim:home-wifi', 'sim:cafe', 'sim:mobile']),
      );
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exit, run.output()).toBe(0);
  });

  it('SIGTERM ends it with 0 too, and --port is honoured', async () => {
    const run = await start(
      ['inspect', '--engine', 'simulated', '--port', '0', '--control'],
      env({}),
      'stdout',
    );
    expect((await getPage(run.url)).status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exit, run.output()).toBe(0);
  });

  it('refuses a bad --port with usage and exit 2', async () => {
    const child = spawn(process.execPath, [cli, 'inspect', '--port', '70000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env({}),
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--port takes a port number[\s\S]*usage: netbearer inspect/);
  });

  it('NETBEARER_INSPECT=1 makes createManager serve one and print its URL on stderr', async () => {
    const run = await start(
      ['watch', '--engine', 'simulated'],
      env({ NETBEARER_INSPECT: '1' }),
      'stderr',
    );
    try {
      expect(run.output()).toMatch(/netbearer: inspector at http:\/\/127\.0\.0\.1:/);
      expect((await getPage(run.url)).status).toBe(200);
      expect((await hello(run.url)).type).toBe('hello');
    } finally {
      run.child.kill('SIGINT');
    }
    // The manager's dispose closes the inspector: the process ends by itself.
    expect(await run.exit, run.output()).toBe(0);
  });
});
