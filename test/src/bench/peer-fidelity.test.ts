import { EOL } from 'node:os';
import { describe, expect, it } from 'vitest';
import { measureFidelity } from './peer-fidelity.js';

describe('parse fidelity against the peers', () => {
  it("reproduces the measured baseline, catches the peers' throws, and restores what it stubs", async () => {
    const env = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    const platform = process.platform;
    const eol = EOL;
    const results = await measureFidelity('networks', 1);
    expect(results.map((r) => [r.parser, r.right, r.scored, r.throws])).toEqual([
      ['ours', 945, 945, 0],
      // ../shared/research/windows-macos.md §5: 96/945 and three crashes, 887/945.
      ['node-wifi', 96, 945, 3],
      ['systeminformation', 887, 945, 0],
    ]);
    const nodeWifi = results[1]?.perFixture.filter((f) => f.right === 'threw').map((f) => f.name);
    expect(nodeWifi).toEqual([
      'netsh-wlan-show-networks-bssid-en-hidden-ssid-heatmapper.txt',
      'netsh-wlan-show-networks-bssid-en-win10-2016.txt',
      'netsh-wlan-show-networks-bssid-it-heatmapper.txt',
    ]);
    const interfaces = await measureFidelity('interfaces', 1);
    // §5: 14/33 and 24/33.
    expect(interfaces.map((r) => [r.parser, r.right, r.scored])).toEqual([
      ['ours', 33, 33],
      ['node-wifi', 14, 33],
      ['systeminformation', 24, 33],
    ]);
    expect({ LANG: process.env.LANG, LC_ALL: process.env.LC_ALL }).toEqual(env);
    expect(process.platform).toBe(platform);
    expect((await import('node:os')).EOL).toBe(eol);
    const childProcess = await import('node:child_process');
    expect(childProcess.execFile.name).toBe('execFile');
  });
});
