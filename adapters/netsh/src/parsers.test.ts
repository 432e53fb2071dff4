import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from './decode.js';
import { parseInterfaces, type WlanInterface } from './interfaces.js';
import { parseNetworks, type VisibleNetwork } from './networks.js';
import { parseProfileDetails, parseProfiles } from './profiles.js';
import { detectRefusal, parseInterfaceTable, parseSubinterfaces } from './tables.js';
import { networkExpectations as networks } from './testing/expectations.js';
import {
  fixtureNames,
  fixtureText,
  type Variant,
  variantBytes,
  withBlankLines,
} from './testing/fixtures.js';
import { refusal } from './testing/world.js';
import { ParseError } from './text.js';

const localised = (name: string) => /-(de|es|fr|it|nl)[-.]/.test(name);

function variantsOf(name: string): Variant[] {
  const variants: Variant[] = ['lf', 'crlf', 'crlf-bom', 'no-blank-lines'];
  // Characters CP850 lacks (the French curly apostrophe) come out as '?', as netsh prints them.
  if (localised(name)) variants.push('cp850');
  return variants;
}

function decoded(bytes: Buffer): string {
  return decodeBytes(bytes, 850).text;
}

function ok<T>(value: T | ParseError): T {
  if (value instanceof ParseError) throw value;
  return value;
}

// ---------- show networks mode=bssid ----------

/** An independent oracle: signals and channels read by each language's labels. */
function byLabels(text: string): { signals: number[]; channels: number[]; bssids: string[] } {
  const signals: number[] = [];
  const channels: number[] = [];
  const bssids: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const signal = /^\s+(Signal|Señal|Se¤al|Segnale|Signaal)\s*:\s*(\d+)%/.exec(line);
    if (signal) signals.push(Number(signal[2]));
    const channel = /^\s+(Channel|Kanal|Canal|Canale|Kanaal)\s*:\s*(\d+)\s*$/.exec(line);
    if (channel) channels.push(Number(channel[2]));
    const bssid = /^\s+BSSID \d+\s*:\s*(\S+)/.exec(line);
    if (bssid) bssids.push((bssid[1] ?? '').toLowerCase());
  }
  return { signals, channels, bssids };
}

describe('netsh wlan show networks mode=bssid', () => {
  it('has an expectation for every networks fixture', () => {
    expect(fixtureNames('netsh-wlan-show-networks')).toEqual(Object.keys(networks).sort());
  });

  for (const [name, expected] of Object.entries(networks)) {
    const text = fixtureText(name);
    const oracle = byLabels(text);
    for (const variant of variantsOf(name)) {
      it(`${name} (${variant})`, () => {
        const list = ok(parseNetworks(decoded(variantBytes(text, variant)))) as VisibleNetwork[];
        expect(list.map((n) => n.ssid)).toEqual(expected.ssids);
        expect(list.map((n) => n.accessPoints.length)).toEqual(expected.bssidCounts);
        expect(list.map((n) => n.authentication)).toEqual(expected.auth);
        expect(list.every((n) => n.interfaceName === expected.interfaceName)).toBe(true);
        expect(list[0]?.accessPoints[0]).toEqual(expected.first);
        const aps = list.flatMap((n) => n.accessPoints);
        expect(aps.map((ap) => ap.bssid)).toEqual(oracle.bssids);
        expect(aps.map((ap) => ap.signal)).toEqual(oracle.signals);
        expect(aps.map((ap) => ap.channel)).toEqual(oracle.channels);
        expect(aps.every((ap) => ap.radioType?.startsWith('802.11'))).toBe(true);
      });
    }
    it(`${name} with netsh's blank lines between SSID blocks`, () => {
      const list = ok(parseNetworks(withBlankLines(text)));
      expect(list.map((n) => n.accessPoints.length)).toEqual(expected.bssidCounts);
    });
  }

  it('the Spanish mojibake file is CP850 read as Latin-1: its real bytes decode to Spanish', () => {
    const text = fixtureText('netsh-wlan-show-networks-bssid-es-oem-codepage-mojibake.txt');
    const bytes = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1'); // what netsh wrote
    const result = decodeBytes(bytes, 850);
    expect(result.encoding).toBe('cp850');
    expect(result.lossy).toBe(false);
    expect(result.text).toContain('Señal');
    const list = ok(parseNetworks(result.text));
    expect(list[0]?.interfaceName).toBe('Conexión de red inalámbrica');
    expect(list.map((n) => n.accessPoints.length)).toEqual([1, 1, 1, 1, 3, 1]);
    expect(list[5]?.accessPoints[0]).toEqual({
      bssid: '70:72:cf:af:51:e0',
      signal: 0,
      channel: 1,
      radioType: '802.11g',
    });
  });

  it('an empty list is a value, garbage is a ParseError', () => {
    expect(
      parseNetworks('\r\nInterface name : Wi-Fi\r\nThere are 0 networks currently visible.\r\n'),
    ).toEqual([]);
    expect(parseNetworks('hello')).toBeInstanceOf(ParseError);
    expect(parseNetworks('')).toBeInstanceOf(ParseError);
  });

  it('reads several interfaces', () => {
    const text = [
      'Interface name : Wi-Fi',
      'There are 1 networks currently visible.',
      'SSID 1 : A',
      '    Network type            : Infrastructure',
      '    Authentication          : Open',
      '    Encryption              : None',
      '    BSSID 1                 : 00:11:22:33:44:55',
      '         Signal             : 50%',
      '         Channel            : 6',
      'Interface name : Wi-Fi 2',
      'There are 1 networks currently visible.',
      'SSID 1 : B',
    ].join('\r\n');
    const list = ok(parseNetworks(text));
    expect(list.map((n) => [n.interfaceName, n.ssid, n.accessPoints.length])).toEqual([
      ['Wi-Fi', 'A', 1],
      ['Wi-Fi 2', 'B', 0],
    ]);
  });
});

