import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { drain } from './support/drain.js';

describe('network information (Qt 6 QNetworkInformation)', () => {
  it('claims nothing an engine does not know', async () => {
    const manager = await NetworkConfigurationManager.create({
      engines: [new SimulatedWorld().engine()],
    });
    expect(manager.supports('Reachability')).toBe(false);
    expect(manager.reachability()).toBe('Unknown');
    expect(manager.isBehindCaptivePortal()).toBe(false);
    expect(manager.transportMedium()).toBe('Unknown');
    await manager.dispose();
  });

  it('reports the engine values and one event per field that changed', async () => {
    const world = new SimulatedWorld();
    world.setNetworkInformation({
      reachability: 'Online',
      behindCaptivePortal: false,
      transportMedium: 'WiFi',
      metered: false,
    });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    expect(manager.supports('CaptivePortal')).toBe(true);
    expect([manager.reachability(), manager.transportMedium()]).toEqual(['Online', 'WiFi']);
    const seen: string[] = [];
    manager.on('reachabilityChanged', (r) => seen.push(`reachability:${r}`));
    manager.on('isBehindCaptivePortalChanged', (b) => seen.push(`portal:${b}`));
    manager.on('transportMediumChanged', (m) => seen.push(`medium:${m}`));
    manager.on('isMeteredChanged', (m) => seen.push(`metered:${m}`));
    world.setNetworkInformation({
      reachability: 'Site',
      behindCaptivePortal: true,
      transportMedium: 'WiFi',
      metered: false,
    });
    expect(seen).toEqual([]);
    await drain();
    expect(seen).toEqual(['reachability:Site', 'portal:true']);
    expect(manager.isBehindCaptivePortal()).toBe(true);
    await manager.dispose();
  });
});
