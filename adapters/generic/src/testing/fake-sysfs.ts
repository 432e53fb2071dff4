import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One interface of a fake /sys; a file whose value is undefined is left out. */
export interface FakeLink {
  readonly operstate?: string | undefined;
  readonly carrier?: string | undefined;
  readonly type?: string | undefined;
  readonly flags?: string | undefined;
  readonly uevent?: string | undefined;
  readonly wireless?: boolean;
  readonly phy80211?: boolean;
  /** Lives under devices/virtual, as the kernel places software devices. */
  readonly virtual?: boolean;
  readonly lowers?: readonly string[];
  readonly rxBytes?: string | undefined;
  readonly txBytes?: string | undefined;
}

/** An up Ethernet link with a carrier, as the kernel shows it. */
export const upEthernet: FakeLink = {
  operstate: 'up',
  carrier: '1',
  type: '1',
  flags: '0x1003',
  uevent: 'INTERFACE=x\nIFINDEX=2\n',
  rxBytes: '0',
  txBytes: '0',
};

/**
 * A directory laid out like the kernel's: class/net/<if> symlinks into devices/…/net/<if>,
 * and proc/net with route tables.
 */
export class FakeSysfs {
  private constructor(readonly base: string) {}

  static async create(): Promise<FakeSysfs> {
    const base = await mkdtemp(join(tmpdir(), 'netbearer-sysfs-'));
    await mkdir(join(base, 'class', 'net'), { recursive: true });
    await mkdir(join(base, 'proc', 'net'), { recursive: true });
    return new FakeSysfs(base);
  }

  get root(): string {
    return join(this.base, 'class', 'net');
  }

  get procNet(): string {
    return join(this.base, 'proc', 'net');
  }

  async set(name: string, link: FakeLink): Promise<void> {
    await this.remove(name);
    const parent = link.virtual
      ? join('devices', 'virtual', 'net')
      : join('devices', 'pci0000:00', 'net');
    const device = join(this.base, parent, name);
    await mkdir(join(device, 'statistics'), { recursive: true });
    const files: [string, string | undefined][] = [
      ['operstate', link.operstate],
      ['carrier', link.carrier],
      ['type', link.type],
      ['flags', link.flags],
      ['uevent', link.uevent],
      [join('statistics', 'rx_bytes'), link.rxBytes],
      [join('statistics', 'tx_bytes'), link.txBytes],
    ];
    for (const [file, value] of files) {
      if (value !== undefined) await writeFile(join(device, file), `${value}\n`);
    }
    if (link.wireless) await mkdir(join(device, 'wireless'));
    if (link.phy80211) await mkdir(join(device, 'phy80211'));
    for (const lower of link.lowers ?? []) await mkdir(join(device, `lower_${lower}`));
    await symlink(join('..', '..', parent, name), join(this.root, name));
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.root, name), { force: true });
    await rm(join(this.base, 'devices', 'virtual', 'net', name), { recursive: true, force: true });
    await rm(join(this.base, 'devices', 'pci0000:00', 'net', name), {
      recursive: true,
      force: true,
    });
  }

  /** Writes one attribute of an existing link (relative path, e.g. 'operstate'). */
  async write(name: string, file: string, content: string | Buffer): Promise<void> {
    await writeFile(join(this.root, name, file), content);
  }

  async routes(ipv4: string, ipv6 = ''): Promise<void> {
    await writeFile(join(this.procNet, 'route'), ipv4);
    await writeFile(join(this.procNet, 'ipv6_route'), ipv6);
  }

  async cleanup(): Promise<void> {
    await rm(this.base, { recursive: true, force: true });
  }
}

/** A /proc/net/route table with a default route through each of `names`, metric in order. */
export function ipv4DefaultRoutes(...names: string[]): string {
  const header =
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
  return (
    header +
    names
      .map((n, i) => `${n}\t00000000\t0102A8C0\t0003\t0\t0\t${100 * (i + 1)}\t00000000\t0\t0\t0\n`)
      .join('')
  );
}
