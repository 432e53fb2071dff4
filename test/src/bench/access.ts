import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkAccessManager, NetworkDiskCache, NetworkRequest } from '@netbearer/access';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { type NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import { Agent, buildConnector, request } from 'undici';
import { type Nginx, startNginx } from '../support/http-servers/index.js';
import { type BenchLine, line, median } from './measure.js';

/**
 * The access manager against what an application would use instead, side by side in one run
 * on one loopback nginx (the rig's; its start is not timed): undici's `request` (what the
 * manager is built on: the cost of being connection-aware), and the global `fetch`.
 *
 * The manager runs with an open simulated session, as on a device whose network it manages:
 * its URLs name a made-up host, routed by `dispatcherFor` to nginx (a loopback URL would never
 * touch a session), through an Agent made like the one `request` gets.
 */

const smallCount = 2_000;
const concurrency = 6;
const largeBytes = 8 * 1024 * 1024;
const rounds = 5;
const sessionHost = 'files.bench.example';

type Fetcher = (path: string) => Promise<number>;

interface Rig {
  nginx: Nginx;
  world: SimulatedWorld;
  manager: NetworkConfigurationManager;
  a: string;
  b: string;
  routed: Agent;
  plain: Agent;
  cleanups: Array<() => Promise<unknown> | unknown>;
}

/** An Agent as `request` gets it, whose connections go to nginx whatever host is named. */
function routedAgent(port: string): Agent {
  const connect = buildConnector({});
  return new Agent({
    connections: concurrency,
    connect: (options, callback) => connect({ ...options, hostname: '127.0.0.1', port }, callback),
  });
}

async function startRig(): Promise<Rig> {
  const nginx = await startNginx({ largeFileBytes: largeBytes });
  const cleanups: Rig['cleanups'] = [() => nginx.stop()];
  try {
    // 13 bytes, binary (never gzipped), modified a month ago: heuristically fresh for days.
    const small = join(nginx.root, 'small.bin');
    await writeFile(small, 'hello, world\n');
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    await utimes(small, monthAgo, monthAgo);
    const world = new SimulatedWorld({ connectDelay: 5 });
    const a = world.addAccessPoint({ name: 'A', identifier: 'sim:a', interfaceName: 'wlan0' });
    const b = world.addAccessPoint({ name: 'B', identifier: 'sim:b', interfaceName: 'wlan1' });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    cleanups.push(() => manager.dispose());
    const port = String(nginx.ports.http);
    const routed = routedAgent(port);
    const plain = new Agent({ connections: concurrency });
    cleanups.push(
      () => routed.destroy(),
      () => plain.destroy(),
    );
    return { nginx, world, manager, a, b, routed, plain, cleanups };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
}

/** A manager whose session on `configuration` is open (opened by a first request). */
async function openManager(
  rig: Rig,
  configuration: NetworkConfiguration,
  options: { cache?: NetworkDiskCache; dispatcher?: Agent } = {},
): Promise<NetworkAccessManager> {
  const dispatcher = options.dispatcher ?? rig.routed;
  const nam = new NetworkAccessManager({
    manager: rig.manager,
    configuration,
    dispatcherFor: () => dispatcher,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  rig.cleanups.push(() => nam.dispose());
  const connected = new Promise<void>((resolve) => nam.once('networkSessionConnected', resolve));
  await managerFetcher(nam)('/small.bin');
  await connected;
  return nam;
}

function managerFetcher(nam: NetworkAccessManager, control?: 'PreferCache'): Fetcher {
  return async (path) => {
    const req = new NetworkRequest(`http://${sessionHost}${path}`);
    if (control) req.setAttribute('CacheLoadControlAttribute', control);
    const reply = nam.get(req);
    const body = await reply.readAll();
    if (reply.error() !== 'NoError') throw new Error(`${path}: ${reply.errorString()}`);
    return body.byteLength;
  };
}

function requestFetcher(origin: string, dispatcher: Agent): Fetcher {
  return async (path) => {
    const { statusCode, body } = await request(`${origin}${path}`, { dispatcher });
    const bytes = await body.arrayBuffer();
    if (statusCode !== 200) throw new Error(`${path}: ${statusCode}`);
    return bytes.byteLength;
  };
}

function fetchFetcher(origin: string): Fetcher {
  return async (path) => {
    const response = await fetch(`${origin}${path}`);
    const bytes = await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return bytes.byteLength;
  };
}

/** `count` GETs, `concurrency` at a time: requests per second and each one's latency. */
async function smallGets(fetcher: Fetcher, count = smallCount) {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const started = performance.now();
      await fetcher('/small.bin');
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return { perSecond: count / seconds, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

async function download(fetcher: Fetcher): Promise<number> {
  const started = performance.now();
  const bytes = await fetcher('/large.bin');
  if (bytes !== largeBytes) throw new Error(`large.bin: ${bytes} bytes`);
  return bytes / 1024 / 1024 / ((performance.now() - started) / 1000);
}

/** Runs each variant once a round, in turn, so load on the machine hits them alike. */
async function interleaved<K extends string>(
  variants: Record<K, () => Promise<number>>,
): Promise<Record<K, number>> {
  const samples = Object.fromEntries(
    Object.keys(variants).map((k) => [k, []]),
  ) as unknown as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of Object.keys(variants) as K[]) samples[key].push(await variants[key]());
  }
  return Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, median(v as number[])]),
  ) as Record<K, number>;
}

/**
 * Time from the new link's activation (the configuration manager reports B Active, which is
 * what makes the session emit newConfigurationActivated) to the first byte of the resumed
 * download delivered to the application; baseline: a fresh GET's first byte on a new
 * connection, the least a resume can cost.
 */
async function roamToResumedByte(rig: Rig): Promise<{ roam: number; fresh: number }> {
  const roams: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const world = new SimulatedWorld({ connectDelay: 5 });
    const a = world.addAccessPoint({ name: 'A', identifier: 'sim:a', interfaceName: 'wlan0' });
    const b = world.addAccessPoint({ name: 'B', identifier: 'sim:b', interfaceName: 'wlan1' });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const agent = routedAgent(String(rig.nginx.ports.http));
    const freshAgent = routedAgent(String(rig.nginx.ports.http));
    let onHeaders: ((message: unknown) => void) | undefined;
    const nam = new NetworkAccessManager({
      manager,
      configuration: manager.configurationFromIdentifier(a),
      dispatcherFor: () => agent,
    });
    try {
      const reply = nam.get(`http://${sessionHost}/slow/large.bin?roam=${i}`);
      let activatedAt: number | undefined;
      let resumedHeaders = false;
      let resumedAt: number | undefined;
      manager.on('configurationChanged', (c) => {
        if (c.identifier() === b && c.state() === 'Active') activatedAt ??= performance.now();
      });
      // The resumed request's 206: bytes read after it are the resumed ones.
      onHeaders = (message) => {
        const { response } = message as { response: { statusCode: number } };
        if (response.statusCode === 206) resumedHeaders = true;
      };
      subscribe('undici:request:headers', onHeaders);
      let offered = false;
      reply.on('readyRead', () => {
        if (!offered) {
          offered = true;
          world.offerBetter(a, b);
        } else if (resumedHeaders) resumedAt ??= performance.now();
        reply.read();
      });
      // The rest is not needed: stop once the resumed bytes came.
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (resumedAt !== undefined || reply.isFinished()) {
            clearInterval(check);
            resolve();
          }
        }, 5);
        setTimeout(() => {
          clearInterval(check);
          reject(new Error('roam benchmark: no resumed byte within 20 s'));
        }, 20_000).unref();
      });
      if (activatedAt === undefined || resumedAt === undefined) {
        throw new Error(`roam benchmark: the download did not move (${reply.errorString()})`);
      }
      roams.push(resumedAt - activatedAt);
      reply.abort();
      const started = performance.now();
      const first = await request(`${rig.nginx.httpOrigin}/small.bin`, {
        dispatcher: freshAgent,
      });
      fresh.push(performance.now() - started);
      await first.body.dump();
    } finally {
      if (onHeaders) unsubscribe('undici:request:headers', onHeaders);
      await nam.dispose();
      await Promise.all([agent.destroy(), freshAgent.destroy()]);
      await manager.dispose();
    }
  }
  return { roam: median(roams), fresh: median(fresh) };
}

