/**
 * The simulated "device" the re-expressed Qt bearer autotests run on, and Qt's test helpers
 * (suitableConfiguration, openSession, closeSession from tst_qnetworksession.cpp) rewritten
 * against netbearer and fake timers. The helpers return the list of problems Qt would have
 * logged with qDebug, so a failing assertion says what went wrong.
 */
import { SimulatedWorld, type WorldOptions } from '@netbearer/adapter-simulated';
import {
  type ConfigurationState,
  type ConfigurationType,
  type NetworkConfiguration,
  NetworkConfigurationManager,
  type NetworkConfigurationManagerOptions,
  type NetworkSession,
} from '@netbearer/core';
import { afterEach, vi } from 'vitest';
import { advance, advanceUntil } from './drain.js';
import { EventRecorder } from './event-recorder.js';

export const ids = {
  wlan: 'sim:wlan',
  cellular: 'sim:lte',
  ethernet: 'sim:eth',
  far: 'sim:far',
  scanned: 'sim:scanned',
  snap: 'sim:snap',
  userChoice: 'sim:UserChoice',
} as const;

/** Qt's cumulative configuration state bits: Undefined 0x1, Defined 0x2, Discovered 0x6, Active 0xE. */
export const stateBits: Readonly<Record<ConfigurationState, number>> = {
  Undefined: 0x1,
  Defined: 0x2,
  Discovered: 0x6,
  Active: 0xe,
};

export interface QtWorldOptions extends WorldOptions {
  /** Offer Qt's UserChoice configuration (then it is the default configuration). */
  readonly userChoice?: boolean;
}

/**
 * A device like the ones Qt's autotests ran on: a discovered WLAN and a discovered cellular
 * access point, an active Ethernet link, a WLAN out of range, one that only a scan finds, and
 * a service network preferring the WLAN over the cellular link. Connecting takes 200 ms and
 * disconnecting 50 ms unless told otherwise: run it under fake timers.
 */
export function qtWorld(options: QtWorldOptions = {}): SimulatedWorld {
  const world = new SimulatedWorld({ connectDelay: 200, disconnectDelay: 50, ...options });
  world.addAccessPoint({
    name: 'Office WLAN',
    identifier: ids.wlan,
    bearerType: 'WLAN',
    interfaceName: 'wlan0',
  });
  world.addAccessPoint({
    name: 'Operator LTE',
    identifier: ids.cellular,
    bearerType: 'LTE',
    interfaceName: 'wwan0',
  });
  world.addAccessPoint({
    name: 'Wired',
    identifier: ids.ethernet,
    bearerType: 'Ethernet',
    interfaceName: 'eth0',
    active: true,
  });
  world.addAccessPoint({
    name: 'Far WLAN',
    identifier: ids.far,
    bearerType: 'WLAN',
    interfaceName: 'wlan1',
    inRange: false,
  });
  world.addAccessPoint({
    name: 'Scanned WLAN',
    identifier: ids.scanned,
    bearerType: 'WLAN',
    interfaceName: 'wlan2',
    foundByScan: true,
  });
  world.addServiceNetwork({
    name: 'Internet',
    identifier: ids.snap,
    children: [ids.wlan, ids.cellular],
  });
  if (options.userChoice) world.addUserChoice(ids.userChoice);
  return world;
}

export type ManagerFactory = (
  world: SimulatedWorld,
  engineName?: string,
  options?: Omit<NetworkConfigurationManagerOptions, 'engines'>,
) => Promise<NetworkConfigurationManager>;

/**
 * Managers created through the returned factory are disposed after each test (and fake
 * timers are switched back off first), so no test leaks machines or timers into the next.
 */
export function useManagers(): ManagerFactory {
  const created: NetworkConfigurationManager[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const manager of created.splice(0)) await manager.dispose();
  });
  return async (world, engineName = 'simulated', options = {}) => {
    const manager = await NetworkConfigurationManager.create({
      ...options,
      engines: [world.engine(engineName)],
    });
    created.push(manager);
    return manager;
  };
}

const cellularBearers = new Set(['2G', 'CDMA2000', 'WCDMA', 'HSPA', 'EVDO', 'LTE', '3G', '4G']);

