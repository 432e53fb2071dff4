/**
 * The access manager roaming on a real NetworkManager (issue 7 §2, §4; nam.md §4, §6): nginx
 * in the sandbox's router namespace serves a service address on its `lo`, reachable over both
 * links; the client (engine, core manager, NetworkAccessManager) runs in a child inside the
 * client namespace, where NetworkManager's links are. B is the better link (autoconnect-priority
 * 10 over 0); its routes win too (metric 100 over A's 200), or, as in nam.md §6, they do not
 * (A 100, B 200), and the resumed download must still end up on B, since accepting the roam
 * takes A down. What each request did is read from nginx's access log and the router's
 * interface counters, never from the client.
 */

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessLogEntry, type Nginx, startNginx } from '../support/http-servers/index.js';
import { JsonLineChild } from '../support/json-line-child.js';
import type { ReplyOutcome } from '../support/nm-access-child.js';
import { nmId, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { type StagedChild, stageChild } from '../support/stage-child.js';
import { waitUntil } from '../support/wait.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const serviceAddress = '10.231.100.1';
const ports = { http: 8080, https: 8443, h2: 8444 };
const largeFile = '/slow/large.bin';
const cli = fileURLToPath(new URL('../../../netbearer/dist/cli.js', import.meta.url));

/** nmcli profile on link `link`: DHCP, no IPv6, no autoconnect; resolves with its uuid. */
async function addProfile(
  sandbox: NmSandbox,
  name: string,
  link: number,
  settings: { priority: number; routeMetric: number },
): Promise<string> {
  await sandbox.nmcli(
    ...['connection', 'add', 'type', 'ethernet', 'ifname', sandbox.linkName(link)],
    ...['con-name', name, 'autoconnect', 'no', 'ipv6.method', 'disabled'],
    ...['connection.autoconnect-priority', String(settings.priority)],
    ...['ipv4.method', 'auto', 'ipv4.route-metric', String(settings.routeMetric)],
  );
  return (await sandbox.nmcli('-g', 'connection.uuid', 'connection', 'show', name)).trim();
}

/**
 * nginx in the router namespace on 0.0.0.0 with a 64 MiB file (rate-limited under /slow/),
 * also answering on `serviceAddress` (a /32 on the router's lo), reachable over every link.
 */
async function startRouterNginx(sandbox: NmSandbox, bytesPerSecond: number): Promise<Nginx> {
  const router = `${sandbox.prefix}-router`;
  await run('ip', ['-n', router, 'addr', 'add', `${serviceAddress}/32`, 'dev', 'lo']);
  return startNginx({
    host: '0.0.0.0',
    ports,
    commandPrefix: ['ip', 'netns', 'exec', router],
    largeFileBytes: 64 * MiB,
    slowBytesPerSecond: bytesPerSecond,
  });
}

/** The access manager's process, in the client namespace. */
function startClient(sandbox: NmSandbox, staged: StagedChild): JsonLineChild {
  return new JsonLineChild(
    'access client',
    ['ip', 'netns', 'exec', `${sandbox.prefix}-client`, process.execPath, staged.entry],
    staged.dir,
  );
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const describeLog = (entries: readonly AccessLogEntry[]) =>
  entries.map((e) => `${e.method} ${e.uri} ${e.status} ${e.remoteAddress} range=${e.range}`);

// Staged once for the file: transpiling the workspace packages is the slow part of set-up.
let staged: StagedChild;
beforeAll(async () => {
  staged = await stageChild('test/src/support/nm-access-child.ts');
}, 60_000);
afterAll(async () => {
  await staged?.cleanup();
});

/** Bytes the router sent out of link i's interface (towards the client). */
async function routerSent(sandbox: NmSandbox, link: number): Promise<number> {
  const { stdout } = await run('ip', [
    ...['-n', `${sandbox.prefix}-router`, '-j', '-s', 'link', 'show', `rtr${link}`],
  ]);
  const [info] = JSON.parse(stdout) as [{ stats64: { tx: { bytes: number } } }];
  return info.stats64.tx.bytes;
}

const routeSetups = [
  { routes: 'routes prefer B', a: 200, b: 100 },
  { routes: 'routes prefer A (nam.md §6)', a: 100, b: 200 },
];

describe.each(routeSetups)(
  'NetworkAccessManager on NetworkManager: a download moves to the better link; $routes',
  ({ a, b }) => {
    const nm = useNmSandbox();
    let sandbox: NmSandbox;
    let nginx: Nginx;
    let client: JsonLineChild;
    let scratch: string;
    let linkA: string;
    let linkB: string;

    beforeAll(async () => {
      ({ sandbox } = await nm.start({ links: 2 }));
      linkA = nmId(await addProfile(sandbox, 'link-a', 0, { priority: 0, routeMetric: a }));
      linkB = nmId(await addProfile(sandbox, 'link-b', 1, { priority: 10, routeMetric: b }));
      await sandbox.linkDown(1);
      // Until NetworkManager sees B unplugged (carrier-wait), it would offer B at once.
      await waitUntil(
        async () => (await sandbox.deviceState(1)).startsWith('20 '),
        'link B to read unavailable',
      );
      // 8 MiB/s: 64 MiB take ~8 s, still running when B comes up a second in.
      nginx = await startRouterNginx(sandbox, 8 * MiB);
      scratch = await mkdtemp(join(tmpdir(), 'nb-access-roaming-'));
      client = startClient(sandbox, staged);
      await client.ready;
      // A resumed request stranded on a dead path fails as TimeoutError here, not in 300 s.
      await client.request('start', {
        busAddress: sandbox.busAddress,
        configuration: linkA,
        transferTimeout: 10_000,
      });
    }, 60_000);

    afterAll(async () => {
      await client?.end();
      await nginx?.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('migrates, accepts, resumes over B with Range + If-Range, and sends no POST twice', async () => {
      const file = join(scratch, 'large.bin');
      const served = nginx.file('large.bin');
      const url = `http://${serviceAddress}:${ports.http}`;

      const started = await client.request<{ received: number }>('get', {
        name: 'download',
        url: `${url}${largeFile}`,
        file,
        startedAfter: 2 * MiB,
      });
      expect(started.received).toBeGreaterThanOrEqual(2 * MiB);
      const before = await client.request<{ active: string; states: Record<string, string> }>(
        'states',
        { identifiers: [linkA, linkB] },
      );
      expect(before.active).toBe(linkA);
      expect(before.states[linkA]).toBe('Active');

      const uploadUri = `${nginx.uploadPath}roam-${Date.now()}`;
      const posting = await client.request<{ sent: number }>('post', {
        name: 'upload',
        url: `${url}${uploadUri}`,
        startedAfter: 16 * 1024,
      });
      expect(posting.sent).toBeGreaterThanOrEqual(16 * 1024);

      const sentOverB = await routerSent(sandbox, 1);
      await sandbox.linkUp(1);

      const upload = await client.request<ReplyOutcome>('outcome', { name: 'upload' }, 15_000);
      expect(upload.failure).toBe('TemporaryNetworkFailureError');
      expect(upload.error).toBe('TemporaryNetworkFailureError');

      const download = await client.request<ReplyOutcome>('outcome', { name: 'download' }, 30_000);
      expect(download, download.message).toMatchObject({ failure: null, error: 'NoError' });
      expect(download.status).toBe(200);
      expect(download.metaData).toBe(1);
      expect(download.bytes).toBe(served.size);
      expect(download.sha256).toBe(served.sha256);
      expect(await fileSha256(file)).toBe(served.sha256);

      const after = await client.request<{ active: string; states: Record<string, string> }>(
        'states',
        { identifiers: [linkA, linkB] },
      );
      expect(after.active).toBe(linkB);
      expect(after.states[linkB]).toBe('Active');
      // Accepted: the session let go of A, which it had brought up.
      await waitUntil(
        async () =>
          (
            await client.request<{ states: Record<string, string> }>('states', {
              identifiers: [linkA],
            })
          ).states[linkA] === 'Discovered',
        'link A to be let go after the roam was accepted',
      );

      // nginx logs a request when it ends: the aborted first GET and the resumed one.
      const log = await nginx.waitForAccessLog(
        (entries) => entries.filter((e) => e.uri === largeFile).length >= 2,
      );
      const gets = log.filter((e) => e.uri === largeFile);
      const [first, resumed, ...more] = [
        ...gets.filter((e) => e.range === null),
        ...gets.filter((e) => e.range !== null),
      ];
      expect(more, describeLog(log).join('\n')).toEqual([]);
      expect(first?.remoteAddress).toMatch(/^10\.231\.1\./);
      expect(first?.completed).toBe(false);
      expect(resumed).toMatchObject({
        method: 'GET',
        status: 206,
        ifRange: served.etag,
        completed: true,
      });
      expect(resumed?.remoteAddress).toMatch(/^10\.231\.2\./);
      const offset = Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1]);
      expect(offset).toBeGreaterThanOrEqual(started.received);
      expect(resumed?.bytesSent).toBe(served.size - offset);
      // And the bytes really came over B.
      expect((await routerSent(sandbox, 1)) - sentOverB).toBeGreaterThan(served.size - offset);

      // The POST reached nginx once (cut mid-body), and never again over B.
      const posts = log.filter((e) => e.uri === uploadUri);
      expect(posts, describeLog(log).join('\n')).toHaveLength(1);
      expect(posts[0]?.remoteAddress).toMatch(/^10\.231\.1\./);
      expect(posts[0]?.idempotencyKey).toBeNull();
    }, 45_000);
  },
);

describe('NetworkAccessManager on NetworkManager: the only link is cut', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let nginx: Nginx;
  let client: JsonLineChild;
  let scratch: string;
  let only: string;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm test does)`);
    ({ sandbox } = await nm.start({ links: 1 }));
    only = nmId(await addProfile(sandbox, 'only', 0, { priority: 0, routeMetric: 100 }));
    nginx = await startRouterNginx(sandbox, 4 * MiB);
    scratch = await mkdtemp(join(tmpdir(), 'nb-access-cut-'));
    client = startClient(sandbox, staged);
    await client.ready;
    // A body timeout far beyond what the test waits for: only the session's loss can end it.
    await client.request('start', {
      busAddress: sandbox.busAddress,
      configuration: only,
      transferTimeout: 60_000,
    });
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await nginx?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('fails the download with NetworkSessionFailedError within seconds, not a body timeout', async () => {
    await client.request('get', {
      name: 'download',
      url: `http://${serviceAddress}:${ports.http}${largeFile}`,
      file: join(scratch, 'large.bin'),
      startedAfter: 1 * MiB,
    });
    const cutAt = Date.now();
    await sandbox.linkDown(0);
    const download = await client.request<ReplyOutcome>('outcome', { name: 'download' }, 15_000);
    expect(download.failure, download.message).toBe('NetworkSessionFailedError');
    expect(download.error).toBe('NetworkSessionFailedError');
    // NetworkManager takes the link down ~0.5-0.8 s after the carrier goes (carrier-wait 500).
    expect(download.finishedAt - cutAt).toBeLessThan(3_000);
    expect(download.bytes).toBeLessThan(64 * MiB);
  }, 30_000);

  it('netbearer get: exits 1 with NetworkSessionFailedError within seconds of the cut', async () => {
    await sandbox.linkUp(0);
    const output = join(scratch, 'by-get.bin');
    const get = runGet(sandbox, [
      ...['get', `http://${serviceAddress}:${ports.http}${largeFile}`, '-o', output],
      ...['--configuration', only, '--json'],
    ]);
    // Bytes are flowing into the command's partial file: the download is under way.
    const early = get.result.then(({ code, stderr, stdout }) => {
      throw new Error(`netbearer get exited early (${code}): ${stderr}${stdout}`);
    });
    early.catch(() => {});
    await Promise.race([
      waitUntil(
        () => partialBytes(scratch, 'by-get.bin') >= 1 * MiB,
        'netbearer get to receive a megabyte',
        {
          timeoutMs: 15_000,
        },
      ),
      early,
    ]);
    const cutAt = Date.now();
    await sandbox.linkDown(0);
    const { code, stdout, stderr, exitedAt } = await get.result;
    expect(code, stderr).toBe(1);
    expect(exitedAt - cutAt).toBeLessThan(3_000);
    expect(stderr).toMatch(/^netbearer: NetworkSessionFailedError: /m);
    const summary = JSON.parse(stdout) as { error: string; bytes: number; output: unknown };
    expect(summary).toMatchObject({
      error: 'NetworkSessionFailedError',
      output: null,
      configurations: [only],
      resumedRanges: [],
    });
    expect(summary.bytes).toBeGreaterThanOrEqual(1 * MiB);
    expect(summary.bytes).toBeLessThan(64 * MiB);
    // A failed download leaves nothing under the target's name, nor its partial file.
    expect(existsSync(output)).toBe(false);
    expect(partialBytes(scratch, 'by-get.bin')).toBe(0);
  }, 30_000);
});

/** The built command, as a user runs it, inside the sandbox's client namespace. */
function runGet(sandbox: NmSandbox, args: readonly string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: sandbox.busAddress };
  delete env.NETBEARER_ENGINE;
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      `${sandbox.prefix}-client`,
      process.execPath,
      cli,
      ...args,
      '--engine',
      'networkmanager',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const result = new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    exitedAt: number;
  }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, exitedAt: Date.now() });
    }),
  );
  return { result };
}

/** The size of `get`'s partial file for `name` in `dir` (`.<name>.<random>.part`), else 0. */
function partialBytes(dir: string, name: string): number {
  const part = readdirSync(dir).find((f) => f.startsWith(`.${name}.`) && f.endsWith('.part'));
  return part ? statSync(join(dir, part)).size : 0;
}
