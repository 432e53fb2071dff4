/** Renderers of the tools' layouts, for render → parse round trips. */

export interface RenderedAp {
  readonly ssid: Uint8Array;
  readonly bssid: string | null;
  readonly rssi: number;
  readonly channel: string;
  readonly security: string;
}

const header =
  '                            SSID BSSID             RSSI CHANNEL HT CC SECURITY (auth/unicast/group)';

/** `airport -s` as airport prints it: SSID right-aligned in 32 bytes, fixed columns after. */
export function renderAirportScan(aps: readonly RenderedAp[], eol = '\n'): Buffer {
  const parts: Buffer[] = [Buffer.from(header + eol)];
  for (const ap of aps) {
    const pad = Buffer.alloc(Math.max(0, 32 - ap.ssid.length), 0x20);
    const rest = ` ${(ap.bssid ?? '').padEnd(17)} ${String(ap.rssi).padEnd(4)} ${ap.channel.padEnd(7)} Y  -- ${ap.security} ${eol}`;
    parts.push(pad, Buffer.from(ap.ssid), Buffer.from(rest, 'latin1'));
  }
  return Buffer.concat(parts);
}

/** `system_profiler SPAirPortDataType -json` with one associated interface. */
export function renderSystemProfiler(
  current: string | null,
  networks: readonly { name: string; channel: number; rssi: number }[],
): string {
  const network = (n: { name: string; channel: number; rssi: number }) => ({
    _name: n.name,
    spairport_network_channel: `${n.channel} (2GHz, 20MHz)`,
    spairport_network_phymode: '802.11b/g/n',
    spairport_network_type: 'spairport_network_type_station',
    spairport_security_mode: 'spairport_security_mode_wpa2_personal',
    spairport_signal_noise: `${n.rssi} dBm / -97 dBm`,
  });
  const itf = {
    _name: 'en0',
    ...(current === null
      ? { spairport_status_information: 'spairport_status_disassociated' }
      : {
          spairport_current_network_information: network({ name: current, channel: 6, rssi: -50 }),
          spairport_status_information: 'spairport_status_connected',
        }),
    [current === null
      ? 'spairport_airport_local_wireless_networks'
      : 'spairport_airport_other_local_wireless_networks']: networks.map(network),
  };
  return JSON.stringify({ SPAirPortDataType: [{ spairport_airport_interfaces: [itf] }] }, null, 2);
}

/** `ipconfig getsummary <dev>` of a Wi-Fi interface. */
export function renderIpconfigSummary(options: {
  linkActive: boolean;
  ssid?: string;
  security?: string;
}): string {
  const lines = ['<dictionary> {', '  BSSID : <redacted>', '  Hashed-BSSID : 4e:4f:aa:01:02:03'];
  lines.push('  IPv4 : <array> {', '    0 : <dictionary> {', '      Addresses : <array> {');
  lines.push('        0 : 192.168.1.20', '      }', '      SSID : decoy-in-nested', '    }', '  }');
  lines.push(
    '  InterfaceType : WiFi',
    `  LinkStatusActive : ${options.linkActive ? 'TRUE' : 'FALSE'}`,
  );
  if (options.ssid !== undefined) lines.push(`  SSID : ${options.ssid}`);
  if (options.security !== undefined) lines.push(`  Security : ${options.security}`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** `scutil --nwi`. */
export function renderNwi(options: { reachable: boolean; interfaces: readonly string[] }): string {
  const flags = options.reachable ? '0x00000002 (Reachable)' : '0x00000000 (Not Reachable)';
  const v4 = options.interfaces.length
    ? options.interfaces.map(
        (i) =>
          `     ${i} : flags      : 0x5 (IPv4,DNS)\n           address    : 192.168.1.20\n           reach      : ${flags}`,
      )
    : ['   No IPv4 states found'];
  return [
    'Network information',
    '',
    'IPv4 network interface information',
    ...v4,
    `   REACH : flags ${flags}`,
    '',
    'IPv6 network interface information',
    '   No IPv6 states found',
    '   REACH : flags 0x00000000 (Not Reachable)',
    '',
    `Network interfaces: ${options.interfaces.join(' ')}`,
    '',
  ].join('\n');
}

/** `networksetup -listpreferredwirelessnetworks <dev>`. */
export function renderPreferred(device: string, ssids: readonly string[]): string {
  return `Preferred networks on ${device}:\n${ssids.map((s) => `\t${s}\n`).join('')}`;
}