// ---------- show interfaces ----------

const interfaces: Record<string, Partial<WlanInterface>> = {
  'netsh-wlan-show-interfaces-de-heatmapper.txt': {
    name: 'WLAN',
    guid: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
    physicalAddress: 'fe:dc:ba:09:87:01',
    state: 'Verbunden',
    connected: true,
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    band: '5 GHz',
    channel: 116,
    radioType: '802.11ac',
    authentication: 'WPA2-Enterprise',
    cipher: 'CCMP',
    signal: 43,
    profile: 'Profile1 2',
  },
  'netsh-wlan-show-interfaces-en-heatmapper.txt': {
    name: 'Wi-Fi',
    guid: '7825d47a-5d59-4c93-8d91-2b0e1b5f6c4b',
    physicalAddress: 'fe:dc:ba:09:87:01',
    state: 'connected',
    connected: true,
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 44,
    radioType: '802.11ax',
    authentication: 'WPA2-Personal',
    cipher: 'CCMP',
    signal: 42,
    profile: 'SomeProfile',
  },
  'netsh-wlan-show-interfaces-en-win10-systeminformation-issue525.txt': {
    name: 'WiFi',
    state: 'connected',
    connected: true,
    ssid: 'xxxxxx',
    bssid: 'xxxxxxx',
    channel: 40,
    radioType: '802.11ac',
    authentication: 'WPA2-Personal',
    cipher: 'CCMP',
    signal: 100,
    profile: 'xxxxxxxx',
  },
  'netsh-wlan-show-interfaces-en-win11-node-wifi-issue184.txt': {
    name: 'WiFi',
    physicalAddress: '44:xx:xx:xx:xx:xx',
    state: 'connected',
    connected: true,
    ssid: 'my-wifi-ssid-here',
    bssid: '60:xx:xx:xx:xx:xx',
    band: '2.4 GHz',
    channel: 7,
    radioType: '802.11n',
    authentication: 'WPA2-Personal',
    cipher: 'CCMP',
    signal: 86,
    profile: 'my-wifi-ssid-here',
  },
  'netsh-wlan-show-interfaces-es-heatmapper.txt': {
    name: 'Wi-Fi',
    physicalAddress: 'fe:dc:ba:09:87:01',
    state: 'conectado',
    connected: true,
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    band: '2.4 GHz',
    channel: 11,
    radioType: '802.11ax',
    authentication: 'Abierta',
    cipher: 'Ninguna',
    signal: 81,
    profile: 'Profile-1',
  },
  'netsh-wlan-show-interfaces-fr-heatmapper.txt': {
    name: 'Wi-Fi',
    physicalAddress: 'fe:dc:ba:09:87:01',
    state: 'connecté',
    connected: true,
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    band: '2.4 GHz',
    channel: 11,
    radioType: '802.11ax',
    authentication: 'Ouvrir',
    cipher: 'Aucun',
    signal: 80,
    profile: 'SomeProfile',
  },
  'netsh-wlan-show-interfaces-it-heatmapper.txt': {
    name: 'Wi-Fi',
    physicalAddress: 'fe:dc:ba:09:87:01',
    state: 'connessa',
    connected: true,
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 4,
    radioType: '802.11n',
    authentication: 'WPA2-Personal',
    cipher: 'CCMP',
    signal: 85,
    profile: 'Profile1 2',
  },
};

