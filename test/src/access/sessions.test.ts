/**
 * The access manager's bearer integration on the simulated world: requests open the manager's
 * session and wait for it, hold it while in flight, let it go after the idle grace; session
 * failures fail the requests that needed it; loopback, file:, data: and cache-only requests
 * never touch a session; accessibility follows the configuration manager and only the
 * application's block refuses requests.
 *
 * Requests go to made-up host names (not loopback, so they need the session) that a dispatcher
 * of the test routes to the fault server on 127.0.0.1: the bytes are real, the names are not.
 */

import {
  BackgroundRequestNotAllowedError,
  NetworkAccessManager,
  type NetworkAccessManagerOptions,
  NetworkRequest,
  NetworkSessionFailedError,
} from '@netbearer/access';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  type Capability,
  type ConnectOptions,
  type Engine,
  NetworkConfigurationManager,
} from '@netbearer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { routedFaultServer } from '../support/routed-fault-server.js';
import { settle } from '../support/settle.js';
import { waitUntil } from '../support/wait.js';

const routed = routedFaultServer();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly capabilities?: readonly Capability[];
  readonly policies?: NonNullable<Parameters<SimulatedWorld['addAccessPoint']>[0]['usagePolicies']>;
  readonly connectDelay?: number;
}

/** A world with one discovered WLAN and a manager over it, recording each connect's options. */
async function world(setup: Setup = {}) {
  const sim = new SimulatedWorld({
    connectDelay: setup.connectDelay ?? 50,
    ...(setup.capabilities ? { capabilities: setup.capabilities } : {}),
  });
  const wlan = sim.addAccessPoint({
    name: 'Office WLAN',
    identifier: 'sim:wlan',
    ...(setup.policies ? { usagePolicies: setup.policies } : {}),
  });
  const inner = sim.engine();
  const connects: ConnectOptions[] = [];
  const engine: Engine = {
    name: inner.name,
    capabilities: () => inner.capabilities(),
    start: (sink) => inner.start(sink),
    requestUpdate: () => inner.requestUpdate(),
    connect: (id, options) => {
      connects.push(options);
      return inner.connect(id, options);
    },
    disconnect: (id, options) => inner.disconnect(id, options),
    dispose: () => inner.dispose(),
    defaultConfiguration: () => inner.defaultConfiguration(),
  };
  const manager = await NetworkConfigurationManager.create({ engines: [engine] });
  cleanups.push(() => manager.dispose());
  return { sim, wlan, manager, connects };
}

function accessManager(options: NetworkAccessManagerOptions) {
  const nam = new NetworkAccessManager({
    sessionIdleGrace: 200,
    dispatcherFor: (url) => (url.hostname.endsWith('.example') ? routed.agent : undefined),
    ...options,
  });
  cleanups.push(() => nam.dispose());
  return nam;
}

const remote = (path: string) => `http://api.example${path}`;

describe('abort() before the request is on the wire', () => {
  it('while it waits for the session: OperationCanceledError, nothing sent; others go on', async () => {
    const { wlan, manager } = await world({ connectDelay: 150 });
    routed.faults.reset();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const aborted = nam.get(remote('/echo?which=aborted'));
    const other = nam.get(remote('/echo?which=other'));
    await new Promise((r) => setTimeout(r, 30));
    aborted.abort();
    await expect(aborted.readAll()).rejects.toThrow();
    expect(aborted.error()).toBe('OperationCanceledError');
    expect(aborted.isFinished()).toBe(true);
    expect(((await other.json()) as { method: string }).method).toBe('GET');
    expect(routed.faults.requestsTo('/echo').map((r) => r.path)).toEqual(['/echo?which=other']);
  });

  it('while it waits for a connection to its host: OperationCanceledError, and the slot goes on', async () => {
    const { wlan, manager } = await world({ connectDelay: 0 });
    routed.faults.reset();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
      connectionsPerHost: 1,
    });
    const running = nam.get(remote('/trickle?size=3&intervalMs=50'));
    const queued = nam.get(remote('/echo?which=queued'));
    const after = nam.get(remote('/echo?which=after'));
    await waitUntil(() => routed.faults.requestsTo('/trickle').length === 1, 'the first request');
    queued.abort();
    expect(queued.error()).toBe('OperationCanceledError');
    expect((await running.readAll()).byteLength).toBe(3);
    expect(((await after.json()) as { method: string }).method).toBe('GET');
    expect(routed.faults.requestsTo('/echo').map((r) => r.path)).toEqual(['/echo?which=after']);
  });
});

