import { describe, expect, it } from 'vitest';
import type { InterfaceAddress } from './addresses.js';
import {
  bearerOf,
  classifyLink,
  classifyListed,
  hasPhysicalLower,
  identifierOf,
  isLoopback,
  linkIsUp,
  looksVirtual,
} from './classify.js';
import type { LinkFacts } from './sysfs.js';

const eth: LinkFacts = {
  name: 'eth0',
  operstate: 'up',
  carrier: true,
  type: 1,
  flags: 0x1003,
  wireless: false,
  devtype: undefined,
  virtualDevice: false,
  lowers: [],
};
const v4 = (address: string): InterfaceAddress => ({ address, family: 'IPv4', internal: false });
const v6 = (address: string): InterfaceAddress => ({ address, family: 'IPv6', internal: false });
const alone = { addresses: [], routesDefault: false, hasPhysicalLower: false };

describe('configuration state', () => {
  it('is Defined while down, whatever the addresses', () => {
    const down = { ...eth, operstate: 'down' as const, carrier: undefined, flags: 0x1002 };
    expect(classifyLink(down, { ...alone, addresses: [v4('10.0.0.2')] })?.state).toBe('Defined');
  });

  it('is Defined when up without carrier (cable out, peer down)', () => {
    const noCarrier = { ...eth, operstate: 'lowerlayerdown' as const, carrier: false };
    expect(classifyLink(noCarrier, alone)?.state).toBe('Defined');
    expect(classifyLink({ ...eth, operstate: 'dormant' }, alone)?.state).toBe('Defined');
  });

  it('is Discovered when up with only link-local addresses', () => {
    const addresses = [v4('169.254.7.1'), v6('fe80::1'), v6('FEBF::2')];
    expect(classifyLink(eth, { ...alone, addresses })?.state).toBe('Discovered');
    expect(classifyLink(eth, alone)?.state).toBe('Discovered');
  });

  it('is Active with a routable IPv4 or IPv6 address', () => {
    expect(classifyLink(eth, { ...alone, addresses: [v4('192.168.1.5')] })?.state).toBe('Active');
    expect(classifyLink(eth, { ...alone, addresses: [v6('2001:db8::5')] })?.state).toBe('Active');
    expect(classifyLink(eth, { ...alone, addresses: [v6('fd00::5')] })?.state).toBe('Active');
  });

  it('takes "unknown" operstate (tun, dummy) as up only with a carrier', () => {
    expect(linkIsUp({ ...eth, operstate: 'unknown', carrier: true })).toBe(true);
    expect(linkIsUp({ ...eth, operstate: 'unknown', carrier: false })).toBe(false);
    expect(linkIsUp({ ...eth, operstate: undefined, carrier: true })).toBe(true);
    expect(linkIsUp({ ...eth, operstate: undefined, carrier: undefined })).toBe(false);
  });

  it('believes an administratively down flag over a stale operstate', () => {
    expect(linkIsUp({ ...eth, flags: 0x1002 })).toBe(false);
    expect(linkIsUp({ ...eth, flags: undefined })).toBe(true);
  });
});

describe('bearer type', () => {
  it('says WLAN where the kernel says wireless', () => {
    expect(bearerOf({ ...eth, wireless: true })).toBe('WLAN');
  });
  it('says Ethernet for ARPHRD_ETHER, Unknown for other hardware types', () => {
    expect(bearerOf(eth)).toBe('Ethernet');
    expect(bearerOf({ ...eth, type: 512 })).toBe('Unknown'); // ppp
    expect(bearerOf({ ...eth, type: 65534 })).toBe('Unknown'); // tun
    expect(bearerOf({ ...eth, type: undefined })).toBe('Unknown');
  });
  it('does not call an Ethernet-framed modem or Bluetooth PAN Ethernet', () => {
    expect(bearerOf({ ...eth, devtype: 'wwan' })).toBe('Unknown');
    expect(bearerOf({ ...eth, devtype: 'bluetooth' })).toBe('Bluetooth');
  });
});

