/**
 * User-given delays of 2^31 ms or more. Node's setTimeout cannot wait that long: it fires after
 * 1 ms with a TimeoutOverflowWarning, so such a delay must be chained, not handed over as is.
 * Fake timers reproduce Node's clamp, so these tests fail on a bare setTimeout.
 */
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { InvalidArgumentError, NetworkSession } from '@netbearer/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, drain } from './support/drain.js';
import { configurationOf, useManagers } from './support/qt-rig.js';
import { openAndWait } from './support/sessions.js';

const managers = useManagers();
const overLimit = 2 ** 31;
const day = 24 * 60 * 60 * 1000;

/** Collects the process warnings of a test (TimeoutOverflowWarning, …). */
function collectWarnings(): string[] {
  const warnings: string[] = [];
  const listener = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  afterEach(() => {
    process.off('warning', listener);
  });
  return warnings;
}

async function sessionOn(connectDelay: number) {
  vi.useFakeTimers();
  const world = new SimulatedWorld({ connectDelay, disconnectDelay: 50 });
  world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
  const manager = await managers(world);
  return new NetworkSession(configurationOf(manager, 'sim:wifi'));
}

describe('AutoCloseSessionTimeout beyond 2^31 - 1 ms', () => {
  const warnings = collectWarnings();

  it('keeps the session open until the timeout really passes, then closes it', async () => {
    const session = await sessionOn(200);
    await openAndWait(session);
    session.setSessionProperty('AutoCloseSessionTimeout', overLimit);
    await advance(day);
    expect(session.isOpen()).toBe(true);
    await advance(overLimit - day - 1_000);
    expect(session.isOpen()).toBe(true);
    await advance(2_000);
    expect(session.isOpen()).toBe(false);
    expect(session.state()).toBe('Disconnected');
    expect(session.sessionProperty('AutoCloseSessionTimeout')).toBe(-1);
    expect(warnings.filter((w) => w.startsWith('TimeoutOverflowWarning'))).toEqual([]);
  });

  it('armed before the open, it counts from the open', async () => {
    const session = await sessionOn(200);
    session.setSessionProperty('AutoCloseSessionTimeout', 3 * overLimit);
    await openAndWait(session);
    await advance(2 * overLimit);
    expect(session.isOpen()).toBe(true);
    await advance(overLimit + 1_000);
    expect(session.isOpen()).toBe(false);
  });

  it('setting it to -1 disarms a long timeout', async () => {
    const session = await sessionOn(200);
    await openAndWait(session);
    session.setSessionProperty('AutoCloseSessionTimeout', overLimit);
    session.setSessionProperty('AutoCloseSessionTimeout', -1);
    await advance(2 * overLimit);
    expect(session.isOpen()).toBe(true);
  });

  it('refuses what is not -1 or a whole number of milliseconds', async () => {
    const session = await sessionOn(200);
    for (const bad of [-2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1000', null]) {
      expect(() => session.setSessionProperty('AutoCloseSessionTimeout', bad)).toThrow(
        InvalidArgumentError,
      );
    }
    expect(session.sessionProperty('AutoCloseSessionTimeout')).toBe(-1);
  });

  it('with real timers, a long timeout neither fires nor warns', async () => {
    const world = new SimulatedWorld({ connectDelay: 0 });
    world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
    const manager = await managers(world);
    const session = new NetworkSession(configurationOf(manager, 'sim:wifi'));
    session.open();
    expect(await session.waitForOpened(1_000)).toBe(true);
    session.setSessionProperty('AutoCloseSessionTimeout', overLimit);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await drain();
    expect(session.isOpen()).toBe(true);
    expect(warnings.filter((w) => w.startsWith('TimeoutOverflowWarning'))).toEqual([]);
    session.close();
  });
});

describe('waitForOpened beyond 2^31 - 1 ms', () => {
  const warnings = collectWarnings();

  it('waits while the session is still connecting, and resolves true when it opens', async () => {
    const session = await sessionOn(5_000);
    session.open();
    let result: boolean | 'pending' = 'pending';
    void session.waitForOpened(overLimit).then((opened) => {
      result = opened;
    });
    await advance(100);
    expect(result).toBe('pending');
    expect(session.state()).toBe('Connecting');
    await advance(5_000);
    expect(result).toBe(true);
    expect(warnings.filter((w) => w.startsWith('TimeoutOverflowWarning'))).toEqual([]);
  });

  it('a wait of 2^31 ms outlasts a connect of almost as long', async () => {
    const session = await sessionOn(overLimit - 2);
    session.configuration().setConnectTimeout(overLimit - 1);
    session.open();
    let result: boolean | 'pending' = 'pending';
    void session.waitForOpened(overLimit).then((opened) => {
      result = opened;
    });
    await advance(day);
    expect(result).toBe('pending');
    await advance(overLimit - day);
    expect(result).toBe(true);
  });

  it('-1 waits without limit, as in Qt; a short wait still times out', async () => {
    const session = await sessionOn(100_000);
    session.configuration().setConnectTimeout(200_000);
    session.open();
    let forever: boolean | 'pending' = 'pending';
    let minute: boolean | 'pending' = 'pending';
    void session.waitForOpened(-1).then((opened) => {
      forever = opened;
    });
    void session.waitForOpened(60_000).then((opened) => {
      minute = opened;
    });
    await advance(60_000);
    expect(minute).toBe(false);
    expect(forever).toBe('pending');
    await advance(41_000);
    expect(forever).toBe(true);
  });

  it('rejects with InvalidArgumentError what is not -1 or a whole number of milliseconds', async () => {
    const session = await sessionOn(200);
    session.open();
    for (const bad of [-2, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      await expect(session.waitForOpened(bad)).rejects.toThrow(InvalidArgumentError);
    }
    await expect(session.waitForOpened('10' as unknown as number)).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});

describe('setConnectTimeout', () => {
  it('refuses 2^31 ms or more with an InvalidArgumentError that states the limit', async () => {
    const session = await sessionOn(200);
    const configuration = session.configuration();
    expect(() => configuration.setConnectTimeout(overLimit)).toThrow(InvalidArgumentError);
    expect(() => configuration.setConnectTimeout(overLimit)).toThrow(/2147483647/);
    configuration.setConnectTimeout(overLimit - 1);
    expect(configuration.connectTimeout()).toBe(overLimit - 1);
  });

  it('refuses zero, negative, fractional and non-numbers', async () => {
    const session = await sessionOn(200);
    const configuration = session.configuration();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
      expect(() => configuration.setConnectTimeout(bad as number)).toThrow(InvalidArgumentError);
    }
    expect(configuration.connectTimeout()).toBe(30_000);
  });

  it('a connect timeout near the limit does not fire early', async () => {
    const session = await sessionOn(overLimit - 1);
    session.configuration().setConnectTimeout(overLimit - 2);
    session.open();
    await advance(day);
    expect(session.state()).toBe('Connecting');
    await advance(overLimit - day);
    expect(session.state()).not.toBe('Connecting');
    expect(session.error()).toBe('UnknownSessionError');
  });
});