describe('netsh wlan show interfaces', () => {
  it('has an expectation for every interfaces fixture', () => {
    expect(fixtureNames('netsh-wlan-show-interfaces')).toEqual(Object.keys(interfaces).sort());
  });
  for (const [name, expected] of Object.entries(interfaces)) {
    const text = fixtureText(name);
    for (const variant of variantsOf(name)) {
      it(`${name} (${variant})`, () => {
        const list = ok(parseInterfaces(decoded(variantBytes(text, variant))));
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject(expected);
      });
    }
  }

  it('a disconnected interface (Windows 10 layout) has no SSID', () => {
    const text = [
      '',
      'There is 1 interface on the system:',
      '',
      '    Name                   : Wi-Fi',
      '    Description            : Intel(R) Wi-Fi 6 AX201 160MHz',
      '    GUID                   : 7825d47a-5d59-4c93-8d91-2b0e1b5f6c4b',
      '    Physical address       : fe:dc:ba:09:87:01',
      '    State                  : disconnected',
      '    Radio status           : Hardware On',
      '                             Software On',
      '',
      '    Hosted network status  : Not available',
    ].join('\r\n');
    const [wifi] = ok(parseInterfaces(text));
    expect(wifi).toMatchObject({ name: 'Wi-Fi', state: 'disconnected', connected: false });
    expect(wifi?.ssid).toBeUndefined();
    expect(wifi?.profile).toBeUndefined();
  });

  it('two interfaces', () => {
    const block = (name: string, profile: string) =>
      [
        `    Name                   : ${name}`,
        '    GUID                   : 7825d47a-5d59-4c93-8d91-2b0e1b5f6c4b',
        '    State                  : connected',
        `    SSID                   : ${profile}`,
        '    BSSID                  : fe:dc:ba:09:87:02',
        '    Signal                 : 42%',
        `    Profile                : ${profile}`,
      ].join('\r\n');
    const text = `There are 2 interfaces on the system:\r\n${block('Wi-Fi', 'A')}\r\n${block('Wi-Fi 2', 'B')}`;
    expect(ok(parseInterfaces(text)).map((w) => [w.name, w.profile])).toEqual([
      ['Wi-Fi', 'A'],
      ['Wi-Fi 2', 'B'],
    ]);
  });

  it('an SSID with colons and spaces is kept whole', () => {
    const text =
      '    Name : Wi-Fi\n    State : connected\n    SSID : a : b:c \n    BSSID : 00:11:22:33:44:55\n';
    expect(ok(parseInterfaces(text))[0]?.ssid).toBe('a : b:c ');
  });
});

// ---------- profiles ----------

describe('netsh wlan show profiles', () => {
  for (const name of fixtureNames('netsh-wlan-show-profiles')) {
    const text = fixtureText(name);
    for (const variant of variantsOf(name)) {
      it(`${name} (${variant})`, () => {
        expect(ok(parseProfiles(decoded(variantBytes(text, variant)))).map((p) => p.name)).toEqual([
          'Profile1 2',
          'Profile2',
          'Profile3',
          'Profile4',
          'Profile5',
          'Profile6',
        ]);
      });
    }
  }
  it('no profiles is a value', () => {
    expect(
      parseProfiles(
        'Profiles on interface Wi-Fi:\r\n\r\nUser profiles\r\n-------------\r\n    <None>\r\n',
      ),
    ).toEqual([]);
  });
});

const details: Record<string, { auth: string; cipher: string; cost: string }> = {
  de: { auth: 'Offen', cipher: 'Keine', cost: 'Uneingeschränkt' },
  en: { auth: 'Open', cipher: 'None', cost: 'Unrestricted' },
  es: { auth: 'Abierta', cipher: 'Ninguna', cost: 'Sin restricciones' },
  fr: { auth: 'Ouvrir', cipher: 'Aucun', cost: 'sans restriction' },
  it: { auth: 'Aperta', cipher: 'Nessuno', cost: 'Senza restrizioni' },
};

