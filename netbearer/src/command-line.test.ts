import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { run } from './command-line.js';
import { recordingTerminal as terminal } from './testing/terminal.js';

/** A world with a hostile name and two configurations sharing a name. */
function world() {
  const w = new SimulatedWorld({ connectDelay: 5, disconnectDelay: 5 });
  const ids = {
    lan: w.addAccessPoint({
      name: 'lan',
      bearerType: 'Ethernet',
      interfaceName: 'eth0',
      active: true,
    }),
    evil: w.addAccessPoint({ name: 'x\u001b[2J$(reboot)`id`\n"', identifier: 'sim:evil' }),
    twinA: w.addAccessPoint({ name: 'twin', identifier: 'sim:twin-a' }),
    twinB: w.addAccessPoint({ name: 'twin', identifier: 'sim:twin-b' }),
    far: w.addAccessPoint({ name: 'far', inRange: false }),
    gated: w.addAccessPoint({
      name: 'gated',
      identifier: 'sim:gated',
      unknownReason: 'location-permission',
    }),
  };
  return { w, ids, create: () => NetworkConfigurationManager.create({ engines: [w.engine()] }) };
}

describe('netbearer list', () => {
  it('prints one JSON object with every configuration', async () => {
    const { t, out } = terminal();
    const { create, ids } = world();
    expect(await run(['list', '--json'], t, create)).toBe(0);
    expect(out).toHaveLength(1);
    const list = JSON.parse(out[0]!);
    expect(Object.keys(list)).toEqual([
      'engine',
      'online',
      'capabilities',
      'defaultConfiguration',
      'reachability',
      'configurations',
    ]);
    expect(list.engine).toEqual(['simulated']);
    expect(list.online).toBe(true);
    expect(list.defaultConfiguration).toBe(ids.lan);
    expect(list.configurations[0]).toEqual({
      identifier: ids.lan,
      name: 'lan',
      type: 'InternetAccessPoint',
      state: 'Active',
      bearerType: 'Ethernet',
      purpose: 'PublicPurpose',
      interface: 'eth0',
      roamingAvailable: false,
      children: [],
      unknownReason: null,
    });
    expect(list.configurations[1].name).toBe('x\u001b[2J$(reboot)`id`\n"');
    const gated = list.configurations.find((c: { name: string }) => c.name === 'gated');
    expect(gated).toMatchObject({ state: 'Discovered', unknownReason: 'location-permission' });
  });

  it('prints a table in which hostile names cannot drive the terminal', async () => {
    const { t, out } = terminal();
    expect(await run(['list'], t, world().create)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('x\\x1b[2J$(reboot)`id`\\x0a"');
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/online: +yes/);
    expect(text).toMatch(/gated +InternetAccessPoint +Discovered \(location-permission withheld\)/);
  });
});

