import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listLinkNames,
  parseCarrier,
  parseCounter,
  parseDecimal,
  parseDevtype,
  parseHex,
  parseOperState,
  readLinkFacts,
  readLinkStatistics,
} from './sysfs.js';
import { FakeSysfs, upEthernet } from './testing/fake-sysfs.js';

describe('sysfs attribute parsers', () => {
  it('reads the values the kernel writes, trailing newline included', () => {
    expect(parseOperState('lowerlayerdown\n')).toBe('lowerlayerdown');
    expect(parseCarrier('1\n')).toBe(true);
    expect(parseCarrier('0\n')).toBe(false);
    expect(parseDecimal('772\n')).toBe(772);
    expect(parseHex('0x1003\n')).toBe(0x1003);
    expect(parseCounter('18446744073709551615\n')).toBeGreaterThan(1.8e19);
    expect(parseDevtype('INTERFACE=wlan0\nIFINDEX=3\nDEVTYPE=wlan\n')).toBe('wlan');
  });

  it('treats garbage, empty and missing values as unknown', () => {
    for (const garbage of [undefined, '', 'UP', '1 1', '\0\x01', '-1', '0x', '1e3', ' 0x1g ']) {
      expect(parseOperState(garbage)).toBeUndefined();
      expect(parseCarrier(garbage)).toBeUndefined();
      expect(parseDecimal(garbage)).toBeUndefined();
      expect(parseHex(garbage)).toBeUndefined();
      expect(parseCounter(garbage)).toBeUndefined();
    }
    expect(parseDevtype('DEVTYPE=$(reboot)\n')).toBeUndefined();
    expect(parseDevtype('INTERFACE=eth0\n')).toBeUndefined();
  });
});

describe('readLinkFacts on a fake tree', () => {
  let sys: FakeSysfs;
  beforeEach(async () => {
    sys = await FakeSysfs.create();
  });
  afterEach(async () => {
    await sys.cleanup();
  });

  it('reads state, type, flags, wireless and placement', async () => {
    await sys.set('wlan0', { ...upEthernet, phy80211: true });
    await sys.set('br0', {
      ...upEthernet,
      virtual: true,
      uevent: 'DEVTYPE=bridge\n',
      lowers: ['eth0'],
    });
    expect(await readLinkFacts(sys.root, 'wlan0')).toEqual({
      name: 'wlan0',
      operstate: 'up',
      carrier: true,
      type: 1,
      flags: 0x1003,
      wireless: true,
      devtype: undefined,
      virtualDevice: false,
      lowers: [],
    });
    expect(await readLinkFacts(sys.root, 'br0')).toMatchObject({
      devtype: 'bridge',
      virtualDevice: true,
      lowers: ['eth0'],
      wireless: false,
    });
  });

  it('keeps an interface whose files are garbage, with every fact unknown', async () => {
    await sys.set('eth0', {
      operstate: 'sideways',
      carrier: 'yes',
      type: 'ether',
      flags: '4099',
      uevent: '\0\0\0',
    });
    expect(await readLinkFacts(sys.root, 'eth0')).toMatchObject({
      operstate: undefined,
      carrier: undefined,
      type: undefined,
      flags: undefined,
      devtype: undefined,
    });
  });

  it('reads only the start of an oversized attribute', async () => {
    await sys.set('eth0', upEthernet);
    await sys.write('eth0', 'operstate', 'x'.repeat(1 << 20));
    expect((await readLinkFacts(sys.root, 'eth0'))?.operstate).toBeUndefined();
  });

  it('does not hang on a FIFO where an attribute should be', async () => {
    await sys.set('eth0', { ...upEthernet, operstate: undefined });
    execFileSync('mkfifo', [join(sys.root, 'eth0', 'operstate')]);
    const facts = await readLinkFacts(sys.root, 'eth0');
    expect(facts?.operstate).toBeUndefined();
    expect(facts?.carrier).toBe(true);
  }, 5000);

  it('is not fooled by plain files and vanished entries', async () => {
    await writeFile(join(sys.root, 'bonding_masters'), 'bond0\n');
    expect(await readLinkFacts(sys.root, 'bonding_masters')).toBeUndefined();
    expect(await readLinkFacts(sys.root, 'gone0')).toBeUndefined();
  });

  it('handles odd names as plain path components', async () => {
    const odd = ['a;$(id)', 'ünï', '-rf', 'o\'q"', 'x\ny'];
    for (const name of odd) await sys.set(name, upEthernet);
    expect((await listLinkNames(sys.root)).sort()).toEqual([...odd].sort());
    for (const name of odd) expect((await readLinkFacts(sys.root, name))?.name).toBe(name);
  });

  it('reads byte counters, and nothing when one is garbage or missing', async () => {
    await sys.set('eth0', { ...upEthernet, rxBytes: '1234', txBytes: '56' });
    await sys.set('eth1', { ...upEthernet, rxBytes: 'lots', txBytes: '56' });
    await sys.set('eth2', { ...upEthernet, rxBytes: undefined });
    expect(readLinkStatistics(sys.root, 'eth0')).toEqual({ bytesReceived: 1234, bytesWritten: 56 });
    expect(readLinkStatistics(sys.root, 'eth1')).toBeUndefined();
    expect(readLinkStatistics(sys.root, 'eth2')).toBeUndefined();
    expect(readLinkStatistics(sys.root, 'nothing')).toBeUndefined();
  });

  it('rejects listing a root that does not exist', async () => {
    await expect(listLinkNames(join(sys.base, 'missing'))).rejects.toThrow();
    await mkdir(join(sys.base, 'empty'));
    await expect(listLinkNames(join(sys.base, 'empty'))).resolves.toEqual([]);
  });
});
