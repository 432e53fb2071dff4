import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBytes, parseInterfaces, parseNetworks } from '@netbearer/adapter-netsh';
import { describe, expect, it } from 'vitest';
import {
  fieldsRight,
  fieldsScored,
  groundTruth,
  interfacesLayout,
  interfacesTruth,
  netshLayout,
  type ScoredAp,
  scoreRows,
  toScoredAp,
} from './fidelity-score.js';
import { interfacesFixtures, networksFixtures, windowsFixtures } from './peer-fidelity.js';

const fixture = (name: string) => readFileSync(join(windowsFixtures, name), 'utf8');

/**
 * The hand-checked expectations of adapters/netsh/src/parsers.test.ts (SSIDs in order, BSSIDs
 * per SSID, authentication per SSID, the first access point), which the ground truth must
 * reproduce. Read from the data file that test keeps them in (a test source of another package
 * is outside this project, so not imported), the fields scored here only.
 */
const handChecked: Record<
  string,
  {
    ssids: string[];
    bssidCounts: number[];
    auth: string[];
    first: { bssid: string; signal: number; channel: number };
  }
> = JSON.parse(
  readFileSync(
    new URL('../../../adapters/netsh/src/testing/network-expectations.json', import.meta.url),
    'utf8',
  ),
);

/** Consecutive access points of one SSID (no fixture has two adjacent networks of one name). */
function groups(aps: readonly ScoredAp[]): Array<{ ssid: string; count: number; auth: string }> {
  const out: Array<{ ssid: string; count: number; auth: string }> = [];
  for (const ap of aps) {
    const last = out.at(-1);
    if (last && last.ssid === ap.ssid) last.count++;
    else out.push({ ssid: ap.ssid ?? '?', count: 1, auth: ap.security ?? '?' });
  }
  return out;
}

describe('parse fidelity: ground truth', () => {
  it('covers the nine networks fixtures: 189 access points, 945 fields', () => {
    expect(networksFixtures()).toEqual(Object.keys(handChecked).sort());
    const truths = networksFixtures().map((name) => groundTruth(fixture(name)));
    expect(truths.reduce((n, t) => n + t.length, 0)).toBe(189);
    expect(truths.reduce((n, t) => n + fieldsScored(t), 0)).toBe(945);
  });

  for (const [name, expected] of Object.entries(handChecked)) {
    it(`${name}: agrees with the hand-checked expectations, every field present`, () => {
      const truth = groundTruth(fixture(name));
      const g = groups(truth);
      expect(g.map((x) => x.ssid)).toEqual(expected.ssids);
      expect(g.map((x) => x.count)).toEqual(expected.bssidCounts);
      expect(g.map((x) => x.auth)).toEqual(expected.auth);
      const { bssid, signal, channel } = truth[0] ?? {};
      const { first } = expected;
      expect({ bssid, signal, channel }).toEqual({
        bssid: first.bssid,
        signal: first.signal,
        channel: first.channel,
      });
      expect(fieldsScored(truth)).toBe(truth.length * 5);
      // The same access points in the layout the peers are fed.
      expect(groundTruth(netshLayout(fixture(name)))).toEqual(truth);
    });
  }

  it('our parser gets every field of every fixture right, as the bench feeds it', () => {
    for (const name of networksFixtures()) {
      const text = netshLayout(fixture(name));
      const list = parseNetworks(decodeBytes(Buffer.from(text, 'utf8'), 850).text);
      if (list instanceof Error) throw list;
      const rows = list.flatMap((n) =>
        n.accessPoints.map((ap) => toScoredAp({ ...ap, ssid: n.ssid, security: n.authentication })),
      );
      const truth = groundTruth(fixture(name));
      expect(scoreRows(truth, rows), name).toBe(fieldsScored(truth));
    }
  });
});