describe('the first request opens the session', () => {
  it('waits for the session, then sends; networkSessionConnected once', async () => {
    const { sim, wlan, manager } = await world({ connectDelay: 150 });
    routed.faults.reset();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    let connected = 0;
    nam.on('networkSessionConnected', () => connected++);
    const reply = nam.get(remote('/echo'));
    await new Promise((r) => setTimeout(r, 60));
    // Still connecting: nothing was sent yet.
    expect(sim.state(wlan)).toBe('Discovered');
    expect(routed.faults.requestsTo('/echo')).toEqual([]);
    const body = (await reply.json()) as { method: string };
    expect(body.method).toBe('GET');
    expect(reply.error()).toBe('NoError');
    expect(sim.state(wlan)).toBe('Active');
    const second = nam.get(remote('/echo'));
    await second.readAll();
    expect(connected).toBe(1);
  });

  it('where sessions are required, the default configuration is opened', async () => {
    const { sim, wlan, manager } = await world({
      capabilities: ['CanStartAndStopInterfaces', 'SystemSessionSupport', 'NetworkSessionRequired'],
    });
    const nam = accessManager({ manager });
    expect(manager.defaultConfiguration().identifier()).toBe(wlan);
    await nam.get(remote('/echo')).readAll();
    expect(sim.state(wlan)).toBe('Active');
    expect(nam.activeConfiguration().identifier()).toBe(wlan);
  });

  it('where sessions are not required and none is chosen, no session is opened', async () => {
    const { sim, wlan, manager, connects } = await world();
    const nam = accessManager({ manager });
    const reply = nam.get(remote('/echo'));
    await reply.readAll();
    expect(reply.error()).toBe('NoError');
    expect(sim.state(wlan)).toBe('Discovered');
    expect(connects).toEqual([]);
  });

  it('loopback, file:, data: and AlwaysCache requests never touch the session', async () => {
    const { sim, wlan, manager, connects } = await world();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const loopback = nam.get(`${routed.faults.origin}/echo`);
    await loopback.readAll();
    expect(loopback.error()).toBe('NoError');
    await nam.get('data:,hi').readAll();
    await nam.get(new URL(import.meta.url)).readAll();
    const cached = nam.get(
      new NetworkRequest(remote('/echo'), {
        attributes: { CacheLoadControlAttribute: 'AlwaysCache' },
      }),
    );
    await settle(cached);
    expect(cached.error()).toBe('ContentNotFoundError');
    expect(connects).toEqual([]);
    expect(sim.state(wlan)).toBe('Discovered');
  });
});

