import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager } from '@netbearer/core';
import dbus from 'dbus-next';
import { type NmSandbox, startNmSandbox } from '../support/nm-sandbox.js';
import { type BenchLine, line, median } from './measure.js';

const run = promisify(execFile);
const rounds = 20;

/** Two links, three profiles, one of them up: a small but real NetworkManager. */
async function sandbox(): Promise<NmSandbox> {
  const sb = await startNmSandbox({ links: 2 });
  for (const [name, link] of [
    ['bench-a', 0],
    ['bench-b', 1],
    ['bench-c', 1],
  ] as const) {
    await sb.addDhcpProfile(name, link);
  }
  await sb.nmcli('connection', 'up', 'bench-a');
  return sb;
}

/** Engine start to full list, against the two nmcli spawns the Node peers make. */
async function coldEnumeration(sb: NmSandbox): Promise<BenchLine> {
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: sb.busAddress, LC_ALL: 'C' };
  const ours: number[] = [];
  const peers: number[] = [];
  let listed = 0;
  for (let i = 0; i < rounds + 2; i++) {
    let start = performance.now();
    const manager = await NetworkConfigurationManager.create({
      engines: [createNetworkManagerEngine({ busAddress: sb.busAddress })],
    });
    listed = manager.allConfigurations().length;
    const elapsed = performance.now() - start;
    await manager.dispose();
    start = performance.now();
    await run('nmcli', ['-t', 'connection', 'show'], { env });
    await run('nmcli', ['-t', 'device'], { env });
    const spawned = performance.now() - start;
    if (i >= 2) {
      ours.push(elapsed);
      peers.push(spawned);
    }
  }
  if (listed < 3)
    throw new Error(`cold enumeration listed ${listed} configurations, expected 3 or more`);
  return line(
    `networkmanager: cold enumeration (${listed} configurations) vs nmcli -t connection show + nmcli -t device`,
    median(ours),
    'ms',
    median(peers),
  );
}

const activeInterface = 'org.freedesktop.NetworkManager.Connection.Active';
const activated = 2; // NM_ACTIVE_CONNECTION_STATE_ACTIVATED

interface SignalMessage {
  readonly type?: number;
  readonly path?: string;
  readonly interface?: string;
  readonly member?: string;
  readonly body?: unknown[];
}

const variantValue = (v: unknown) => (v as { value?: unknown } | undefined)?.value;

/**
 * A raw dbus-next subscriber that follows one profile from the signals alone: its active
 * connection objects (InterfacesAdded, PropertiesChanged of State, InterfacesRemoved) and so
 * whether the profile is activated. `transitions` are the signals at which that changed, with
 * their arrival time: the very signal after which NetworkManager's own data say so.
 */
function rawProfileWatcher(uuid: string) {
  const actives = new Map<string, unknown>(); // active connection path -> State
  let up = false;
  const transitions: Array<{ at: number; up: boolean; signal: string }> = [];
  const onSignal = (message: SignalMessage) => {
    if (message.type !== dbus.MessageType.SIGNAL) return;
    const at = performance.now();
    const [a, b] = message.body ?? [];
    if (message.member === 'InterfacesAdded') {
      const props = (b as Record<string, Record<string, unknown>> | undefined)?.[activeInterface];
      if (props && variantValue(props.Uuid) === uuid)
        actives.set(String(a), variantValue(props.State));
    } else if (message.member === 'InterfacesRemoved') {
      actives.delete(String(a));
    } else if (
      message.member === 'PropertiesChanged' &&
      a === activeInterface &&
      actives.has(message.path ?? '') &&
      b &&
      typeof b === 'object' &&
      'State' in b
    ) {
      actives.set(message.path!, variantValue((b as Record<string, unknown>).State));
    }
    const now = [...actives.values()].includes(activated);
    if (now === up) return;
    up = now;
    transitions.push({ at, up, signal: `${message.path} ${message.member}` });
  };
  return { onSignal, transitions };
}