describe('parse fidelity: the layout netsh prints', () => {
  it('leaves a real netsh capture as it was, in CRLF', () => {
    const text = fixture('netsh-wlan-show-networks-bssid-en-win10-2016.txt');
    expect(netshLayout(text)).toBe(text.replace(/\r?\n/g, '\r\n'));
  });

  it('drops capture preambles and puts a blank line before every SSID block', () => {
    const out = netshLayout(fixture('netsh-wlan-show-networks-bssid-de-heatmapper.txt'));
    expect(out.startsWith('\r\nSchnittstellenname : Wi-Fi\r\nMomentan sind 5 Netzwerke')).toBe(
      true,
    );
    expect(out).toContain('sichtbar.\r\n\r\nSSID 1 : SSID-1\r\n');
    expect(out.match(/\r\n\r\nSSID \d+ :/g)).toHaveLength(5);
    expect(out).not.toContain('PS C:');
    expect(out).not.toMatch(/(^|[^\r])\n/);
    expect(out.endsWith('\r\n\r\n')).toBe(true);
  });

  it('refuses text without an SSID block', () => {
    expect(() => netshLayout('Interface name : Wi-Fi\r\nThere are 0 networks.\r\n')).toThrow();
  });
});

describe('parse fidelity: scoring', () => {
  const a: ScoredAp = {
    ssid: 'A',
    bssid: 'aa:bb:cc:dd:ee:01',
    channel: 6,
    signal: 50,
    security: 'WPA2-Personal',
  };
  const b: ScoredAp = { ...a, bssid: 'aa:bb:cc:dd:ee:02', channel: 11, signal: 20 };

  it('counts each field, bssid without case or padding, security without padding', () => {
    expect(fieldsRight(a, a)).toBe(5);
    expect(fieldsRight(a, { ...a, bssid: 'AA:BB:CC:DD:EE:01 ', security: 'WPA2-Personal ' })).toBe(
      5,
    );
    expect(fieldsRight(a, { ...a, channel: 2 })).toBe(4);
    expect(fieldsRight(a, { ssid: ' A' })).toBe(0);
    expect(fieldsRight(a, {})).toBe(0);
    // A field the truth does not have (masked by the publisher) is not scored.
    expect(fieldsRight({ ssid: 'A' }, a)).toBe(1);
    expect(fieldsScored([a, { ssid: 'A', bssid: 'x' }])).toBe(7);
  });

  it('pairs each row with at most one access point, best first', () => {
    expect(scoreRows([a, b], [b, a])).toBe(10);
    // Only the first BSSID reported (node-wifi): the other access point scores nothing, even
    // though the row shares its SSID and security.
    expect(scoreRows([a, b], [a])).toBe(5);
    // One row reported twice counts once per access point it can pair with.
    expect(scoreRows([a, b], [a, a])).toBe(5 + 2);
    // The row goes to the access point it matches best, not to the first in order.
    expect(scoreRows([a, b], [{ ...b, channel: 1 }])).toBe(4);
    expect(scoreRows([a], [])).toBe(0);
    expect(scoreRows([], [a])).toBe(0);
  });

  it("reduces a peer's rows to typed fields, dropping NaN and the wrong types", () => {
    expect(
      toScoredAp({ ssid: 'A', bssid: 3, channel: Number.NaN, signal: 40, security: undefined }),
    ).toEqual({ ssid: 'A', signal: 40 });
  });
});

describe('parse fidelity: netsh show interfaces', () => {
  it('has a ground truth for every interfaces fixture: 7 interfaces, 33 fields', () => {
    expect(interfacesFixtures()).toEqual(Object.keys(interfacesTruth).sort());
    expect(fieldsScored(Object.values(interfacesTruth))).toBe(33);
  });

  it('our parser reads every field right, as the bench feeds it', () => {
    for (const name of interfacesFixtures()) {
      const text = interfacesLayout(fixture(name));
      const list = parseInterfaces(decodeBytes(Buffer.from(text, 'utf8'), 850).text);
      if (list instanceof Error) throw list;
      const rows = list.map((i) => toScoredAp({ ...i, security: i.authentication }));
      const truth = interfacesTruth[name] ?? {};
      expect(scoreRows([truth], rows), name).toBe(fieldsScored([truth]));
    }
  });

  it('lays an interface out as netsh prints it', () => {
    const text = fixture('netsh-wlan-show-interfaces-en-win11-node-wifi-issue184.txt');
    const out = interfacesLayout(text);
    expect(out.startsWith('\r\nThere is 1 interface on the system:\r\n\r\n    Name ')).toBe(true);
    expect(out).not.toContain('Mussa');
    expect(out).toContain('Profile                : my-wifi-ssid-here\r\n\r\n    Hosted network');
    expect(out.endsWith('Not available\r\n\r\n')).toBe(true);
    expect(() => interfacesLayout('no block here')).toThrow();
  });
});
