/**
 * A replayed Mac: a stateful recorded runner that answers every command the airport engine
 * runs, from the shared fixtures' real captured outputs where there are some
 * (`networksetup -listallhardwareports`, `system_profiler SPAirPortDataType -json`), edited for
 * the world's current state: which network en0 is on, which are in range, whether Wi-Fi is
 * powered, and how much this macOS version redacts ('none': up to 15.5, 'ipconfig': 15.6+
 * hides the name from `ipconfig getsummary`, 'all': 26 hides it from system_profiler too).
 * Its `scutil` children print configd's notification lines whenever the world changes.
 *
 * Written by us, not captured (no capture exists yet): `ipconfig getsummary`, `scutil --nwi`,
 * `networksetup -listpreferredwirelessnetworks`, `netstat -ib`, the scutil notification lines
 * (see scutil-watch.ts) and networksetup's join answers. A user's capture bundle replaces them.
 */
import { airportPaths } from '../engine.js';
import type { FakeRunner, Recorded } from './fake-runner.js';
import { fixture } from './fixtures.js';
import { type MacWorld, macWorld, ns } from './mac-world.js';
import { notificationLines } from './scutil-watch.js';

export type MacRedaction = 'none' | 'ipconfig' | 'all';

/** How the radio answers a join: as asked, 'never' (reported done, never joined), 'refused'. */
export type JoinOutcome = 'associates' | 'never' | 'refused';

export interface ReplayedMacOptions {
  readonly redaction?: MacRedaction;
  /** The saved networks, most preferred first. */
  readonly preferred?: readonly string[];
  /** The network en0 is on, or null. */
  readonly connected?: string | null;
  /** Delay between a join and the association; 'manual': `associate()` does it. */
  readonly associateMs?: number | 'manual';
}

type Network = Record<string, unknown> & { _name: string };

const profilerFixture = 'system-profiler-SPAirPortDataType-json-macos15.5-heatmapper.txt';
const redacted = '<redacted>';
const device = 'en0';
/** The keys configd reports when the Wi-Fi link, its network and the routes change. */
const changedKeys = [
  `State:/Network/Interface/${device}/Link`,
  `State:/Network/Interface/${device}/AirPort`,
  'State:/Network/Global/IPv4',
  `State:/Network/Interface/${device}/IPv4`,
];

export class ReplayedMac {
  readonly runner: FakeRunner;
  readonly redaction: MacRedaction;
  preferred: string[];
  inRange: Set<string>;
  connected: string | null;
  power = true;
  readonly outcomes = new Map<string, JoinOutcome>();
  readonly #world: MacWorld;
  readonly #capture: { root: Record<string, unknown>; itf: Record<string, unknown> };
  readonly #neighbours: readonly Network[];
  readonly #current: Network;
  readonly #associateMs: number | 'manual';
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending: { ssid: string; outcome: JoinOutcome } | undefined;

