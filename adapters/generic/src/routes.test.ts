import { describe, expect, it } from 'vitest';
import { parseIPv4Defaults, parseIPv6Defaults } from './routes.js';

// Captured from /proc/net/route and /proc/net/ipv6_route of a Debian 12 machine, then edited
// to add a second default route and IPv6 entries.
const ipv4 = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
tun0\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0
`;
const ipv6 = `fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00450003     wlan0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

describe('default routes', () => {
  it('lists IPv4 default routes by metric, ignoring routes that are not up', () => {
    expect(parseIPv4Defaults(ipv4)).toEqual([
      { name: 'eth0', metric: 100 },
      { name: 'wlan0', metric: 600 },
    ]);
  });
  it('lists IPv6 default routes, without the unreachable one on lo', () => {
    expect(parseIPv6Defaults(ipv6)).toEqual([{ name: 'wlan0', metric: 0x400 }]);
  });
  it('finds nothing in garbage', () => {
    for (const garbage of ['', '\0\0\0', 'Iface\n\t\t\t', 'x'.repeat(10_000), '\n\n00000000 00']) {
      expect(parseIPv4Defaults(garbage)).toEqual([]);
      expect(parseIPv6Defaults(garbage)).toEqual([]);
    }
  });
});
