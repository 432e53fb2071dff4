import { describe, expect, it } from 'vitest';
import { groupAddresses, isRoutable } from './addresses.js';
import { interfaceTable } from './testing/interface-table.js';

describe('groupAddresses', () => {
  it('groups an os.networkInterfaces() table by interface', () => {
    const groups = groupAddresses(
      interfaceTable({ eth0: ['10.0.0.2', 'fe80::1'], lo: ['127.0.0.1'] }),
    );
    expect(groups.get('eth0')?.map((a) => a.family)).toEqual(['IPv4', 'IPv6']);
    expect(groups.get('lo')?.[0]?.internal).toBe(true);
  });

  it('folds names onto their owner', () => {
    const table = interfaceTable({ eth0: ['10.0.0.2'], 'eth0:1': ['10.0.0.3'] });
    const groups = groupAddresses(table, (name) => name.split(':')[0] ?? name);
    expect(groups.get('eth0')?.map((a) => a.address)).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('drops what does not look like an address, and survives non-tables', () => {
    const table = {
      eth0: [
        { address: 'not-an-ip', family: 'IPv4', internal: false },
        { address: '10.0.0.1', family: 'IPv6', internal: false },
        { address: 42, family: 'IPv4' },
        null,
        'junk',
        { address: '10.0.0.9', family: 4, internal: 'yes' },
        { address: 'fe80::1%eth0', family: 'IPv6', internal: false },
      ],
      eth1: 'not a list',
    };
    expect(groupAddresses(table).get('eth0')).toEqual([
      { address: '10.0.0.9', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
    ]);
    expect(groupAddresses(null).size).toBe(0);
    expect(groupAddresses('x').size).toBe(0);
  });
});

describe('isRoutable', () => {
  const v4 = (address: string) => isRoutable({ address, family: 'IPv4', internal: false });
  const v6 = (address: string) => isRoutable({ address, family: 'IPv6', internal: false });
  it('accepts private and public unicast addresses', () => {
    expect([v4('10.0.0.1'), v4('192.168.1.1'), v4('8.8.8.8'), v4('100.64.0.1')]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([v6('2001:db8::1'), v6('fd12::1'), v6('::ffff:10.0.0.1')]).toEqual([true, true, true]);
  });
  it('refuses link-local, loopback, unspecified and internal addresses', () => {
    expect([v4('169.254.1.1'), v4('127.0.0.1'), v4('0.0.0.0')]).toEqual([false, false, false]);
    expect([v6('fe80::1'), v6('FE80::1'), v6('febf::1'), v6('::1'), v6('::')]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isRoutable({ address: '10.0.0.1', family: 'IPv4', internal: true })).toBe(false);
  });
});
