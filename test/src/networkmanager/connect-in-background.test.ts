/**
 * ConnectInBackground on a real NetworkManager: an activation that would have a secret agent
 * ask the user is refused ('SecretsRequired') before NetworkManager is asked to activate
 * anything. The sandbox has no secret agent, so a normal connect of such a profile fails the
 * way it always did: NetworkManager tries, asks for the secret, nobody answers (NO_SECRETS).
 */
import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import dbus, { type Message, type MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addEthernetProfile,
  addProfile,
  devicePath,
  nmName,
  profilePath,
  variant,
} from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { FakeSecretAgent } from '../support/nm-secret-agent.js';
import { waitUntil } from '../support/wait.js';

/** Wired 802.1X (PEAP/MSCHAPv2) on link `link`; `password` undefined: none stored. */
function addEapProfile(
  bus: MessageBus,
  name: string,
  interfaceName: string,
  secret: { passwordFlags: number; password?: string },
): Promise<string> {
  const eap: Record<string, ReturnType<typeof variant>> = {
    eap: variant('as', ['peap']),
    identity: variant('s', 'kiosk'),
    'phase2-auth': variant('s', 'mschapv2'),
    'password-flags': variant('u', secret.passwordFlags),
  };
  if (secret.password !== undefined) eap.password = variant('s', secret.password);
  return addProfile(
    bus,
    '802-3-ethernet',
    { name, interfaceName },
    {
      '802-3-ethernet': {},
      '802-1x': eap,
    },
  );
}

/** Device state changes NetworkManager signals for one device while `during` runs. */
async function deviceStatesDuring(
  bus: MessageBus,
  path: string,
  during: () => Promise<unknown>,
): Promise<number[]> {
  const rule = `type='signal',sender='${nmName}',path='${path}',interface='${nmName}.Device',member='StateChanged'`;
  const busCall = (member: string, body: string[] = [rule]) =>
    bus.call(
      new dbus.Message({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member,
        signature: 's'.repeat(body.length),
        body,
      }),
    );
  const states: number[] = [];
  const listener = (message: Message) => {
    if (message.path === path && message.member === 'StateChanged')
      states.push(Number(message.body[0]));
  };
  await busCall('AddMatch');
  bus.on('message', listener);
  try {
    await during();
    // A round trip to the bus daemon: every signal sent before it has arrived.
    await busCall('GetId', []);
  } finally {
    bus.off('message', listener);
    await busCall('RemoveMatch');
  }
  return states;
}

