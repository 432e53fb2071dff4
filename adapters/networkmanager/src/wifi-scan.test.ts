import { describe, expect, it } from 'vitest';
import { DeviceState, DeviceType } from './nm-constants.js';
import { device, snapshot } from './snapshot.fixture.js';
import type { NmSnapshot } from './snapshot.js';
import { Waiters } from './waiters.js';
import { requestScans } from './wifi-scan.js';

describe('requestScans (fake data; no Wi-Fi hardware in the sandbox)', () => {
  const wlan0 = device(1, { deviceType: DeviceType.WiFi, lastScan: 100 });
  const wlan1 = device(2, {
    deviceType: DeviceType.WiFi,
    lastScan: 100,
    state: DeviceState.Unavailable,
  });
  const eth = device(3);

  it('asks every usable Wi-Fi device to scan and resolves when its LastScan moves', async () => {
    const asked: string[] = [];
    let published: NmSnapshot = snapshot({ devices: [wlan0, wlan1, eth] });
    const waiters = new Waiters();
    const done = requestScans(
      {
        published: () => published,
        call: async (path, _iface, member) => {
          asked.push(`${path} ${member}`);
          return { body: [] };
        },
      },
      waiters,
    );
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([`${wlan0.path} RequestScan`]);
    expect(settled).toBe(false);
    published = snapshot({ devices: [{ ...wlan0, lastScan: 200 }, wlan1, eth] });
    waiters.checkAll();
    await done;
    expect(settled).toBe(true);
  });

  it('does not wait for devices that refused to scan, nor when there is no Wi-Fi', async () => {
    const refusing = requestScans(
      {
        published: () => snapshot({ devices: [wlan0] }),
        call: async () => {
          throw new Error('Scanning not allowed while already scanning');
        },
      },
      new Waiters(),
    );
    await expect(refusing).resolves.toBeUndefined();
    await expect(
      requestScans(
        { published: () => snapshot({ devices: [eth] }), call: async () => ({ body: [] }) },
        new Waiters(),
      ),
    ).resolves.toBeUndefined();
  });
});
