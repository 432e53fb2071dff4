/** A small Windows world for engine tests: netsh outputs as netsh prints them (CRLF). */

import { FakeRunner, result } from './fake-runner.js';
import { fixtureText } from './fixtures.js';

export const netsh = 'C:\\Windows\\System32\\netsh.exe';
export const chcp = 'C:\\Windows\\System32\\chcp.com';
export const powershell = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

export function interfacesOutput(connectedProfile: string | null, ssid = connectedProfile): string {
  const head = [
    '',
    'There is 1 interface on the system:',
    '',
    '    Name                   : Wi-Fi',
    '    Description            : Intel(R) Wi-Fi 6 AX201 160MHz',
    '    GUID                   : 7825d47a-5d59-4c93-8d91-2b0e1b5f6c4b',
    '    Physical address       : fe:dc:ba:09:87:01',
    '    Interface type         : Primary',
  ];
  if (connectedProfile === null) {
    return crlf([
      ...head,
      '    State                  : disconnected',
      '    Radio status           : Hardware On',
      '                             Software On',
      '',
      '    Hosted network status  : Not available',
    ]);
  }
  return crlf([
    ...head,
    '    State                  : connected',
    `    SSID                   : ${ssid}`,
    '    AP BSSID               : fe:dc:ba:09:87:02',
    '    Band                   : 5 GHz',
    '    Channel                : 44',
    '    Network type           : Infrastructure',
    '    Radio type             : 802.11ax',
    '    Authentication         : WPA2-Personal',
    '    Cipher                 : CCMP',
    '    Connection mode        : Auto Connect',
    '    Receive rate (Mbps)    : 103',
    '    Transmit rate (Mbps)   : 103',
    '    Signal                 : 42%',
    `    Profile                : ${connectedProfile}`,
    '',
    '    Hosted network status  : Not available',
  ]);
}

export function profilesOutput(names: readonly string[]): string {
  return crlf([
    '',
    'Profiles on interface Wi-Fi:',
    '',
    'Group policy profiles (read only)',
    '---------------------------------',
    '    <None>',
    '',
    'User profiles',
    '-------------',
    ...names.map((name) => `    All User Profile     : ${name}`),
    '',
  ]);
}

export function profileOutput(name: string, ssid: string): string {
  return crlf([
    '',
    `Profile ${name} on interface Wi-Fi:`,
    '=======================================================================',
    '',
    'Applied: All User Profile',
    '',
    'Profile information',
    '-------------------',
    '    Version                : 1',
    '    Type                   : Wireless LAN',
    `    Name                   : ${name}`,
    'Connectivity settings',
    '---------------------',
    '    Number of SSIDs        : 1',
    `    SSID name              : "${ssid}"`,
    'Security settings',
    '-----------------',
    '    Authentication         : WPA2-Personal',
    '    Cipher                 : CCMP',
    'Cost settings',
    '-------------',
    '    Cost                   : Unrestricted',
  ]);
}

export const interfaceTable = fixtureText('netsh-interface-show-interface-en-npcap.txt').replace(
  /\n/g,
  '\r\n',
);

export const subinterfaces = crlf([
  '',
  '   MTU  MediaSenseState   Bytes In  Bytes Out  Interface',
  '------  ---------------  ---------  ---------  -------------',
  '4294967295                1          0      21446  Loopback Pseudo-Interface 1',
  '  1500                1  123456789   98765432  Wi-Fi',
  '  1500                5          0          0  Ethernet',
]);

/** The networks fixture (SSID-1, SSID-2, SSID-3), with netsh's blank lines and CRLF. */
export const networksOutput = fixtureText('netsh-wlan-show-networks-bssid-en-heatmapper.txt')
  .replace(/^# .*\n/, '')
  .replace(/\n(SSID \d)/g, '\n\n$1')
  .replace(/\n/g, '\r\n');

/** Windows 11 24H2's English refusal, as netsh prints it without location permission. */
export const refusal = crlf([
  'There is 1 interface on the system:',
  'Network shell commands need location permission to access WLAN information. Turn on Location services on the Location page in Privacy & security settings.',
  '',
  'Here is the URI for the Location page in the Settings app:',
  'ms-settings:privacy-location',
  'To open the Location page in the Settings app, hold down the Ctrl key and select the link, or run the following command:',
  'start ms-settings:privacy-location',
  '',
  'Or, to open the Location page from the Run dialog box, press Windows logo key + R, and then copy and paste the URI above.',
  '',
  'Function WlanQueryInterface returns error 5:',
  'The requested operation requires elevation (Run as administrator).',
]);

/**
 * Profiles Home (SSID-1, connected), Office (SSID-2, in reach), Old (SSID-old, out of reach);
 * SSID-3 is in reach without a profile.
 */
export function homeWorld(): FakeRunner {
  return new FakeRunner()
    .on(chcp, [], result('Active code page: 850\r\n'))
    .on(netsh, ['wlan', 'show', 'interfaces'], result(interfacesOutput('Home', 'SSID-1')))
    .on(netsh, ['interface', 'show', 'interface'], result(interfaceTable))
    .on(netsh, ['wlan', 'show', 'profiles'], result(profilesOutput(['Home', 'Office', 'Old'])))
    .on(netsh, ['wlan', 'show', 'profile', 'name="Home"'], result(profileOutput('Home', 'SSID-1')))
    .on(
      netsh,
      ['wlan', 'show', 'profile', 'name="Office"'],
      result(profileOutput('Office', 'SSID-2')),
    )
    .on(netsh, ['wlan', 'show', 'profile', 'name="Old"'], result(profileOutput('Old', 'SSID-old')))
    .on(netsh, ['wlan', 'show', 'networks', 'mode=bssid'], result(networksOutput))
    .on(netsh, ['interface', 'ipv4', 'show', 'subinterfaces'], result(subinterfaces));
}
