import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { hostOf } from '@netbearer/core/internal';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drain } from './support/drain.js';

afterEach(() => {
  vi.useRealTimers();
});

// A WLAN scan adds and removes access points all day: nothing may pile up for each one.
describe('access points coming and going', () => {
  it('1,000 cycles of add, open, close and remove leave no link machine running', async () => {
    vi.useFakeTimers();
    const world = new SimulatedWorld();
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const undisposed: NetworkSession[] = [];
    for (let i = 0; i < 1_000; i++) {
      const id = world.addAccessPoint({ name: `ap ${i}` });
      await drain();
      const session = new NetworkSession(manager.configurationFromIdentifier(id));
      session.open();
      await vi.advanceTimersByTimeAsync(10);
      expect(session.isOpen()).toBe(true);
      session.close();
      await vi.advanceTimersByTimeAsync(10);
      world.remove(id);
      await drain();
      // Half the application disposes its sessions, half just drops them.
      if (i % 2 === 0) session.dispose();
      else undisposed.push(session);
    }
    expect([...hostOf(manager).links()]).toHaveLength(0);
    expect([...hostOf(manager).bindings()]).toHaveLength(0);
    expect(undisposed.every((s) => s.state() === 'Invalid')).toBe(true);
    await manager.dispose();
  });

  it('a removed access point that a session still follows keeps its link until the session lets go', async () => {
    vi.useFakeTimers();
    const world = new SimulatedWorld();
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const a = world.addAccessPoint({ name: 'a' });
    const b = world.addAccessPoint({ name: 'b' });
    const snap = world.addServiceNetwork({ name: 'snap', children: [a, b] });
    await drain();
    const session = new NetworkSession(manager.configurationFromIdentifier(snap));
    session.open();
    await vi.advanceTimersByTimeAsync(10);
    expect(session.sessionProperty('ActiveConfiguration')).toBe(a);
    world.remove(a);
    await vi.advanceTimersByTimeAsync(10);
    // The service network outlives its member; the session closes or roams, never crashes.
    expect(['Connected', 'Disconnected', 'Roaming']).toContain(session.state());
    session.close();
    session.dispose();
    await vi.advanceTimersByTimeAsync(10);
    const identifiers = [...hostOf(manager).links()].map((link) => link.record.identifier);
    expect(identifiers).not.toContain(a);
    await manager.dispose();
  });
});