describe('virtual interfaces', () => {
  it('recognises software devices by placement, device type and name', () => {
    expect(looksVirtual({ ...eth, virtualDevice: true })).toBe(true);
    expect(looksVirtual({ ...eth, devtype: 'wireguard' })).toBe(true);
    for (const name of ['docker0', 'veth12ab', 'br-1f2e', 'virbr0', 'tun0', 'tap3', 'wg0']) {
      expect(looksVirtual({ ...eth, name })).toBe(true);
    }
    for (const name of ['vboxnet0', 'vmnet8', 'zt3jnabc', 'tailscale0', 'utun2']) {
      expect(looksVirtual({ ...eth, name })).toBe(true);
    }
    expect(looksVirtual(eth)).toBe(false);
    expect(looksVirtual({ ...eth, name: 'enp3s0' })).toBe(false);
  });

  it('marks a virtual link virtual unless it is the way out or stands on hardware', () => {
    const wg = { ...eth, name: 'wg0', type: 65534, virtualDevice: true };
    expect(classifyLink(wg, alone)?.virtual).toBe(true);
    expect(classifyLink(wg, { ...alone, routesDefault: true })?.virtual).toBe(false);
    expect(classifyLink(wg, { ...alone, hasPhysicalLower: true })?.virtual).toBe(false);
    expect(classifyLink(eth, alone)?.virtual).toBe(false);
  });

  it('follows lower links down to hardware, and survives cycles', () => {
    const links = new Map<string, LinkFacts>([
      ['br0', { ...eth, name: 'br0', virtualDevice: true, lowers: ['bond0'] }],
      ['bond0', { ...eth, name: 'bond0', virtualDevice: true, lowers: ['eth0'] }],
      ['eth0', eth],
      ['docker0', { ...eth, name: 'docker0', virtualDevice: true, lowers: ['veth1'] }],
      ['veth1', { ...eth, name: 'veth1', virtualDevice: true, lowers: ['docker0'] }],
    ]);
    expect(hasPhysicalLower('br0', links)).toBe(true);
    expect(hasPhysicalLower('docker0', links)).toBe(false);
    expect(hasPhysicalLower('eth0', links)).toBe(false);
  });
});

describe('what a configuration looks like', () => {
  it('leaves loopback out, by type, by flag, or by name when nothing else is known', () => {
    expect(classifyLink({ ...eth, name: 'lo', type: 772 }, alone)).toBeUndefined();
    expect(classifyLink({ ...eth, name: 'x', type: undefined, flags: 0x9 }, alone)).toBeUndefined();
    expect(isLoopback({ ...eth, name: 'lo', type: undefined, flags: undefined })).toBe(true);
    expect(isLoopback({ ...eth, name: 'eth0', type: undefined, flags: undefined })).toBe(false);
  });

  it('is an internet access point named and identified after its interface', () => {
    expect(classifyLink(eth, { ...alone, addresses: [v4('10.1.1.1')] })).toEqual({
      identifier: 'generic:eth0',
      name: 'eth0',
      type: 'InternetAccessPoint',
      state: 'Active',
      bearerType: 'Ethernet',
      purpose: 'UnknownPurpose',
      interfaceName: 'eth0',
      virtual: false,
    });
    expect(identifierOf('a;$(id)')).toBe('generic:a;$(id)');
  });
});

describe('classifyListed (platforms without sysfs)', () => {
  it('calls a listed interface Active with a routable address, else Discovered', () => {
    expect(classifyListed('en0', [v6('fe80::1'), v4('192.168.0.3')])?.state).toBe('Active');
    expect(classifyListed('awdl0', [v6('fe80::1')])).toMatchObject({
      state: 'Discovered',
      virtual: true,
      bearerType: 'Unknown',
    });
  });
  it('leaves out loopback (internal addresses only) and interfaces without addresses', () => {
    expect(
      classifyListed('lo0', [{ address: '::1', family: 'IPv6', internal: true }]),
    ).toBeUndefined();
    expect(classifyListed('en5', [])).toBeUndefined();
  });
});