/**
 * NetworkManager's signals seen by a raw dbus-next subscriber and, through the engine and
 * core, as our configurationChanged, in one process, on one connection (the raw listener,
 * added first, hears each signal just before the engine does). Paired per signal: each of our
 * events is compared with the arrival of the very signal after which the raw subscriber knew
 * the same fact (the profile activated, or no longer), never with another signal.
 */
async function signalOverhead(sb: NmSandbox): Promise<BenchLine> {
  const bus = dbus.sessionBus({ busAddress: sb.busAddress });
  const manager = await NetworkConfigurationManager.create({
    engines: [createNetworkManagerEngine({ bus })],
  });
  const target = manager.allConfigurations().find((c) => c.name() === 'bench-b');
  if (!target) throw new Error('bench-b is not listed');
  const raw = rawProfileWatcher(target.identifier().replace(/^networkmanager:/, ''));
  // Before the engine's own 'message' listener: the raw subscriber hears each signal first.
  bus.prependListener('message', raw.onSignal);
  const overheads: number[] = [];
  const reactions: number[] = [];
  try {
    for (let i = 0; i < rounds + 2; i++) {
      const goal = i % 2 === 0 ? 'Active' : 'Discovered';
      raw.transitions.length = 0;
      const seen = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no configurationChanged to ${goal}`)),
          15_000,
        );
        const listener = (c: typeof target) => {
          if (c !== target || c.state() !== goal) return;
          clearTimeout(timer);
          manager.off('configurationChanged', listener);
          resolve(performance.now());
        };
        manager.on('configurationChanged', listener);
      });
      const asked = performance.now();
      await sb.nmcli('connection', goal === 'Active' ? 'up' : 'down', 'bench-b');
      const ours = await seen;
      const same = raw.transitions.find((t) => t.up === (goal === 'Active') && t.at <= ours);
      if (!same) {
        throw new Error(
          `the raw subscriber saw no signal making bench-b ${goal} before our event (saw ${JSON.stringify(raw.transitions)})`,
        );
      }
      if (i >= 2) {
        overheads.push(ours - same.at);
        reactions.push(same.at - asked);
      }
    }
  } finally {
    bus.off('message', raw.onSignal);
    await manager.dispose();
    bus.disconnect();
  }
  return line(
    'networkmanager: signal-to-event overhead, our configurationChanged after a raw dbus-next subscriber on the same connection saw the same signal, paired per signal (baseline: nmcli call to that signal)',
    median(overheads),
    'ms',
    median(reactions),
  );
}

const child = fileURLToPath(new URL('./idle-child.js', import.meta.url));

async function idleCpu(
  engine: string,
  busAddress: string | undefined,
): Promise<{ cpuMs: number; events: number }> {
  const args = ['--expose-gc', child, engine, '10', ...(busAddress ? [busAddress] : [])];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/**
 * CPU of 10 s holding a manager with listeners and nothing happening, vs an empty process
 * measured at the same time: the goal is on the difference, what netbearer adds.
 */
async function idle(sb: NmSandbox): Promise<BenchLine[]> {
  const [nm, generic, none] = await Promise.all([
    idleCpu('networkmanager', sb.busAddress),
    idleCpu('generic', undefined),
    idleCpu('none', undefined),
  ]);
  return [
    line(
      'networkmanager: idle CPU over 10 s with listeners vs an idle process (goal on the difference)',
      nm.cpuMs,
      'ms',
      none.cpuMs,
    ),
    line(
      'generic: idle CPU over 10 s with listeners vs an idle process (goal on the difference)',
      generic.cpuMs,
      'ms',
      none.cpuMs,
    ),
  ];
}

export async function networkManagerBenchmarks(): Promise<BenchLine[]> {
  const sb = await sandbox();
  try {
    return [await coldEnumeration(sb), await signalOverhead(sb), ...(await idle(sb))];
  } finally {
    await sb.stop();
  }
}