/**
 * Qt's suitableConfiguration(): after an update, the first Discovered, not Active
 * configuration of that type (and, for access points, that bearer; "cellular" is any mobile
 * bearer). An invalid configuration when none fits.
 */
export async function suitableConfiguration(
  manager: NetworkConfigurationManager,
  bearer: string,
  type: ConfigurationType,
): Promise<NetworkConfiguration | undefined> {
  await manager.updateConfigurations();
  return manager.allConfigurations('Discovered').find((c) => {
    if (c.state() === 'Active' || c.type() !== type) return false;
    if (type !== 'InternetAccessPoint') return true;
    return bearer === 'cellular'
      ? cellularBearers.has(c.bearerTypeName())
      : c.bearerTypeName() === bearer;
  });
}

/**
 * Qt's openSession(): open, waitForOpened (up to 120 s of fake time), let signals settle for
 * 5 s, then check it went by the book. Returns the problems found (empty: it did).
 */
export async function openSession(
  manager: NetworkConfigurationManager,
  session: NetworkSession,
): Promise<string[]> {
  const problems: string[] = [];
  const rec = new EventRecorder().watch('s', session).watchManager('m', manager);
  const configuration = session.configuration();
  const configInitState = configuration.state();
  const sessionInitState = session.state();
  if (session.isOpen() || session.sessionProperty('ActiveConfiguration') !== '') {
    problems.push('session was already open / active');
  } else {
    session.open();
    let settled = false;
    void session.waitForOpened(120_000).then(() => {
      settled = true;
    });
    await advanceUntil(() => settled, { within: 120_000 });
  }
  await advance(5_000);
  rec.stop();
  if (!session.isOpen()) problems.push('open() failed: session is not open');
  if (rec.count('s', 'opened') !== 1) {
    problems.push(`expected one opened(), got ${rec.count('s', 'opened')}`);
  }
  if (rec.count('s', 'error') > 0) problems.push(`error(): ${rec.values('s', 'error').join()}`);
  if (sessionInitState !== 'Connected' && rec.count('s', 'stateChanged') === 0) {
    problems.push('no stateChanged()');
  }
  const changed = rec.of('m').filter((l) => l.startsWith('configurationChanged '));
  if (configInitState !== 'Active' && changed.length === 0) {
    problems.push('no configurationChanged() from the manager');
  }
  if (configuration.state() !== 'Active') {
    problems.push(`configuration is ${configuration.state()}, not Active`);
  }
  return problems;
}

/**
 * Qt's closeSession(): close, let signals settle for 5 s, check. With `last` (the last
 * session on its configuration) the link must really go down: stateChanged, Disconnected,
 * a configurationChanged and the configuration no longer Active.
 */
export async function closeSession(
  manager: NetworkConfigurationManager,
  session: NetworkSession,
  last = true,
): Promise<string[]> {
  if (session.state() !== 'Connected' || !session.isOpen()) {
    return [`session is not open (state ${session.state()}, isOpen ${session.isOpen()})`];
  }
  const problems: string[] = [];
  const rec = new EventRecorder().watch('s', session).watchManager('m', manager);
  session.close();
  await advance(5_000);
  rec.stop();
  if (rec.count('s', 'error') > 0) problems.push(`error(): ${rec.values('s', 'error').join()}`);
  if (rec.count('s', 'closed') !== 1) {
    problems.push(`expected one closed(), got ${rec.count('s', 'closed')}`);
  }
  if (last && rec.count('s', 'stateChanged') === 0) problems.push('no stateChanged()');
  if (last && session.state() !== 'Disconnected') {
    problems.push(`session is ${session.state()}, not Disconnected`);
  }
  const changed = rec.of('m').filter((l) => l.startsWith('configurationChanged '));
  if (last && changed.length === 0) problems.push('no configurationChanged() from the manager');
  if (last && session.configuration().state() === 'Active') {
    problems.push('configuration is still Active');
  }
  return problems;
}

/** The manager's configuration for an identifier, failing loudly if it is unknown. */
export function configurationOf(
  manager: NetworkConfigurationManager,
  identifier: string,
): NetworkConfiguration {
  const configuration = manager.configurationFromIdentifier(identifier);
  if (!configuration.isValid()) throw new Error(`no configuration ${identifier} in the world`);
  return configuration;
}