export async function accessBenchmarks(): Promise<BenchLine[]> {
  const rig = await startRig();
  const cacheDirectory = await mkdtemp(join(tmpdir(), 'netbearer-bench-cache-'));
  rig.cleanups.push(() => rm(cacheDirectory, { recursive: true, force: true }));
  try {
    const origin = rig.nginx.httpOrigin;
    const open = rig.manager.configurationFromIdentifier(rig.a);
    const nam = await openManager(rig, open);
    const loopback = new NetworkAccessManager({});
    rig.cleanups.push(() => loopback.dispose());
    const cache = new NetworkDiskCache({ directory: cacheDirectory });
    const cached = await openManager(rig, open, { cache });
    const fetchers = {
      manager: managerFetcher(nam),
      request: requestFetcher(origin, rig.plain),
      fetch: fetchFetcher(origin),
      loopback: async (path: string) => {
        const reply = loopback.get(`${origin}${path}`);
        const body = await reply.readAll();
        if (reply.error() !== 'NoError') throw new Error(reply.errorString());
        return body.byteLength;
      },
    };
    // Warm-up: connections open, JIT warm.
    for (const f of Object.values(fetchers)) await smallGets(f, 200);
    const p99: Record<string, number[]> = { manager: [], request: [], fetch: [] };
    const small = await interleaved({
      manager: async () => {
        const r = await smallGets(fetchers.manager);
        p99.manager!.push(r.p99);
        return r.perSecond;
      },
      request: async () => {
        const r = await smallGets(fetchers.request);
        p99.request!.push(r.p99);
        return r.perSecond;
      },
      fetch: async () => {
        const r = await smallGets(fetchers.fetch);
        p99.fetch!.push(r.p99);
        return r.perSecond;
      },
      loopback: async () => (await smallGets(fetchers.loopback)).perSecond,
    });
    const large = await interleaved({
      manager: () => download(fetchers.manager),
      request: () => download(fetchers.request),
      fetch: () => download(fetchers.fetch),
    });
    // The entry is stored by a first request, then served fresh from disk.
    await managerFetcher(cached)('/small.bin');
    const hits = managerFetcher(cached, 'PreferCache');
    const cacheRun = await interleaved({
      hit: async () => (await smallGets(hits)).perSecond,
      network: async () => (await smallGets(fetchers.manager)).perSecond,
    });
    const roam = await roamToResumedByte(rig);
    const gets = `access: ${smallCount} small GETs at concurrency ${concurrency}`;
    return [
      line(
        `${gets}, manager with an open session vs undici request`,
        small.manager,
        'req/s',
        small.request,
      ),
      line(
        `${gets}, manager with an open session vs global fetch`,
        small.manager,
        'req/s',
        small.fetch,
      ),
      line(
        `${gets}, manager on loopback (no session) vs undici request`,
        small.loopback,
        'req/s',
        small.request,
      ),
      line(
        `access: small GET p99 latency, manager with an open session vs undici request`,
        median(p99.manager!),
        'ms',
        median(p99.request!),
      ),
      line(
        `access: small GET p99 latency, manager with an open session vs global fetch`,
        median(p99.manager!),
        'ms',
        median(p99.fetch!),
      ),
      line(
        'access: 8 MiB download, manager with an open session vs undici request',
        large.manager,
        'MB/s',
        large.request,
      ),
      line(
        'access: 8 MiB download, manager with an open session vs global fetch',
        large.manager,
        'MB/s',
        large.fetch,
      ),
      line(
        `access: cache hit, ${smallCount} fresh small entries from the disk cache vs from the network`,
        cacheRun.hit,
        'req/s',
        cacheRun.network,
      ),
      line(
        'access: roam, new link active to the first resumed byte (baseline: a fresh GET on a new connection)',
        roam.roam,
        'ms',
        roam.fresh,
      ),
    ];
  } finally {
    for (const cleanup of rig.cleanups.reverse()) await cleanup();
  }
}