describe('netsh wlan show profile name=…', () => {
  for (const name of fixtureNames('netsh-wlan-show-profile-name')) {
    const language = /-name-(\w\w)-/.exec(name)?.[1] ?? '';
    const expected = details[language];
    const text = fixtureText(name);
    for (const variant of variantsOf(name)) {
      it(`${name} (${variant})`, () => {
        expect(ok(parseProfileDetails(decoded(variantBytes(text, variant))))).toEqual({
          ssids: ['SSID-1'],
          authentication: expected?.auth,
          cipher: expected?.cipher,
          cost: expected?.cost,
          metered: false,
        });
      });
    }
  }
});

// ---------- tables ----------

describe('netsh interface show interface', () => {
  const name = 'netsh-interface-show-interface-en-npcap.txt';
  const text = fixtureText(name);
  for (const variant of variantsOf(name)) {
    it(`${name} (${variant})`, () => {
      const rows = ok(parseInterfaceTable(decoded(variantBytes(text, variant))));
      expect(rows.map((r) => [r.name, r.enabled, r.connected])).toEqual([
        ['VMware Network Adapter VMnet1', true, true],
        ['VMware Network Adapter VMnet8', true, true],
        ['VMware Network Adapter VMnet2', true, true],
        ['VMware Network Adapter VMnet3', true, true],
        ['Wi-Fi', true, true],
        ['Ethernet', false, false],
        ['Npcap Loopback Adapter', true, true],
      ]);
      expect(rows.every((r) => r.type === 'Dedicated')).toBe(true);
    });
  }
  it('German values by column position', () => {
    const text = [
      '',
      'Administratorstatus Status         Typ              Schnittstellenname',
      '-------------------------------------------------------------------------',
      'Aktiviert           Verbunden      Dediziert        WLAN',
      'Aktiviert           Getrennt       Dediziert        Ethernet 2',
    ].join('\r\n');
    expect(ok(parseInterfaceTable(text)).map((r) => [r.name, r.enabled, r.connected])).toEqual([
      ['WLAN', true, true],
      ['Ethernet 2', true, false],
    ]);
  });
  it('no table is a ParseError', () => {
    expect(
      parseInterfaceTable('The following command was not found: interface show.'),
    ).toBeInstanceOf(ParseError);
  });
});

describe('netsh interface ipv4 show subinterfaces', () => {
  it('reads 64-bit counters and names with spaces (any header language)', () => {
    const text = [
      '',
      '   MTU  MediaSenseState   Bytes In  Bytes Out  Interface',
      '------  ---------------  ---------  ---------  -------------',
      '4294967295                1          0      21446  Loopback Pseudo-Interface 1',
      '  1500                1  12345678901   98765432  Wi-Fi',
      '  1500                5          0          0  Ethernet 2',
      '',
    ].join('\r\n');
    expect(ok(parseSubinterfaces(text))).toEqual([
      {
        mtu: 4294967295,
        mediaSenseState: 1,
        bytesIn: 0,
        bytesOut: 21446,
        name: 'Loopback Pseudo-Interface 1',
      },
      { mtu: 1500, mediaSenseState: 1, bytesIn: 12345678901, bytesOut: 98765432, name: 'Wi-Fi' },
      { mtu: 1500, mediaSenseState: 5, bytesIn: 0, bytesOut: 0, name: 'Ethernet 2' },
    ]);
  });
});

// ---------- the 24H2 refusal ----------

describe('the 24H2 location refusal', () => {
  it('is recognised in English', () => {
    expect(detectRefusal(refusal)).toBe('location-permission');
  });
  it('is recognised in another language by its URI', () => {
    const de = [
      'Es ist 1 Schnittstelle auf dem System vorhanden:',
      'Netzwerkshellbefehle benötigen die Standortberechtigung, um auf WLAN-Informationen zuzugreifen.',
      'ms-settings:privacy-location',
    ].join('\r\n');
    expect(detectRefusal(de)).toBe('location-permission');
    expect(detectRefusal(iconv.decode(iconv.encode(de, 'cp850'), 'cp850'))).toBe(
      'location-permission',
    );
  });
  it('is recognised by the failing function and error 5 alone', () => {
    expect(
      detectRefusal('Die Funktion WlanQueryInterface gibt den Fehler 5 zurück:\r\n'),
    ).toBeUndefined();
    expect(detectRefusal('La función WlanQueryInterface devuelve el error 5:\r\n')).toBe(
      'location-permission',
    );
    expect(detectRefusal('Function WlanGetAvailableNetworkList returns error 5.')).toBe(
      'location-permission',
    );
  });
  it('the stopped service', () => {
    expect(detectRefusal('The Wireless AutoConfig Service (wlansvc) is not running.')).toBe(
      'service-unavailable',
    );
  });
  it('ordinary output is no refusal', () => {
    for (const name of fixtureNames()) expect(detectRefusal(fixtureText(name))).toBeUndefined();
  });
  it('the interface parser gives no interface for it', () => {
    expect(parseInterfaces(refusal)).toEqual([]);
  });
});