  constructor(options: ReplayedMacOptions = {}) {
    const { world, runner } = macWorld();
    this.#world = world;
    this.runner = runner;
    this.redaction = options.redaction ?? 'ipconfig';
    this.preferred = [...(options.preferred ?? ['SSID-2', 'SSID-3', 'Office'])];
    this.connected = options.connected === undefined ? 'SSID-2' : options.connected;
    this.#associateMs = options.associateMs ?? 1_000;
    const root = JSON.parse(fixture(profilerFixture)) as Record<string, unknown>;
    const data = root.SPAirPortDataType as Record<string, unknown>[];
    const interfaces = data[0]?.spairport_airport_interfaces as
      | Record<string, unknown>[]
      | undefined;
    const itf = interfaces?.[0];
    if (!itf) throw new Error('replayed Mac: the system_profiler fixture has no interface');
    this.#capture = { root, itf };
    this.#neighbours = itf.spairport_airport_other_local_wireless_networks as Network[];
    this.#current = itf.spairport_current_network_information as Network;
    this.inRange = new Set(this.#neighbours.map((n) => n._name));
    runner.otherwise = (file, args) => this.#answer(file, args);
    this.#sync();
  }

  /** The SSIDs the system_profiler fixture holds (the world's neighbourhood). */
  get neighbourhood(): string[] {
    return this.#neighbours.map((n) => n._name);
  }

  // ----- what happens in the world -----

  /** A pending join associates now ('manual' worlds). */
  associate(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending?.outcome === 'associates' && this.power && this.inRange.has(pending.ssid)) {
      this.#change(() => {
        this.connected = pending.ssid;
      });
    }
  }

  /** The link drops (out of range, the access point rebooted). */
  dropLink(): void {
    this.#change(() => {
      this.connected = null;
    });
  }

  /** The user joins a network from the menu bar. */
  connectElsewhere(ssid: string): void {
    this.#change(() => {
      this.connected = ssid;
    });
  }

  setInRange(ssid: string, inRange: boolean): void {
    this.#change(() => {
      if (inRange) this.inRange.add(ssid);
      else this.inRange.delete(ssid);
      if (!inRange && this.connected === ssid) this.connected = null;
    });
  }

  removePreferred(ssid: string): void {
    this.preferred = this.preferred.filter((s) => s !== ssid);
    this.#sync();
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** What `system_profiler SPAirPortDataType -json` prints now. */
  systemProfilerText(): string {
    const { root, itf } = this.#capture;
    const name = (n: string) => (this.redaction === 'all' ? redacted : n);
    // A network the capture did not see is shown like its first one, under its own name.
    const template = this.#neighbours[0] as Network;
    const shown = [...this.inRange].map((ssid) => ({
      ...(this.#neighbours.find((n) => n._name === ssid) ?? template),
      _name: name(ssid),
    }));
    const edited: Record<string, unknown> = { ...itf };
    delete edited.spairport_airport_other_local_wireless_networks;
    delete edited.spairport_current_network_information;
    if (!this.power) {
      edited.spairport_status_information = 'spairport_status_off';
    } else if (this.connected === null) {
      edited.spairport_status_information = 'spairport_status_disassociated';
      edited.spairport_airport_local_wireless_networks = shown;
    } else {
      const on = this.#neighbours.find((n) => n._name === this.connected) ?? template;
      edited.spairport_status_information = 'spairport_status_connected';
      edited.spairport_current_network_information = {
        ...this.#current,
        spairport_network_channel: on.spairport_network_channel,
        spairport_security_mode: on.spairport_security_mode,
        _name: name(this.connected),
      };
      edited.spairport_airport_other_local_wireless_networks = shown;
    }
    const data = root.SPAirPortDataType as Record<string, unknown>[];
    return JSON.stringify(
      { ...root, SPAirPortDataType: [{ ...data[0], spairport_airport_interfaces: [edited] }] },
      null,
      2,
    );
  }

  // ----- the runner -----

  #answer(file: string, args: readonly string[]): Recorded | undefined {
    if (file !== ns || args[1] !== device || args.length !== 3) return undefined;
    if (args[0] === '-setairportpower' && (args[2] === 'on' || args[2] === 'off')) {
      const on = args[2] === 'on';
      this.#change(() => {
        this.power = on;
        if (!on) this.connected = null;
      });
      return { stdout: '' };
    }
    if (args[0] === '-setairportnetwork') return this.#join(args[2] as string);
    return undefined;
  }

  #join(ssid: string): Recorded {
    if (!this.power) return { stdout: `Wi-Fi is off: could not join ${ssid}.\n`, code: 10 };
    const outcome = this.outcomes.get(ssid) ?? 'associates';
    if (outcome === 'refused' || !this.inRange.has(ssid)) {
      return { stdout: `Could not find network ${ssid}.\n`, code: 10 };
    }
    this.#pending = { ssid, outcome };
    if (outcome === 'associates' && this.#associateMs !== 'manual') {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.associate();
      }, this.#associateMs);
      this.#timers.add(timer);
    }
    return { stdout: '' };
  }

  /** Applies a change, re-renders what the commands print, and notifies the scutil children. */
  #change(apply: () => void): void {
    apply();
    this.#sync();
    this.runner.children.forEach((child, i) => {
      const spawn = this.runner.spawns[i];
      if (child.ended || spawn?.file !== airportPaths.scutil) return;
      for (const line of notificationLines(changedKeys)) child.push(line);
    });
  }

  #sync(): void {
    const up = this.power && this.connected !== null;
    this.#world.power = { [device]: this.power };
    this.#world.preferred = this.preferred;
    this.#world.profile = this.systemProfilerText();
    this.#world.summary = up
      ? {
          linkActive: true,
          ssid: this.redaction === 'none' ? (this.connected as string) : redacted,
        }
      : { linkActive: false };
    this.#world.nwi = { reachable: up, interfaces: up ? [device] : [] };
  }
}
