import { describe, expect, it } from 'vitest';
import {
  currentIdentifier,
  interfaceIdentifier,
  knownIdentifier,
  seenIdentifier,
} from '../identifiers.js';
import { encodings } from '../testing/fixtures.js';
import { renderNetstat } from '../testing/mac-world.js';
import { scutilWatchExpected, scutilWatchTranscript } from '../testing/scutil-watch.js';
import { parseAirportInfo } from './airport.js';
import { parseIpconfigSummary } from './ipconfig.js';
import { parseNetstatBytes } from './netstat.js';
import { joinFailure, parseAirportPower, parsePreferredNetworks } from './networksetup.js';
import { parseAirportScanPlist } from './plist.js';
import { parseChangedKey, parseNwi, parseWatchLine, parseWatchOutput } from './scutil.js';

// Layouts of tools with no attributable capture in ../shared/fixtures (research §2.1); to be
// replaced by capture bundles from real Macs.
const summary15 = `<dictionary> {
  BSSID : <redacted>
  Hashed-BSSID : 3a:01:7e:aa:bb:cc
  IPv4 : <array> {
    0 : <dictionary> {
      Addresses : <array> {
        0 : 192.168.1.23
      }
      ConfigMethod : DHCP
      IsPublished : TRUE
    }
  }
  InterfaceType : WiFi
  LinkStatusActive : TRUE
  NetworkID : 2F1B4C0D-0000-0000-0000-000000000000
  SSID : <redacted>
  Security : WPA2_PSK
}
`;

const nwi = `Network information

IPv4 network interface information
     en0 : flags      : 0x5 (IPv4,DNS)
           address    : 192.168.1.23
           reach      : 0x00000002 (Reachable)

   REACH : flags 0x00000002 (Reachable)

IPv6 network interface information
   No IPv6 states found


   REACH : flags 0x00000000 (Not Reachable)

Network interfaces: en0 utun2
`;