describe('holding and letting go', () => {
  it('the session stays while requests run and closes after the idle grace', async () => {
    const { sim, wlan, manager, connects } = await world();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    // A slow body: the session must stay up for all of it, well past the grace period.
    const slow = nam.get(remote('/trickle?size=6&intervalMs=100'));
    await slow.readAll();
    expect(slow.error()).toBe('NoError');
    expect(sim.state(wlan)).toBe('Active');
    // A request within the grace reuses the session.
    await nam.get(remote('/echo')).readAll();
    expect(connects.length).toBe(1);
    expect(
      await waitUntil(() => sim.state(wlan) === 'Discovered', 'sim.state(wlan) === Discovered', {
        timeoutMs: 2_000,
      }),
    ).toBe(true);
    // The next request opens a new one.
    await nam.get(remote('/echo')).readAll();
    expect(connects.length).toBe(2);
  });

  it('a session that fails to open fails every waiting request with its reason', async () => {
    const { sim, wlan, manager } = await world({ connectDelay: 100 });
    routed.faults.reset();
    sim.failNextConnect(wlan, 'ConnectError', 'The access point refused the association.');
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const replies = [nam.get(remote('/echo')), nam.post(remote('/echo'), 'x')];
    await Promise.all(replies.map(settle));
    for (const reply of replies) {
      expect(reply.error()).toBe('NetworkSessionFailedError');
      expect(reply.failure()).toBeInstanceOf(NetworkSessionFailedError);
      expect(reply.errorString()).toBe('The access point refused the association.');
    }
    expect(routed.faults.requestsTo('/echo')).toEqual([]);
    // A later request tries again, with a new session.
    const retry = nam.get(remote('/echo'));
    await retry.readAll();
    expect(retry.error()).toBe('NoError');
  });

  it('a link lost under a transfer fails it at once with NetworkSessionFailedError', async () => {
    const { sim, wlan, manager } = await world();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const reply = nam.get(remote('/trickle?size=100&intervalMs=100'));
    await new Promise<void>((resolve) => reply.once('readyRead', () => resolve()));
    const lostAt = Date.now();
    sim.loseLink(wlan);
    await settle(reply);
    expect(reply.error()).toBe('NetworkSessionFailedError');
    // From the session's event, not from a body timeout.
    expect(Date.now() - lostAt).toBeLessThan(500);
  });
});

describe('background requests', () => {
  it('a background request opens its session in the background', async () => {
    const { wlan, manager, connects } = await world();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const request = new NetworkRequest(remote('/echo'), {
      attributes: { BackgroundRequestAttribute: true },
    });
    await nam.get(request).readAll();
    expect(connects.map((c) => c.background)).toEqual([true]);
  });

  it('under NoBackgroundTrafficPolicy a background request fails, a foreground one goes', async () => {
    const { wlan, manager } = await world({ policies: ['NoBackgroundTrafficPolicy'] });
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const background = nam.get(
      new NetworkRequest(remote('/echo'), { attributes: { BackgroundRequestAttribute: true } }),
    );
    const foreground = nam.get(remote('/echo'));
    await Promise.all([settle(background), settle(foreground)]);
    expect(background.error()).toBe('BackgroundRequestNotAllowedError');
    expect(background.failure()).toBeInstanceOf(BackgroundRequestNotAllowedError);
    expect(foreground.error()).toBe('NoError');
  });

  it('a policy that appears mid-transfer fails the background transfer', async () => {
    const { sim, wlan, manager } = await world();
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    const reply = nam.get(
      new NetworkRequest(remote('/trickle?size=50&intervalMs=100'), {
        attributes: { BackgroundRequestAttribute: true },
      }),
    );
    await new Promise<void>((resolve) => reply.once('readyRead', () => resolve()));
    sim.setUsagePolicies(wlan, ['NoBackgroundTrafficPolicy']);
    await settle(reply);
    expect(reply.error()).toBe('BackgroundRequestNotAllowedError');
  });
});