describe('NetworkManager engine: ConnectInBackground, no secret agent running', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let device: string;
  let askEveryTime: string;
  let plain: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    const link = sandbox.linkName(0);
    askEveryTime = id(await addEapProfile(bus, 'ask-every-time', link, { passwordFlags: 2 }));
    plain = id(await addEthernetProfile(bus, { name: 'plain', interfaceName: link }));
    device = await devicePath(bus, link);
    ({ engine } = await nm.startEngine());
  }, 60_000);

  it('a not-saved password: refused at once with SecretsRequired, nothing activated', async () => {
    const started = Date.now();
    let failure: unknown;
    const states = await deviceStatesDuring(bus, device, async () => {
      failure = await engine
        .connect(askEveryTime, { signal: noAbort(), background: true })
        .catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({ kind: 'SecretsRequired', name: 'EngineError' });
    expect(String((failure as Error).message)).toContain('802-1x.password');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(states).toEqual([]);
    expect(await sandbox.deviceState(0)).toMatch(/^30 /);
  }, 20_000);

  it('a normal connect of the same profile fails as before: NetworkManager tried, no secrets', async () => {
    let failure: unknown;
    const states = await deviceStatesDuring(bus, device, async () => {
      failure = await engine.connect(askEveryTime, { signal: noAbort() }).catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({ kind: 'ConnectError' });
    expect(String((failure as Error).message)).toMatch(/secrets/);
    // need-auth (60) on the way: NetworkManager asked for the secret, and nobody answered.
    expect(states).toContain(60);
    await waitUntil(async () => /^30 /.test(await sandbox.deviceState(0)), 'the device idle');
  }, 30_000);

  it('a profile without secrets connects in the background as usual', async () => {
    await expect(
      engine.connect(plain, { signal: noAbort(), background: true }),
    ).resolves.not.toThrow();
    expect(await sandbox.deviceState(0)).toMatch(/^100 /);
    await engine.disconnect(plain, { signal: noAbort(), mode: 'stop' });
  }, 20_000);
});

describe('NetworkManager engine: ConnectInBackground with a secret agent (a desktop applet)', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let agent: FakeSecretAgent;
  let device: string;
  let askEveryTime: string;
  let stored: string;
  let agentOwned: string;

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    const link = sandbox.linkName(0);
    askEveryTime = id(await addEapProfile(bus, 'ask-every-time', link, { passwordFlags: 2 }));
    stored = id(
      await addEapProfile(bus, 'stored', link, { passwordFlags: 0, password: 'correct horse' }),
    );
    agentOwned = id(await addEapProfile(bus, 'agent-owned', link, { passwordFlags: 1 }));
    device = await devicePath(bus, link);
    agent = await FakeSecretAgent.register(sandbox.busAddress);
    ({ engine } = await nm.startEngine());
  }, 60_000);

  afterAll(async () => {
    await agent?.unregister();
  });

  it('a not-saved password: refused before any agent is asked to prompt', async () => {
    const states = await deviceStatesDuring(bus, device, async () => {
      await expect(
        engine.connect(askEveryTime, { signal: noAbort(), background: true }),
      ).rejects.toMatchObject({ kind: 'SecretsRequired' });
    });
    expect(states).toEqual([]);
    expect(agent.interactive).toEqual([]);
  }, 20_000);

  it('a normal connect asks the user through the agent; the user cancels: ConnectError', async () => {
    agent.answer = 'user-cancels';
    const asked = agent.requests.length;
    await expect(engine.connect(askEveryTime, { signal: noAbort() })).rejects.toMatchObject({
      kind: 'ConnectError',
    });
    // The user was asked once: a failure for want of secrets is no lost race to retry
    // (NetworkManager ends it with "the device disconnected", device reason NO_SECRETS).
    expect(agent.requests.slice(asked).filter((r) => r.interactive)).toHaveLength(1);
    await waitUntil(async () => /^30 /.test(await sandbox.deviceState(0)), 'the device idle');
  }, 30_000);

  it('a secret NetworkManager stores: goes ahead, through its brief NEED_AUTH, without the agent', async () => {
    // NetworkManager passes NEED_AUTH for a moment while it loads the stored secret; that is
    // not a reason to withdraw. (It then fails for want of wpa_supplicant in the sandbox.)
    const asked = agent.requests.length;
    let failure: unknown;
    const states = await deviceStatesDuring(bus, device, async () => {
      failure = await engine
        .connect(stored, { signal: noAbort(), background: true })
        .catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({ kind: 'ConnectError' });
    expect(String((failure as Error).message)).toMatch(/supplicant/);
    expect(String((failure as Error).message)).not.toContain('correct horse');
    expect(states[0]).toBe(40);
    expect(states).toContain(60);
    expect(agent.requests.slice(asked)).toEqual([]);
    await waitUntil(async () => /^30 /.test(await sandbox.deviceState(0)), 'the device idle');
  }, 30_000);

  it('an agent that asks the user during a background activation: withdrawn, the dialog closed', async () => {
    // The agent gives the secret without asking when netbearer checks, then asks the user when
    // NetworkManager activates (as an agent whose keyring locked meanwhile would).
    agent.keyring.set('802-1x', { password: 'from the keyring' });
    agent.answer = 'leave-open';
    const asked = agent.requests.length;
    const started = Date.now();
    let failure: unknown;
    const states = await deviceStatesDuring(bus, device, async () => {
      failure = await engine
        .connect(agentOwned, { signal: noAbort(), background: true })
        .catch((e: unknown) => e);
      await waitUntil(async () => /^30 /.test(await sandbox.deviceState(0)), 'the device idle');
    });
    agent.keyring.clear();
    expect(failure).toMatchObject({ kind: 'SecretsRequired' });
    expect(String((failure as Error).message)).toContain('NEED_AUTH');
    expect(String((failure as Error).message)).not.toContain('from the keyring');
    expect(Date.now() - started).toBeLessThan(10_000);
    const path = await profilePath(bus, agentOwned.slice('networkmanager:'.length));
    const requests = agent.requests.slice(asked).filter((r) => r.connectionPath === path);
    expect(requests.filter((r) => !r.interactive).length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.interactive)).toHaveLength(1);
    expect(states).toContain(60);
    await waitUntil(() => agent.cancels.length > 0, 'NetworkManager to close the dialog');
    // Withdrawn, not retried.
    expect(states.slice(states.indexOf(60) + 1)).not.toContain(40);
  }, 40_000);
});

describe('ConnectInBackground through a session on NetworkManager', () => {
  const nm = useNmSandbox();
  let manager: NetworkConfigurationManager;
  let askEveryTime: string;

  beforeAll(async () => {
    const { sandbox, bus } = await nm.start({ links: 1 });
    askEveryTime = id(
      await addEapProfile(bus, 'ask-every-time', sandbox.linkName(0), { passwordFlags: 2 }),
    );
    manager = await nm.createManager();
  }, 60_000);

  it('the session fails with the engine reason instead of prompting', async () => {
    const session = new NetworkSession(manager.configurationFromIdentifier(askEveryTime));
    session.setSessionProperty('ConnectInBackground', true);
    const failed = new Promise<void>((resolve) => session.once('error', () => resolve()));
    session.open();
    await failed;
    expect(session.isOpen()).toBe(false);
    expect(session.error()).toBe('UnknownSessionError');
    expect(session.errorString()).toContain('in the background');
    expect(session.errorString()).toContain('802-1x.password');
    session.dispose();
  }, 20_000);
});
