/** Renders visible networks the way netsh prints them (tests: render → parse round-trips). */
import type { VisibleNetwork } from '../networks.js';

export type Layout = 'win10-en' | 'win11-en' | 'win11-de' | 'win11-fr' | 'win11-es';

const labels = {
  en: {
    iface: 'Interface name',
    count: (n: number) => `There are ${n} networks currently visible.`,
    type: 'Network type',
    auth: 'Authentication',
    enc: 'Encryption',
    signal: 'Signal',
    radio: 'Radio type',
    band: 'Band',
    channel: 'Channel',
    nbsp: '',
  },
  de: {
    iface: 'Schnittstellenname',
    count: (n: number) => `Momentan sind ${n} Netzwerke sichtbar.`,
    type: 'Netzwerktyp',
    auth: 'Authentifizierung',
    enc: 'Verschlüsselung',
    signal: 'Signal',
    radio: 'Funktyp',
    band: 'Band',
    channel: 'Kanal',
    nbsp: '',
  },
  fr: {
    iface: 'Nom de l’interface\u00a0',
    count: (n: number) => `Actuellement ${n} réseaux sont visibles.`,
    type: 'Type de réseau',
    auth: 'Authentification',
    enc: 'Chiffrement',
    signal: 'Signal',
    radio: 'Type de radio',
    band: 'Bande',
    channel: 'Canal',
    nbsp: '\u00a0',
  },
  es: {
    iface: 'Nombre de interfaz',
    count: (n: number) => `Actualmente hay ${n} redes visibles.`,
    type: 'Tipo de red',
    auth: 'Autenticación',
    enc: 'Cifrado',
    signal: 'Señal',
    radio: 'Tipo de radio',
    band: 'Banda',
    channel: 'Canal',
    nbsp: '',
  },
};

export function renderNetworks(
  networks: readonly VisibleNetwork[],
  layout: Layout,
  options: { blankLines: boolean; interfaceName?: string },
): string {
  const language = layout.endsWith('de')
    ? labels.de
    : layout.endsWith('fr')
      ? labels.fr
      : layout.endsWith('es')
        ? labels.es
        : labels.en;
  const win11 = layout.startsWith('win11');
  const out: string[] = [''];
  out.push(`${language.iface} : ${options.interfaceName ?? 'Wi-Fi'}`);
  out.push(language.count(networks.length));
  if (options.blankLines) out.push('');
  networks.forEach((network, n) => {
    // A hidden network's line ends at the colon.
    out.push(`SSID ${n + 1}${language.nbsp} :${network.ssid === '' ? '' : ` ${network.ssid}`}`);
    out.push(`    ${language.type.padEnd(24)}: ${network.networkType ?? 'Infrastructure'}`);
    out.push(`    ${language.auth.padEnd(24)}: ${network.authentication ?? 'Open'}`);
    out.push(`    ${language.enc.padEnd(24)}: ${network.encryption ?? 'None'}`);
    network.accessPoints.forEach((ap, i) => {
      out.push(`    BSSID ${i + 1}                 : ${ap.bssid}`);
      out.push(`         ${language.signal.padEnd(18)} : ${ap.signal}%  `);
      out.push(`         ${language.radio.padEnd(18)} : ${ap.radioType}`);
      if (win11) out.push(`         ${language.band.padEnd(18)} : ${ap.band}`);
      out.push(`         ${language.channel.padEnd(18)} : ${ap.channel} `);
      if (win11) {
        out.push('         Bss Load:');
        out.push('             Connected Stations:        3');
        out.push('             Channel Utilization:        148 (58 %)');
        if (layout === 'win11-es') out.push('mscs QoS          admitidos: 0');
        out.push('         QoS MSCS Supported    : 0');
      }
      out.push('         Basic rates (Mbps) : 1 2 5.5 11');
      out.push('         Other rates (Mbps) : 6 9 12 18 24 36 48 54');
    });
    if (options.blankLines) out.push('');
  });
  return out.join('\r\n');
}
