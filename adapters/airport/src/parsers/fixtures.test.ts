import { describe, expect, it } from 'vitest';
import { encodings, fixture, fixtureNames, withoutAnnotation } from '../testing/fixtures.js';
import type { ParseResult } from '../text.js';
import { parseAirportInfo, parseAirportScan, type ScanEntry } from './airport.js';
import { parseHardwarePorts } from './networksetup.js';
import { parseAirportScanPlist } from './plist.js';
import { parseSystemProfiler } from './system-profiler.js';
import { parseWdutil } from './wdutil.js';

function ok<T>(result: ParseResult<T>): T {
  if ('error' in result) throw result.error;
  return result.value;
}

/** [ssid, bssid, rssi, channel, security] per row, hand-copied from the fixture. */
type Row = [string, string | null, number | null, number | null, string];
const rows = (entries: readonly ScanEntry[]): Row[] =>
  entries.map((e) => [e.ssid, e.bssid, e.rssi, e.channel, e.security]);

const wpaMixed = 'WPA(PSK/AES,TKIP/TKIP) WPA2(PSK/AES,TKIP/TKIP)';
const tkipMixed = 'WPA(PSK/TKIP,AES/TKIP) WPA2(PSK/TKIP,AES/TKIP)';
const wpa2 = 'WPA2(PSK/AES/AES)';

