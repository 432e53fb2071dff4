/**
 * Roaming on the simulated world: the manager takes part in application-level roaming
 * (preferredConfigurationChanged → migrate → newConfigurationActivated → accept) and moves its
 * transfers. Downloads resume with Range + If-Range on a strong validator, byte-identical; a
 * changed representation is never spliced; a POST in flight is never sent twice.
 *
 * The bytes come from the fault server (it records every request and can change the
 * representation between attempts), reached under a made-up host name, as in sessions.test.ts.
 */
import { createHash } from 'node:crypto';
import {
  NetworkAccessManager,
  type NetworkReply,
  NetworkRequest,
  RepresentationChangedError,
  TemporaryNetworkFailureError,
} from '@netbearer/access';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { routedFaultServer } from '../support/routed-fault-server.js';
import { settle } from '../support/settle.js';
import { waitUntil } from '../support/wait.js';

const routed = routedFaultServer();
const cleanups: Array<() => Promise<void> | void> = [];
let unique = 0;
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A manager whose session is open on access point a, with a better b in reach. */
async function roamingSetup() {
  const world = new SimulatedWorld({ connectDelay: 30 });
  const a = world.addAccessPoint({ name: 'A', identifier: 'sim:a', interfaceName: 'wlan0' });
  const b = world.addAccessPoint({ name: 'B', identifier: 'sim:b', interfaceName: 'wlan1' });
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
  cleanups.push(() => manager.dispose());
  const nam = new NetworkAccessManager({
    manager,
    configuration: manager.configurationFromIdentifier(a),
    sessionIdleGrace: 200,
    dispatcherFor: () => routed.agent,
  });
  cleanups.push(() => nam.dispose());
  /** Offers b once the reply has its first bytes; resolves when the session runs over b. */
  const roamDuring = async (reply: NetworkReply) => {
    await new Promise<void>((resolve) => reply.once('readyRead', () => resolve()));
    world.offerBetter(a, b);
    await waitUntil(() => nam.activeConfiguration().identifier() === b, 'the session on b', {
      timeoutMs: 5_000,
    });
  };
  return { world, a, b, manager, nam, roamDuring };
}

/** The body's outcome, held from the start: a rejection before anyone awaits is not unhandled. */
function outcome(reply: NetworkReply): Promise<{ bytes?: Buffer; error?: unknown }> {
  return reply.readAll().then(
    (bytes) => ({ bytes }),
    (error: unknown) => ({ error }),
  );
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const size = 300_000;
const resource = (name: string, query = '') =>
  `http://files.example/resource/${name}?size=${size}&bytesPerSecond=400000${query}`;
const fresh = () => `roam-${process.pid}-${++unique}`;

describe('downloads move to the new link', () => {
  it('resumes with Range + If-Range on the strong ETag: byte-identical, no gap, no overlap', async () => {
    const { nam, roamDuring, b } = await roamingSetup();
    const name = fresh();
    const reply = nam.get(resource(name));
    const body = reply.readAll();
    await roamDuring(reply);
    const bytes = await body;
    expect(reply.error()).toBe('NoError');
    expect(sha256(bytes)).toBe(sha256(routed.faults.resourceBytes(name, size)));
    const attempts = routed.faults.requestsTo(`/resource/${name}`);
    expect(attempts.length).toBe(2);
    const offset = Number(/^bytes=(\d+)-$/.exec(attempts[1]!.range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(size);
    expect(attempts[1]!.ifRange).toBe(routed.faults.resourceEtag(name));
    expect(nam.activeConfiguration().identifier()).toBe(b);
  });

  it('a strong Last-Modified validates the resume too', async () => {
    const { nam, roamDuring } = await roamingSetup();
    const name = fresh();
    const reply = nam.get(resource(name, '&validator=last-modified'));
    const body = reply.readAll();
    await roamDuring(reply);
    expect(sha256(await body)).toBe(sha256(routed.faults.resourceBytes(name, size)));
    const attempts = routed.faults.requestsTo(`/resource/${name}`);
    expect(attempts[1]?.ifRange).toMatch(/GMT$/);
  });

  it('a representation that changed, after the application read part of it: RepresentationChangedError', async () => {
    const { nam, roamDuring } = await roamingSetup();
    const reply = nam.get(resource(fresh(), '&changes=1'));
    const body = outcome(reply);
    await roamDuring(reply);
    expect((await body).error).toBeInstanceOf(RepresentationChangedError);
    expect(reply.error()).toBe('TemporaryNetworkFailureError');
  });

  it('a representation that changed before anything was read: restarted, the new one whole', async () => {
    const { nam, roamDuring } = await roamingSetup();
    const name = fresh();
    const reply = nam.get(resource(name, '&changes=1'));
    await roamDuring(reply);
    await settle(reply);
    expect(reply.error()).toBe('NoError');
    // Read only now: the first version's bytes were dropped, the second's are whole.
    expect(sha256(await reply.readAll())).toBe(sha256(routed.faults.resourceBytes(name, size, 2)));
  });

  it('no strong validator (weak ETag): never spliced — a typed error once bytes were read', async () => {
    const { nam, roamDuring } = await roamingSetup();
    const name = fresh();
    const reply = nam.get(resource(name, '&validator=weak'));
    const body = outcome(reply);
    await roamDuring(reply);
    expect((await body).error).toBeInstanceOf(TemporaryNetworkFailureError);
    // No ranged request was made on a weak validator.
    expect(routed.faults.requestsTo(`/resource/${name}`).every((r) => r.range === null)).toBe(true);
  });
});

describe('requests that are not idempotent', () => {
  it('a POST in flight at the roam fails with TemporaryNetworkFailureError and reached the server once', async () => {
    const { nam, world, a, b } = await roamingSetup();
    routed.faults.reset();
    const reply = nam.post('http://api.example/echo?delayMs=1500', 'pay once');
    await waitUntil(() => routed.faults.requestsTo('/echo').length === 1, 'the POST at the server');
    world.offerBetter(a, b);
    await settle(reply);
    expect(reply.error()).toBe('TemporaryNetworkFailureError');
    expect(reply.failure()).toBeInstanceOf(TemporaryNetworkFailureError);
    await new Promise((r) => setTimeout(r, 300));
    expect(routed.faults.requestsTo('/echo').length).toBe(1);
  });

  it('with an Idempotency-Key and a replayable body, it is sent again on the new link', async () => {
    const { nam, world, a, b } = await roamingSetup();
    routed.faults.reset();
    const request = new NetworkRequest('http://api.example/echo?delayMs=800', {
      headers: { 'Idempotency-Key': 'order-42' },
    });
    const reply = nam.post(request, 'pay once, safely');
    await waitUntil(() => routed.faults.requestsTo('/echo').length === 1, 'the POST at the server');
    world.offerBetter(a, b);
    const answer = (await reply.json()) as { method: string; bodyBytes: number };
    expect(reply.error()).toBe('NoError');
    expect(answer).toMatchObject({ method: 'POST', bodyBytes: 'pay once, safely'.length });
    const seen = routed.faults.requestsTo('/echo');
    expect(seen.length).toBe(2);
    expect(seen.map((r) => r.idempotencyKey)).toEqual(['order-42', 'order-42']);
  });
});