describe('more results than any netsh output holds', () => {
  const networksOf = (n: number, apsEach = 0) =>
    Array.from(
      { length: n },
      (_, i) =>
        `SSID ${i + 1} : net${i}\n    Authentication : Open\n${Array.from(
          { length: apsEach },
          (_, j) => `    BSSID ${j + 1} : 00:11:22:33:44:55\n`,
        ).join('')}`,
    ).join('');

  it('reads 16384 networks and refuses 16385 with a ParseError', () => {
    const most = parseNetworks(networksOf(16384));
    expect(Array.isArray(most) && most.length).toBe(16384);
    const over = parseNetworks(networksOf(16385));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 networks');
  });

  it('refuses more than 16384 access points with a ParseError', () => {
    const most = parseNetworks(networksOf(1024, 16));
    expect(Array.isArray(most) && most.reduce((n, x) => n + x.accessPoints.length, 0)).toBe(16384);
    const over = parseNetworks(`${networksOf(1024, 16)}${networksOf(1, 1)}`);
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 access points');
  });

  it('reads 16384 interfaces and refuses 16385 with a ParseError', () => {
    const interfacesOf = (n: number) => '    Name : Wi-Fi\n    State : connected\n'.repeat(n);
    const most = parseInterfaces(interfacesOf(16384));
    expect(Array.isArray(most) && most.length).toBe(16384);
    const over = parseInterfaces(interfacesOf(16385));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 interfaces');
  });

  it('reads 1024 lines of one interface and refuses 1025 with a ParseError', () => {
    const block = (n: number) =>
      `    Name : Wi-Fi\n${Array.from({ length: n - 1 }, (_, i) => `    Field ${i} : x\n`).join('')}`;
    const most = parseInterfaces(block(1024));
    expect(Array.isArray(most) && most.map((i) => i.name)).toEqual(['Wi-Fi']);
    const over = parseInterfaces(block(1025));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 1024 lines for one interface');
  });

  it('reads 16384 saved profiles and refuses 16385 with a ParseError', () => {
    const profiles = (n: number) =>
      `Profiles on interface Wi-Fi:\n\nUser profiles\n-------------\n${'    All User Profile     : Home\n'.repeat(n)}`;
    expect((parseProfiles(profiles(16384)) as unknown[]).length).toBe(16384);
    const over = parseProfiles(profiles(16385));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 profiles');
  });

  it('reads a profile of 16384 SSIDs and refuses 16385 with a ParseError', () => {
    const details = (n: number) =>
      `    Radio type : 802.11n\n${'    SSID name : "Home"\n'.repeat(n)}`;
    expect((parseProfileDetails(details(16384)) as { ssids: unknown[] }).ssids.length).toBe(16384);
    const over = parseProfileDetails(details(16385));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 SSIDs');
  });

  it('reads 16384 table rows and refuses 16385 with a ParseError', () => {
    const rule = '------  ---------------  ---------  ---------  -------------\n';
    const subinterfaces = (n: number) => rule + '  1500  1  0  0  Wi-Fi\n'.repeat(n);
    expect((parseSubinterfaces(subinterfaces(16384)) as unknown[]).length).toBe(16384);
    expect(parseSubinterfaces(subinterfaces(16385))).toBeInstanceOf(ParseError);
    const table = (n: number) =>
      `Admin State    State          Type             Interface Name\n${rule}${'Enabled        Connected      Dedicated        Wi-Fi\n'.repeat(n)}`;
    expect((parseInterfaceTable(table(16384)) as unknown[]).length).toBe(16384);
    const over = parseInterfaceTable(table(16385));
    expect(over).toBeInstanceOf(ParseError);
    expect((over as ParseError).message).toContain('more than 16384 rows');
  });
});