/** Hand-checked expectations for every fixture, by file name. */
const expectations: Record<string, (bytes: Buffer) => void> = {
  'airport-getinfo-I-node-wifi.txt': (b) => {
    const info = ok(parseAirportInfo(b));
    expect(info).toEqual({
      associated: true,
      ssid: 'Linksys01227_5GHz',
      redacted: false,
      bssid: '31:23:03:1a:9f:1d',
      rssi: -50,
      noise: -92,
      channel: 36,
      channelText: '36,80',
      linkAuth: 'wpa2-psk',
      state: 'running',
      poweredOff: false,
    });
  },
  'airport-scan-2016-eu-node-wifi-scanner.txt': (b) => {
    const scan = ok(parseAirportScan(b));
    expect(rows(scan.entries)).toEqual<Row[]>([
      ['Raupo', '7c:b7:33:ae:3b:06', -80, 64, wpaMixed],
      ['gsy-97796', 'd4:d1:84:50:76:45', -79, 11, wpaMixed],
      ['visitor-18170', '7c:b7:33:ae:3b:05', -76, 9, 'WPA2(PSK/AES/AES)'],
      ['Visitor Raupo', '7c:b7:33:ae:3b:04', -66, 9, wpaMixed],
    ]);
    expect(scan.entries[2]?.channelText).toBe('9,-1');
    expect(scan.skipped).toBe(0);
  },
  'airport-scan-channel-plus1-node-wifi.txt': (b) => {
    const scan = ok(parseAirportScan(b));
    expect(rows(scan.entries)).toEqual<Row[]>([
      ['NERMNET', '18:ff:7b:43:b5:26', -64, 149, tkipMixed],
      ['Linksys02787-invité', '12:23:03:18:9f:1c', -33, 11, 'NONE'],
      ['Linksys02787', '10:23:03:1a:9f:1c', -33, 11, wpa2],
      ['NERMNET', '18:ff:7b:43:b5:27', -53, 1, 'WPA2(PSK/TKIP,AES/TKIP)'],
    ]);
    expect(scan.entries[3]?.channelText).toBe('1,+1');
  },
  'airport-scan-corporate-node-wifi-scanner.txt': (b) => {
    const scan = ok(parseAirportScan(b));
    expect(scan.entries).toHaveLength(36);
    expect(scan.skipped).toBe(0);
    expect(rows(scan.entries.slice(0, 2))).toEqual<Row[]>([
      ['OurTest', null, -70, 112, wpa2],
      ['OurDev', '00:35:1a:90:56:04', -70, 112, wpa2],
    ]);
    expect(rows(scan.entries.filter((e) => e.ssid === 'TEST Training'))).toEqual<Row[]>([
      ['TEST Training', '10:bd:18:ab:4d:8f', -71, 6, 'WPA(PSK/AES,TKIP/TKIP)'],
    ]);
    expect(rows(scan.entries.slice(-1))).toEqual<Row[]>([
      ['TEST-Wifi', '00:35:1a:90:56:00', -67, 1, wpa2],
    ]);
    expect(new Set(scan.entries.map((e) => e.ssid))).toEqual(
      new Set(['OurTest', 'OurDev', 'PDANet1', 'TEST-Wifi', 'ExoNet1', 'TEST Training']),
    );
  },
  'airport-scan-monterey-masked-access-points.txt': (b) => {
    const scan = ok(parseAirportScan(b));
    expect(rows(scan.entries)).toEqual<Row[]>([
      ['X000X000X00', null, -83, 6, wpaMixed],
      ['XXX-XXX0000000000', null, -68, 5, 'WPA(PSK/TKIP/TKIP) WPA2(PSK/AES/TKIP)'],
      ['XXXXXXXXX', null, -52, 8, 'WPA(PSK/TKIP/TKIP)'],
      ['XX-XXX', null, -75, 10, 'WPA(PSK/TKIP/TKIP) WPA2(PSK/AES/TKIP)'],
      ['XXXXXXX00X0X0', null, -58, 10, 'WPA(PSK/TKIP/TKIP) WPA2(PSK/AES/TKIP)'],
    ]);
  },
  'airport-scan-monterey-no-bssid-node-wifi.txt': (b) => {
    const scan = ok(parseAirportScan(b));
    expect(rows(scan.entries)).toEqual<Row[]>([
      ['XXXX-AMPLIFI', null, -81, 36, wpa2],
      ['XXXX-AMPLIFI', null, -65, 36, wpa2],
      ['XXXX-2.4GHz', null, -27, 11, tkipMixed],
      ['XXXX-5GHz', null, -33, 149, tkipMixed],
    ]);
  },
  'airport-scan-node-wifi-01.txt': (b) => {
    expect(rows(ok(parseAirportScan(b)).entries)).toEqual<Row[]>([
      ['foo-bar', 'f6:d1:6d:b3:d2:88', -86, 6, wpa2],
      ['VIRGO1732', 'c1:ee:0e:e4:fa:1f', -86, 36, wpa2],
      ['NERMNET', '34:e8:94:1e:fc:5c', -55, 1, wpaMixed],
      ['NERMNET', '45:ff:7b:43:b5:26', -64, 149, tkipMixed],
    ]);
  },
  'airport-scan-ssid-with-space-node-wifi.txt': (b) => {
    expect(rows(ok(parseAirportScan(b)).entries)).toEqual<Row[]>([
      ['Linksys02787', '10:23:03:1a:9f:1c', -33, 11, wpa2],
      ['Terminus 1', '1e:27:e2:fa:c6:32', -26, 4, wpa2],
      ['Linksys02787_5GHz', '10:23:03:1a:9f:1d', -51, 36, wpa2],
    ]);
  },
  'airport-scan-xml-plist-node-wifi.txt': (b) => {
    const { entries, truncated } = ok(parseAirportScanPlist(withoutAnnotationBytes(b)));
    // The capture is cut off at the start of a 19th access point: 18 complete ones.
    expect(truncated).toBe(true);
    expect(entries.map((e) => [e.ssid, e.bssid, e.channel, e.rssi])).toEqual([
      ['eduroam', 'bc:9f:e4:b0:f8:70', 44, -89],
      ['ETS-Invites', 'bc:9f:e4:b0:f8:72', 44, -88],
      ['ETS-Invites', 'bc:9f:e4:be:52:b2', 157, -87],
      ['ETS-Campus', 'bc:9f:e4:be:52:b1', 157, -87],
      ['eduroam', 'bc:9f:e4:be:52:b0', 157, -87],
      ['ETS-Campus', 'bc:9f:e4:b0:f8:71', 44, -87],
      ['laboA3484 5Ghz', '24:a0:74:7a:18:81', 149, -84],
      ['ETS-Invites', 'bc:9f:e4:b1:01:b2', 132, -82],
      ['ETS-Campus', 'bc:9f:e4:b1:01:b1', 132, -82],
      ['eduroam', 'bc:9f:e4:b1:01:b0', 132, -82],
      ['TP-Link_AF00_5G', 'd8:47:32:af:ae:ff', 149, -67],
      ['ETS-Invites', 'f4:2e:7f:18:c7:72', 136, -66],
      ['ETS-Campus', 'f4:2e:7f:18:c7:71', 136, -66],
      ['eduroam', 'f4:2e:7f:18:c7:70', 136, -66],
      ['MARS', '00:25:9c:da:c6:38', 8, -65],
      ['ETS-Invites', 'f4:2e:7f:18:c7:62', 1, -64],
      ['ETS-Campus', 'f4:2e:7f:18:c7:61', 1, -64],
      ['eduroam', 'f4:2e:7f:18:c7:60', 1, -64],
    ]);
    expect(entries[0]?.security).toBe('WPA2(802.1X)');
    expect(entries[0]?.noise).toBe(-92);
    expect(entries.every((e) => e.ssidHex === null && !e.redacted)).toBe(true);
  },
  'networksetup-listallhardwareports-macos26-vm-no-wifi-getmac.txt': (b) => {
    expect(ok(parseHardwarePorts(b))).toEqual([
      { port: 'Ethernet', device: 'en0', address: '12:34:56:26:a0:10' },
      { port: 'Ethernet Adapter (en1)', device: 'en1', address: '12:34:56:26:a0:11' },
    ]);
  },
  'networksetup-listallhardwareports-macos27-applesilicon-plaitway.txt': (b) => {
    const ports = ok(parseHardwarePorts(b));
    expect(ports.map((p) => [p.port, p.device])).toEqual([
      ['Ethernet Adapter (en4)', 'en4'],
      ['Ethernet Adapter (en5)', 'en5'],
      ['AX88179A', 'en6'],
      ['Ethernet Adapter (en7)', 'en7'],
      ['Thunderbolt Bridge', 'bridge0'],
      ['Wi-Fi', 'en0'],
      ['Thunderbolt 1', 'en1'],
      ['Thunderbolt 2', 'en2'],
      ['Thunderbolt 3', 'en3'],
    ]);
    expect(ports[5]?.address).toBe('00:00:5e:00:53:06');
  },
  'networksetup-removepreferredwirelessnetwork-not-found-node-wifi.txt': (b) => {
    // Not a listing: an error message, which the hardware-port parser refuses with a type.
    const result = parseHardwarePorts(withoutAnnotationBytes(b));
    expect('error' in result).toBe(true);
  },
  'system-profiler-SPAirPortDataType-json-macos10.15.7-heatmapper.txt': (b) => {
    const [en1, ...rest] = ok(parseSystemProfiler(b));
    expect(rest).toEqual([]);
    expect(en1?.device).toBe('en1');
    expect(en1?.status).toBe('connected');
    expect(en1?.current).toMatchObject({
      ssid: 'SSID-6',
      bssid: 'fe:dc:ba:09:87:65',
      rssi: -55,
      noise: -98,
      channel: 6,
      security: 'none',
    });
    expect(en1?.networks).toHaveLength(17);
    expect(en1?.networks.map((n) => n.ssid)).toEqual(
      Array.from({ length: 17 }, (_, i) => `SSID-${i + 1}`),
    );
    expect(en1?.networks[0]).toMatchObject({
      rssi: -57,
      noise: null,
      channel: 4,
      security: 'wpa2_personal',
    });
    expect(en1?.networks[8]).toMatchObject({ channel: 149, channelText: '149,+1', rssi: -70 });
    expect(en1?.networks[15]).toMatchObject({ channel: 11, channelText: '11,-1', rssi: -88 });
  },
  'system-profiler-SPAirPortDataType-json-macos12.7.2-AP-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0?.status).toBe('connected');
    expect(en0?.current).toMatchObject({
      ssid: 'SSID-4',
      bssid: null,
      rssi: -68,
      noise: -93,
      channel: 149,
      security: 'wpa2_personal',
    });
    expect(en0?.networks.map((n) => [n.ssid, n.channel, n.rssi])).toEqual([
      ['SSID-1', 1, -90],
      ['SSID-2', 11, -91],
      ['SSID-3', 149, -67],
    ]);
  },
  'system-profiler-SPAirPortDataType-json-macos12.7.2-no-AP-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0).toMatchObject({ device: 'en0', status: 'disassociated', current: null });
    expect(en0?.networks).toEqual([]);
  },
  'system-profiler-SPAirPortDataType-json-macos15.5-heatmapper.txt': (b) => {
    const [en0, awdl0] = ok(parseSystemProfiler(b));
    expect(en0?.current).toMatchObject({
      ssid: 'SSID-2',
      rssi: -40,
      noise: -97,
      channel: 6,
      channelText: '6 (2GHz, 20MHz)',
      security: 'none',
    });
    expect(en0?.networks.map((n) => [n.ssid, n.channel, n.rssi, n.security])).toEqual([
      ['SSID-1', 4, null, 'wpa2_personal'],
      ['SSID-2', 6, -39, 'none'],
      ['SSID-3', 44, null, 'none'],
      ['SSID-4', 144, null, 'none'],
      ['SSID-5', 6, null, 'wpa2_personal'],
    ]);
    expect(awdl0).toEqual({ device: 'awdl0', status: null, current: null, networks: [] });
  },
  'system-profiler-SPAirPortDataType-json-macos15.5-no-iPhone-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0?.status).toBe('disassociated');
    expect(en0?.current).toBeNull();
    // Disassociated: the list is …local_wireless_networks, not …other_local….
    expect(en0?.networks.map((n) => [n.ssid, n.channel, n.security])).toEqual([
      ['SSID-1', 11, 'wpa2_personal'],
      ['SSID-2', 9, 'wpa2_personal'],
    ]);
  },
  'system-profiler-SPAirPortDataType-json-macos15.5-on-iPhone-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0?.current).toMatchObject({ ssid: 'SSID-1', rssi: -55, noise: -95, channel: 149 });
    expect(en0?.networks.map((n) => [n.ssid, n.channel, n.rssi])).toEqual([['SSID-1', 149, -49]]);
  },
  'system-profiler-SPAirPortDataType-json-macos15.5-wifi-disabled-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0).toEqual({ device: 'en0', status: 'off', current: null, networks: [] });
  },
  'system-profiler-SPAirPortDataType-json-macos15.5-wpa2-en-heatmapper.txt': (b) => {
    const [en0] = ok(parseSystemProfiler(b));
    expect(en0?.current).toMatchObject({
      ssid: 'SSID-7',
      rssi: -58,
      noise: -97,
      channel: 6,
      security: 'wpa2_personal',
    });
    expect(en0?.networks.map((n) => [n.ssid, n.channel, n.rssi])).toEqual([
      ['SSID-1', 11, null],
      ['SSID-2', 44, null],
      ['SSID-3', 11, null],
      ['SSID-4', 1, null],
      ['SSID-5', 6, -55],
      ['SSID-6', 132, null],
    ]);
  },
  'wdutil-info-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toMatchObject({
      device: 'en0',
      power: true,
      associated: true,
      ssid: null,
      ssidRedacted: true,
      bssid: null,
      bssidRedacted: true,
      rssi: -63,
      noise: -97,
      channel: 11,
      channelText: '2g11/20',
      security: null,
    });
  },
  'wdutil-info-macos12-2ghz-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toMatchObject({
      device: 'en1',
      associated: true,
      ssid: 'SomeSSID-2.4',
      ssidRedacted: false,
      bssid: 'fe:dc:ba:09:87:65',
      rssi: -55,
      noise: -98,
      channel: 1,
      channelText: '1 (20 MHz, Active)',
    });
  },
  'wdutil-info-macos12-5ghz-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toMatchObject({
      device: 'en1',
      ssid: 'SomeSSID-5',
      bssid: 'fe:dc:ba:09:87:65',
      rssi: -61,
      noise: -96,
      channel: 144,
      security: 'WPA2 Personal',
    });
  },
  'wdutil-info-macos15-2ghz-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toMatchObject({
      device: 'en0',
      associated: true,
      ssid: null,
      ssidRedacted: true,
      bssidRedacted: true,
      rssi: -63,
      noise: -97,
      channel: 1,
    });
  },
  'wdutil-info-macos15-5ghz-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toMatchObject({
      device: 'en0',
      ssidRedacted: true,
      rssi: -79,
      noise: -91,
      channel: 44,
      channelText: '5g44/40',
      security: 'WPA2 Personal',
    });
  },
  'wdutil-info-not-associated-heatmapper.txt': (b) => {
    expect(ok(parseWdutil(b))).toEqual({
      device: 'en0',
      power: true,
      associated: false,
      ssid: null,
      ssidRedacted: false,
      bssid: null,
      bssidRedacted: false,
      rssi: null,
      noise: null,
      channel: null,
      channelText: null,
      security: null,
    });
  },
};

function withoutAnnotationBytes(bytes: Buffer): Buffer {
  const bom = bytes[0] === 0xef ? bytes.subarray(0, 3) : Buffer.alloc(0);
  const text = bytes.subarray(bom.length).toString('utf8');
  return Buffer.concat([bom, Buffer.from(withoutAnnotation(text))]);
}

describe('every shared macOS fixture parses to its hand-checked values', () => {
  it('has an expectation for each fixture file', () => {
    expect(fixtureNames().sort()).toEqual(Object.keys(expectations).sort());
  });
  for (const name of Object.keys(expectations)) {
    for (const [encoding, encode] of Object.entries(encodings)) {
      it(`${name} (${encoding})`, () => {
        expectations[name]?.(encode(fixture(name)));
      });
    }
  }
});
