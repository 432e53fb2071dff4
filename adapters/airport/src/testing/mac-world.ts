import type { EngineConfiguration, EngineSink, NetworkInformation } from '@netbearer/core';
import { airportPaths } from '../engine.js';
import { FakeRunner } from './fake-runner.js';
import { fixture } from './fixtures.js';
import { renderIpconfigSummary, renderNwi, renderPreferred } from './render.js';

/** A scriptable Mac behind a FakeRunner: change a field, and the next command shows it. */
export interface MacWorld {
  ports: string;
  /** Wi-Fi devices and their radio power; other en* ports answer "not a Wi-Fi interface". */
  power: Record<string, boolean>;
  preferred: string[];
  profile: string;
  summary: { linkActive: boolean; ssid?: string };
  nwi: { reachable: boolean; interfaces: string[] };
  /** 'missing': ENOENT (macOS 14.4+); else what `airport -I` prints. */
  airportInfo: 'missing' | string;
  /** Byte counters of `netstat -ib` per interface: [received, written]. */
  counters: Record<string, [number, number]>;
}

/** `netstat -ib` as macOS prints it (Link rows, then address rows). */
export function renderNetstat(counters: Record<string, [number, number]>): string {
  const rows = [
    'Name       Mtu   Network       Address            Ipkts Ierrs     Ibytes    Opkts Oerrs     Obytes  Coll',
    'lo0        16384 <Link#1>                        2718454     0  545290183  2718454     0  545290183     0',
    'lo0        16384 127           localhost         2718454     -  545290183  2718454     -  545290183     -',
  ];
  let n = 10;
  for (const [device, [received, written]] of Object.entries(counters)) {
    rows.push(
      `${device.padEnd(10)} 1500  <Link#${n++}>   a4:83:e7:12:34:56  9912345     0 ${received}  4512345     0  ${written}     0`,
      `${device.padEnd(10)} 1500  192.168.1     192.168.1.23      9812345     -  1  4412345     -  2     -`,
    );
  }
  return `${rows.join('\n')}\n`;
}

export const ns = airportPaths.networksetup;

export function macWorld(overrides: Partial<MacWorld> = {}): {
  world: MacWorld;
  runner: FakeRunner;
} {
  const world: MacWorld = {
    ports: fixture('networksetup-listallhardwareports-macos27-applesilicon-plaitway.txt'),
    power: { en0: true },
    preferred: ['SSID-2', 'Home', 'Café "5G" $(reboot) `id`: x'],
    profile: fixture('system-profiler-SPAirPortDataType-json-macos15.5-heatmapper.txt'),
    summary: { linkActive: true, ssid: '<redacted>' },
    nwi: { reachable: true, interfaces: ['en0'] },
    airportInfo: 'missing',
    counters: { en0: [11234567890, 987654321] },
    ...overrides,
  };
  const runner = new FakeRunner();
  runner.set(ns, ['-listallhardwareports'], () => ({ stdout: world.ports }));
  for (const device of ['en0', 'en4', 'en5', 'en6', 'en7']) {
    runner.set(ns, ['-getairportpower', device], () =>
      device in world.power
        ? { stdout: `Wi-Fi Power (${device}): ${world.power[device] ? 'On' : 'Off'}\n` }
        : { stdout: `${device} is not a Wi-Fi interface.\n`, code: 0 },
    );
    runner.set(ns, ['-listpreferredwirelessnetworks', device], () => ({
      stdout: renderPreferred(device, world.preferred),
    }));
    runner.set(airportPaths.ipconfig, ['getsummary', device], () => ({
      stdout: renderIpconfigSummary({ ...world.summary, security: 'WPA2_PSK' }),
    }));
  }
  runner.set(airportPaths.systemProfiler, ['SPAirPortDataType', '-json'], () => ({
    stdout: world.profile,
  }));
  runner.set(airportPaths.airport, ['-I'], () =>
    world.airportInfo === 'missing'
      ? { spawnError: `spawn ${airportPaths.airport} ENOENT` }
      : { stdout: world.airportInfo },
  );
  runner.set(airportPaths.scutil, ['--nwi'], () => ({ stdout: renderNwi(world.nwi) }));
  runner.set(airportPaths.netstat, ['-ib'], () => ({ stdout: renderNetstat(world.counters) }));
  return { world, runner };
}

export type SinkEvent =
  | { type: 'added'; configuration: EngineConfiguration }
  | { type: 'changed'; configuration: EngineConfiguration }
  | { type: 'removed'; identifier: string }
  | { type: 'information'; information: NetworkInformation }
  | { type: 'other'; name: string };

export function recordingSink(): EngineSink & { events: SinkEvent[] } {
  const events: SinkEvent[] = [];
  return {
    events,
    configurationAdded: (configuration) => events.push({ type: 'added', configuration }),
    configurationChanged: (configuration) => events.push({ type: 'changed', configuration }),
    configurationRemoved: (identifier) => events.push({ type: 'removed', identifier }),
    networkInformationChanged: (information) => events.push({ type: 'information', information }),
    preferredConfiguration: () => events.push({ type: 'other', name: 'preferred' }),
    unavailable: () => events.push({ type: 'other', name: 'unavailable' }),
    available: () => events.push({ type: 'other', name: 'available' }),
  };
}