describe('accessibility', () => {
  it('follows the configuration manager, and the observed state never blocks', async () => {
    const { sim, wlan, manager } = await world();
    const nam = accessManager({ manager });
    const changes: string[] = [];
    nam.on('networkAccessibleChanged', (value) => changes.push(value));
    expect(nam.networkAccessible()).toBe('NotAccessible');
    sim.activate(wlan);
    expect(
      await waitUntil(() => changes.length === 1, 'changes.length === 1', { timeoutMs: 1_000 }),
    ).toBe(true);
    expect(nam.networkAccessible()).toBe('Accessible');
    sim.loseLink(wlan);
    expect(
      await waitUntil(() => changes.length === 2, 'changes.length === 2', { timeoutMs: 1_000 }),
    ).toBe(true);
    expect(changes).toEqual(['Accessible', 'NotAccessible']);
    // Observed NotAccessible is a hint: the request is tried (and here it succeeds).
    const reply = nam.get(remote('/echo'));
    await reply.readAll();
    expect(reply.error()).toBe('NoError');
  });

  it('setNetworkAccessible(NotAccessible) blocks; Accessible unblocks at once', async () => {
    const { sim, wlan, manager } = await world();
    sim.activate(wlan);
    await waitUntil(() => manager.isOnline(), 'the manager online');
    const nam = accessManager({ manager });
    const changes: string[] = [];
    nam.on('networkAccessibleChanged', (value) => changes.push(value));
    expect(nam.networkAccessible()).toBe('Accessible');
    nam.setNetworkAccessible('NotAccessible');
    expect(nam.networkAccessible()).toBe('NotAccessible');
    const blocked = nam.get(remote('/echo'));
    await settle(blocked);
    expect(blocked.errorString()).toBe('Network access is disabled.');
    const local = nam.get('data:,still served');
    expect(await local.text()).toBe('still served');
    nam.setNetworkAccessible('Accessible');
    expect(nam.networkAccessible()).toBe('Accessible');
    const open = nam.get(remote('/echo'));
    await open.readAll();
    expect(open.error()).toBe('NoError');
    await new Promise((r) => setImmediate(r));
    expect(changes).toEqual(['NotAccessible', 'Accessible']);
  });

  it('without a configuration manager: UnknownAccessibility, requests go', async () => {
    const nam = accessManager({});
    expect(nam.networkAccessible()).toBe('UnknownAccessibility');
    const reply = nam.get(remote('/echo'));
    await reply.readAll();
    expect(reply.error()).toBe('NoError');
  });
});

describe('configurations', () => {
  it('setConfiguration moves new requests to the new configuration; the old session closes', async () => {
    const { sim, wlan, manager } = await world();
    const lte = sim.addAccessPoint({ name: 'LTE', identifier: 'sim:lte', bearerType: 'LTE' });
    await waitUntil(
      () => manager.configurationFromIdentifier(lte).isValid(),
      'manager.configurationFromIdentifier(lte).isValid()',
      { timeoutMs: 1_000 },
    );
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(wlan),
    });
    await nam.get(remote('/echo')).readAll();
    expect(sim.state(wlan)).toBe('Active');
    nam.setConfiguration(manager.configurationFromIdentifier(lte));
    expect(nam.configuration().identifier()).toBe(lte);
    await nam.get(remote('/echo')).readAll();
    expect(sim.state(lte)).toBe('Active');
    expect(
      await waitUntil(() => sim.state(wlan) === 'Discovered', 'sim.state(wlan) === Discovered', {
        timeoutMs: 1_000,
      }),
    ).toBe(true);
  });

  it('a service network: activeConfiguration() is the member the session runs over', async () => {
    const { sim, wlan, manager } = await world();
    const snap = sim.addServiceNetwork({
      name: 'Internet',
      identifier: 'sim:snap',
      children: [wlan],
    });
    await waitUntil(
      () => manager.configurationFromIdentifier(snap).isValid(),
      'manager.configurationFromIdentifier(snap).isValid()',
      { timeoutMs: 1_000 },
    );
    const nam = accessManager({
      manager,
      configuration: manager.configurationFromIdentifier(snap),
    });
    const reply = nam.get(remote('/trickle?size=4&intervalMs=50'));
    await new Promise<void>((resolve) => reply.once('metaDataChanged', () => resolve()));
    expect(nam.activeConfiguration().identifier()).toBe(wlan);
    expect(nam.configuration().identifier()).toBe(snap);
    await reply.readAll();
  });
});