describe('netbearer open', () => {
  it('opens by name, holds, closes and exits 0', async () => {
    const { t, out } = terminal();
    const { create } = world();
    expect(await run(['open', 'far', '--hold', '10'], t, create)).toBe(1);
    const ok = terminal();
    expect(await run(['open', 'sim:twin-a', '--hold', '20'], ok.t, create)).toBe(0);
    expect(ok.out).toEqual([
      'opening twin (sim:twin-a), state Disconnected',
      'state: Connecting',
      'state: Connected',
      'opened on sim:twin-a',
      'state: Closing',
      'state: Disconnected',
      'closed',
    ]);
    expect(out[0]).toContain('far');
  });

  it('exits 1 with the error name and message when the session fails', async () => {
    const { t, err } = terminal();
    const { w, create, ids } = world();
    w.failNextConnect(ids.twinA, 'ConnectError', 'no carrier');
    expect(await run(['open', ids.twinA, '--hold', '10'], t, create)).toBe(1);
    expect(err).toEqual(['netbearer: UnknownSessionError: no carrier']);
  });

  it('exits 1 when the link is lost while held', async () => {
    const { t, err } = terminal();
    const { w, create, ids } = world();
    setTimeout(() => w.loseLink(ids.lan), 30);
    expect(await run(['open', 'lan'], t, create)).toBe(1);
    expect(err[0]).toMatch(/^netbearer: SessionAbortedError: /);
  });

  it('refuses an ambiguous or unknown name, naming the identifiers', async () => {
    const { t, err } = terminal();
    const { create } = world();
    expect(await run(['open', 'twin'], t, create)).toBe(1);
    expect(err[0]).toContain('sim:twin-a, sim:twin-b');
    expect(await run(['open', 'nowhere'], t, create)).toBe(1);
  });

  it('holds until interrupted, then stops for everyone with --stop', async () => {
    const interrupt = new AbortController();
    const { t, out } = terminal(interrupt.signal);
    const { w, create, ids } = world();
    setTimeout(() => interrupt.abort(), 30);
    expect(await run(['open', 'lan', '--stop'], t, create)).toBe(0);
    expect(out.at(-1)).toBe('stopped');
    expect(w.state(ids.lan)).toBe('Discovered');
  });

  it('exits 1 at once with OperationNotSupportedError when the engine cannot stop', async () => {
    // Like the generic engine: links are only joined, never started or stopped.
    const w = new SimulatedWorld({ capabilities: ['DataStatistics'] });
    const lan = w.addAccessPoint({ name: 'lan', bearerType: 'Ethernet', active: true });
    const create = () => NetworkConfigurationManager.create({ engines: [w.engine()] });
    const { t, out, err } = terminal();
    const started = performance.now();
    expect(await run(['open', lan, '--hold', '10', '--stop'], t, create)).toBe(1);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(err).toEqual([expect.stringMatching(/^netbearer: OperationNotSupportedError: ./)]);
    expect(out).not.toContain('stopped');
    expect(out.slice(-2)).toEqual(['state: Closing', 'state: Connected']);
    expect(w.state(lan)).toBe('Active');
  });

  it('exits 1 with the refusal when the engine refuses this stop', async () => {
    const { t, out, err } = terminal();
    const { w, create, ids } = world();
    w.refuseNextStop(ids.lan, 'OperationNotSupported', 'not today');
    expect(await run(['open', 'lan', '--hold', '10', '--stop'], t, create)).toBe(1);
    expect(err).toEqual(['netbearer: OperationNotSupportedError: not today']);
    expect(out).not.toContain('stopped');
    expect(w.state(ids.lan)).toBe('Active');
  });
});

describe('netbearer watch', () => {
  it('prints events as JSON lines until interrupted', async () => {
    const interrupt = new AbortController();
    const { t, out } = terminal(interrupt.signal);
    const { w, create, ids } = world();
    setTimeout(() => w.loseLink(ids.lan), 10);
    setTimeout(() => interrupt.abort(), 40);
    expect(await run(['watch', '--json'], t, create)).toBe(0);
    const events = out.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'watching', engine: 'simulated', online: true });
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'configurationChanged',
        identifier: ids.lan,
        state: 'Discovered',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'onlineStateChanged', online: false }),
    );
  });
});

describe('usage', () => {
  it.each([
    [[], 2],
    [['--help'], 0],
    [['list', '--help'], 0],
    [['frobnicate'], 2],
    [['list', '--frob'], 2],
    [['list', 'extra'], 2],
    [['open'], 2],
    [['open', 'x', '--timeout', '-5'], 2],
    [['open', 'x', '--hold', '1e3'], 2],
    [['list', '--engine', 'bogus'], 2],
  ])('netbearer %j exits %i', async (args, code) => {
    const { t, out, err } = terminal();
    expect(await run(args, t, world().create)).toBe(code);
    expect((code === 0 ? out : err).join('\n')).toMatch(/usage: netbearer/);
  });
});
