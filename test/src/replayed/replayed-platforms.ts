/**
 * The replayed Windows and macOS machines behind one face, so that the Qt-level suites and the
 * model walk run unchanged on both. Each wraps its adapter's replayed world (captured outputs
 * edited for the world's state) and the real engine on it; the suites only say what happens
 * ("the link drops", "the network goes out of reach") and which configuration plays which part.
 *
 * Run under fake timers (setTimeout and Date): the worlds' association delays, the engines'
 * polls, debounces and timeouts are all timers.
 */
import { createAirportEngine } from '@netbearer/adapter-airport';
import { createNetshEngine } from '@netbearer/adapter-netsh';
import type { Engine } from '@netbearer/core';
import { ReplayedMac } from '../../../adapters/airport/src/testing/replayed-mac.js';
import { ReplayedWindows } from '../../../adapters/netsh/src/testing/replayed-windows.js';

export interface ReplayedIds {
  /** Saved, in reach and connected when the world starts. */
  readonly connected: string;
  /** Saved and in reach, not connected. */
  readonly known: string;
  /** Saved, out of reach. */
  readonly outOfReach: string;
  /** A wired port that is down. */
  readonly wiredDown: string;
  /** In reach, but the engine cannot start it (undefined where it can start everything). */
  readonly unstartable: string | undefined;
}

export interface ReplayedMachine {
  readonly platform: PlatformName;
  /**
   * With `restricted`: the link that stays Active while the platform will not name it (Windows
   * 24H2 without location permission: the Wi-Fi adapter; macOS 26: en0's current network).
   */
  readonly restrictedLink: { readonly id: string; readonly reason: string };
  readonly engine: Engine;
  readonly ids: ReplayedIds;
  /** Whether the engine claims it can stop what it started (CanStartAndStopInterfaces). */
  readonly canStop: boolean;
  /** A stop runs a command that the world completes later ('manual' worlds: `dropLink`). */
  readonly stopTakesTime: boolean;
  /** Fake time that covers the engine's reaction to a change (polls, debounce). */
  readonly settleMs: number;
  /** Fake time after which the engine gives up on a connect that never associates. */
  readonly connectTimeoutMs: number;
  /** What the platform prints when it refuses a connect. */
  readonly refusal: RegExp;
  /** A pending connect associates ('manual' worlds). */
  associate(): void;
  /** The connect to this configuration is reported done but never associates. */
  neverAssociates(id: string): void;
  /** The platform refuses the connect to this configuration. */
  refuses(id: string): void;
  /** The link of the connected network drops (and a pending stop completes). */
  dropLink(): void;
  /** The user connects this configuration in the platform's own UI. */
  connectElsewhere(id: string): void;
  setInReach(id: string, inReach: boolean): void;
  /** The saved network is deleted outside this process. */
  forget(id: string): void;
  /** A network nobody saved comes into reach; the identifier the engine gives it. */
  appear(ssid: string): string;
  dispose(): void;
}

export type PlatformName = 'windows' | 'windows-de' | 'macos';

export interface MachineOptions {
  /** Associations and stops complete only when the test says (the model walk). */
  readonly manual?: boolean;
  /** The platform withholds names: 24H2's location gate, macOS 26's redaction. */
  readonly restricted?: boolean;
}

/**
 * Windows 11 in English (or German, its console in code page 850): profiles Home (SSID-1,
 * connected), Office (SSID-2), Old (away).
 */
function windows(options: MachineOptions, german = false): ReplayedMachine {
  const manual = options.manual === true;
  const world = new ReplayedWindows({
    ...(german ? ({ language: 'de', encoding: 'cp850' } as const) : {}),
    associateMs: manual ? 'manual' : 1_000,
    disconnectMs: manual ? 'manual' : 0,
  });
  world.locationAllowed = options.restricted !== true;
  const connectTimeoutMs = 10_000;
  const engine = createNetshEngine({
    runner: world.runner,
    platform: 'win32',
    env: {},
    connectTimeoutMs,
    connectPollMs: 500,
  });
  const profile = (id: string) => id.replace(/^netsh:profile:/, '');
  const ssid = (id: string) => world.profiles.find((p) => p.name === profile(id))?.ssid ?? '';
  return {
    platform: german ? 'windows-de' : 'windows',
    restrictedLink: { id: `netsh:if:${world.interfaceName}`, reason: 'location-permission' },
    engine,
    ids: {
      connected: 'netsh:profile:Home',
      known: 'netsh:profile:Office',
      outOfReach: 'netsh:profile:Old',
      wiredDown: 'netsh:if:Ethernet',
      unstartable: `netsh:ssid:${Buffer.from('SSID-3').toString('hex')}`,
    },
    canStop: true,
    stopTakesTime: manual,
    settleMs: 2_000,
    connectTimeoutMs: connectTimeoutMs + 1_000,
    refusal: /is not available to connect/,
    associate: () => world.associate(),
    neverAssociates: (id) => world.outcomes.set(profile(id), 'never'),
    refuses: (id) => world.outcomes.set(profile(id), 'refused'),
    dropLink: () => world.dropLink(),
    connectElsewhere: (id) => world.connectElsewhere(profile(id)),
    setInReach: (id, inReach) => world.setInReach(ssid(id), inReach),
    forget: (id) => world.removeProfile(profile(id)),
    appear: (name) => {
      world.setInReach(name, true);
      return `netsh:ssid:${Buffer.from(name).toString('hex')}`;
    },
    dispose: () => world.dispose(),
  };
}

/** macOS 15.6 (ipconfig redacts the name): saved SSID-2 (connected), SSID-3, Office (away). */
function macos(options: MachineOptions): ReplayedMachine {
  const world = new ReplayedMac({
    associateMs: options.manual ? 'manual' : 1_000,
    redaction: options.restricted ? 'all' : 'ipconfig',
  });
  const connectTimeoutMs = 10_000;
  const engine = createAirportEngine({ runner: world.runner, connectTimeoutMs });
  const ssid = (id: string) => id.replace(/^airport:(known|seen):/, '');
  return {
    platform: 'macos',
    restrictedLink: { id: 'airport:wlan:en0:current', reason: 'redacted' },
    engine,
    ids: {
      connected: 'airport:known:SSID-2',
      known: 'airport:known:SSID-3',
      outOfReach: 'airport:known:Office',
      wiredDown: 'airport:if:en4',
      unstartable: undefined,
    },
    // macOS has no command that leaves a network: stops are refused (stopMode 'none').
    canStop: false,
    stopTakesTime: false,
    settleMs: 2_000,
    connectTimeoutMs: connectTimeoutMs + 1_000,
    refusal: /Could not find network/,
    associate: () => world.associate(),
    neverAssociates: (id) => world.outcomes.set(ssid(id), 'never'),
    refuses: (id) => world.outcomes.set(ssid(id), 'refused'),
    dropLink: () => world.dropLink(),
    connectElsewhere: (id) => world.connectElsewhere(ssid(id)),
    setInReach: (id, inReach) => world.setInRange(ssid(id), inReach),
    forget: (id) => world.removePreferred(ssid(id)),
    appear: (name) => {
      world.setInRange(name, true);
      return `airport:seen:${name}`;
    },
    dispose: () => world.dispose(),
  };
}

export const replayedPlatforms: Record<
  PlatformName,
  (options?: MachineOptions) => ReplayedMachine
> = {
  windows: (options = {}) => windows(options),
  'windows-de': (options = {}) => windows(options, true),
  macos: (options = {}) => macos(options),
};

export const platformNames = Object.keys(replayedPlatforms) as PlatformName[];