describe('tools without a shared fixture', () => {
  for (const [encoding, encode] of Object.entries(encodings)) {
    it(`ipconfig getsummary, macOS 15.6 redacted (${encoding})`, () => {
      expect(parseIpconfigSummary(encode(summary15))).toEqual({
        value: {
          linkActive: true,
          interfaceType: 'WiFi',
          ssid: null,
          redacted: true,
          bssid: null,
          security: 'WPA2_PSK',
        },
      });
    });
    it(`scutil --nwi (${encoding})`, () => {
      expect(parseNwi(encode(nwi))).toEqual({
        value: { ipv4Reach: 2, ipv6Reach: 0, interfaces: ['en0', 'utun2'] },
      });
    });
    it(`networksetup -listpreferredwirelessnetworks (${encoding})`, () => {
      const text = 'Preferred networks on en0:\n\tHome\n\t Leading and trailing \n\tCafé: "5G"\n';
      expect(parsePreferredNetworks(encode(text))).toEqual({
        value: {
          kind: 'list',
          device: 'en0',
          ssids: ['Home', ' Leading and trailing ', 'Café: "5G"'],
        },
      });
    });
  }

  it('ipconfig getsummary: an SSID with " : " inside, an unassociated link', () => {
    const named = summary15.replace('  SSID : <redacted>', '  SSID : a : b');
    expect(parseIpconfigSummary(named)).toMatchObject({
      value: { ssid: 'a : b', redacted: false },
    });
    const down = summary15.replace('LinkStatusActive : TRUE', 'LinkStatusActive : FALSE');
    expect(parseIpconfigSummary(down)).toMatchObject({ value: { linkActive: false } });
    expect('error' in parseIpconfigSummary('ipconfig: invalid interface en9')).toBe(true);
  });

  it('networksetup: power, non-Wi-Fi answers, join failures', () => {
    expect(parseAirportPower('Wi-Fi Power (en0): On\n')).toEqual({ value: { power: true } });
    expect(parseAirportPower('AirPort Power (en1): Off\n')).toEqual({ value: { power: false } });
    expect(parseAirportPower('en4 is not a Wi-Fi interface.\n')).toEqual({ value: null });
    expect(parsePreferredNetworks('en4 is not a Wi-Fi interface.\n')).toMatchObject({
      value: { kind: 'not-wifi' },
    });
    expect(joinFailure('', '')).toBeUndefined();
    expect(joinFailure('Could not find network Home.\n', '')).toBe('Could not find network Home.');
    expect(
      joinFailure(
        'Failed to join network Home.\nError: -3900  The operation couldn’t be completed.\n',
        '',
      ),
    ).toBe('Failed to join network Home.');
  });

  it('netstat -ib: the Link row of each interface, read from the right', () => {
    const text = `${renderNetstat({ en0: [11234567890, 987654321] })}en4*       1500  <Link#13>   00:00:5e:00:53:01        0     0          0        0     0          0     0\n`;
    for (const encode of Object.values(encodings)) {
      const result = parseNetstatBytes(encode(text));
      if ('error' in result) throw result.error;
      expect(Object.fromEntries(result.value)).toEqual({
        lo0: { bytesReceived: 545290183, bytesWritten: 545290183 },
        en0: { bytesReceived: 11234567890, bytesWritten: 987654321 },
        en4: { bytesReceived: 0, bytesWritten: 0 },
      });
    }
    expect('error' in parseNetstatBytes('netstat: illegal option')).toBe(true);
  });

  it('scutil notifications: changed keys only', () => {
    expect(parseChangedKey('  changed key [0] = State:/Network/Interface/en0/Link')).toBe(
      'State:/Network/Interface/en0/Link',
    );
    expect(
      parseChangedKey('  12:00:01.250 (+0.102) changedKey [1] = State:/Network/Global/IPv4'),
    ).toBe('State:/Network/Global/IPv4');
    expect(parseChangedKey("  no changedKey's.")).toBeUndefined();
    expect(parseChangedKey('notification callback (store address = 0x7f9).')).toBeUndefined();
    expect(parseChangedKey('> ')).toBeUndefined();
  });

  it('scutil n.watch: notification headers, changed keys, keyless notifications', () => {
    // The transcript is written from configd's source (storeCallback), not captured.
    for (const [encoding, encode] of Object.entries(encodings)) {
      expect(parseWatchOutput(encode(scutilWatchTranscript)), encoding).toEqual({
        value: scutilWatchExpected,
      });
    }
    expect(parseWatchLine('notification callback (store address = 0x600002d2c000).')).toEqual({
      kind: 'notification',
    });
    expect(
      parseWatchLine('   9:41:07.120 changedKey [0] = State:/Network/Interface/en0/Link'),
    ).toEqual({ kind: 'changed', key: 'State:/Network/Interface/en0/Link' });
    expect(parseWatchLine('  changed key [3] = State:/Network/Global/IPv4')).toEqual({
      kind: 'changed',
      key: 'State:/Network/Global/IPv4',
    });
    expect(parseWatchLine("  no changed key's.")).toEqual({ kind: 'no-keys' });
    expect(parseWatchLine("  no changedKey's.")).toEqual({ kind: 'no-keys' });
    // An error text of a refused n.add, a prompt, or nothing: not a notification.
    expect(parseWatchLine('  Key already exists')).toBeUndefined();
    expect(parseWatchLine('> ')).toBeUndefined();
    expect(parseWatchLine('')).toBeUndefined();
    // Keys without a header (a release that prints none) still make a notification.
    expect(parseWatchOutput('  changed key [0] = State:/Network/Global/IPv4\n')).toEqual({
      value: [{ keys: ['State:/Network/Global/IPv4'] }],
    });
    expect('error' in parseWatchOutput('scutil: usage\n')).toBe(true);
  });

  it('airport -I: an SSID reading "BSSID: …" cannot overwrite the BSSID', () => {
    const info = parseAirportInfo(
      '          state: running\n          BSSID: 0:11:22:33:44:55\n           SSID: BSSID: 66:77:88:99:aa:bb\n',
    );
    expect(info).toMatchObject({
      value: { ssid: 'BSSID: 66:77:88:99:aa:bb', bssid: '00:11:22:33:44:55', associated: true },
    });
    expect(parseAirportInfo('AirPort: Off\n')).toMatchObject({
      value: { poweredOff: true, associated: false },
    });
  });

  it('airport -s -x: raw SSID bytes win over SSID_STR; entities decoded; __proto__ is data', () => {
    const raw = Buffer.from([0x41, 0xff, 0x42]).toString('base64');
    const doc = `<?xml version="1.0"?><plist version="1.0"><array>
      <dict><key>SSID_STR</key><string>A&amp;B &lt;x&gt;</string><key>RSSI</key><integer>-40</integer>
        <key>__proto__</key><string>polluted</string></dict>
      <dict><key>SSID</key><data>${raw}</data><key>SSID_STR</key><string>A?B</string>
        <key>CHANNEL</key><integer>6</integer></dict>
    </array></plist>`;
    const result = parseAirportScanPlist(doc);
    expect(result).toMatchObject({
      value: {
        truncated: false,
        entries: [
          { ssid: 'A&B <x>', ssidHex: null, rssi: -40, security: 'NONE' },
          { ssid: 'A\ufffdB', ssidHex: '41ff42', channel: 6 },
        ],
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('identifiers', () => {
  it('are stable, unique, and keep hostile SSIDs in the last component', () => {
    const names = ['Home', 'Home ', ' Home', 'a:b', 'known:Home', '$(reboot)', '`id`', '"', ''];
    const ids = names.map((n) => knownIdentifier(n));
    expect(new Set(ids).size).toBe(names.length);
    expect(knownIdentifier('a:b')).toBe('airport:known:a:b');
    expect(knownIdentifier('x', '41ff')).toBe('airport:known-hex:41ff');
    expect(seenIdentifier('Home')).not.toBe(knownIdentifier('Home'));
    expect(interfaceIdentifier('en4')).toBe('airport:if:en4');
    expect(currentIdentifier('en0')).toBe('airport:wlan:en0:current');
  });
});
