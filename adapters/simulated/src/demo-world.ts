import { SimulatedWorld, type WorldOptions } from './simulated-world.js';

/**
 * A small, believable world, one call away: wired and wireless at home, a café hotspot, a
 * mobile link, and a service network that prefers them in that order.
 */
export function createDemoWorld(
  options: WorldOptions = { connectDelay: 200, disconnectDelay: 50 },
) {
  const world = new SimulatedWorld(options);
  const ids = {
    wired: world.addAccessPoint({
      name: 'Wired',
      identifier: 'sim:wired',
      bearerType: 'Ethernet',
      interfaceName: 'eth0',
      inRange: false,
    }),
    home: world.addAccessPoint({
      name: 'Home Wi-Fi',
      identifier: 'sim:home-wifi',
      bearerType: 'WLAN',
      interfaceName: 'wlan0',
      active: true,
    }),
    cafe: world.addAccessPoint({
      name: 'Café',
      identifier: 'sim:cafe',
      bearerType: 'WLAN',
      interfaceName: 'wlan0',
      foundByScan: true,
    }),
    mobile: world.addAccessPoint({
      name: 'Mobile',
      identifier: 'sim:mobile',
      bearerType: 'LTE',
      interfaceName: 'wwan0',
      usagePolicies: ['NoBackgroundTrafficPolicy'],
    }),
  };
  const internet = world.addServiceNetwork({
    name: 'Internet',
    identifier: 'sim:internet',
    children: [ids.wired, ids.home, ids.mobile],
  });
  return { world, ids: { ...ids, internet } };
}
