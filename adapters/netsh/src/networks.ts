/**
 * `netsh wlan show networks mode=bssid`, in any UI language, Windows 7 to 11, with or
 * without netsh's blank lines: parsed by structure. A network opens at a column-0
 * `SSID <n> :` line (its name is everything after `: `; empty = hidden); its first three
 * indented lines are network type, authentication and encryption; an indented `BSSID <n> :`
 * opens an access point, whose signal is the first `NN%` value, channel the first bare integer
 * after the signal, radio type the first `802.11…` value and band the first `… GHz` value.
 * More than `maxResults` networks, or access points, is a ParseError.
 */
import {
  bareInteger,
  isBand,
  isRadioType,
  type KeyValue,
  LineReader,
  maxInputChars,
  maxResults,
  normaliseBand,
  ParseError,
  percent,
} from './text.js';

export interface AccessPoint {
  /** Lower-case MAC as printed (masked captures keep their mask). */
  readonly bssid: string;
  readonly signal?: number;
  readonly channel?: number;
  readonly radioType?: string;
  /** e.g. '2.4 GHz', '5 GHz'. */
  readonly band?: string;
}

export interface VisibleNetwork {
  /** The SSID as printed; '' for a hidden network. */
  readonly ssid: string;
  /** The interface this list belongs to, when netsh named it. */
  readonly interfaceName?: string;
  readonly networkType?: string;
  readonly authentication?: string;
  readonly encryption?: string;
  readonly accessPoints: readonly AccessPoint[];
}

const source = 'wlan show networks';
/** Every BSSID of every network, counted together (see `maxResults`). */
const maxAccessPoints = maxResults;
const ssidHeader = /^SSID[ \u00a0]+\d{1,5}[ \u00a0]*:/;
const bssidLabel = /^bssid[ \u00a0]+\d{1,5}$/;

interface MutableAp {
  bssid: string;
  signal?: number;
  channel?: number;
  radioType?: string;
  band?: string;
}
interface MutableNetwork {
  ssid: string;
  interfaceName?: string;
  fields: string[];
  accessPoints: MutableAp[];
}

export function parseNetworks(text: string): VisibleNetwork[] | ParseError {
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  const lines = new LineReader(text);
  const networks: MutableNetwork[] = [];
  let network: MutableNetwork | undefined;
  let ap: MutableAp | undefined;
  let interfaceName: string | undefined;
  let accessPoints = 0;
  // Every line read holds a colon; the count sentence (no colon) is looked for at the end.
  while (lines.nextWith(':')) {
    if (lines.indent === 0) {
      if (lines.startsWith('SSID')) {
        const text = lines.text();
        if (ssidHeader.test(text)) {
          const colon = text.indexOf(':');
          let ssid = text.slice(colon + 1);
          if (ssid.startsWith(' ')) ssid = ssid.slice(1);
          if (networks.length === maxResults) {
            return new ParseError(source, `more than ${maxResults} networks`);
          }
          network = { ssid, fields: [], accessPoints: [] };
          if (interfaceName !== undefined) network.interfaceName = interfaceName;
          networks.push(network);
          ap = undefined;
          continue;
        }
      }
      // `Interface name : Wi-Fi` is followed by the count sentence (a digit, no colon).
      const next = lines.fork();
      if (next.next() && isCountSentence(next)) {
        interfaceName = lines.pair()?.value;
        network = undefined;
        ap = undefined;
      }
      continue;
    }
    if (!network) continue;
    const pair = lines.pair() as KeyValue;
    if (bssidLabel.test(pair.key)) {
      if (++accessPoints > maxAccessPoints) {
        return new ParseError(source, `more than ${maxAccessPoints} access points`);
      }
      ap = { bssid: pair.value.toLowerCase() };
      network.accessPoints.push(ap);
      continue;
    }
    if (!ap) {
      // Network type, authentication, encryption: the first three.
      if (network.fields.length < 3) network.fields.push(pair.value);
      continue;
    }
    const value = pair.value;
    if (ap.signal === undefined) {
      const signal = percent(value);
      if (signal !== undefined) {
        ap.signal = signal;
        continue;
      }
    } else if (ap.channel === undefined) {
      const channel = bareInteger(value);
      if (channel !== undefined) {
        ap.channel = channel;
        continue;
      }
    }
    if (ap.radioType === undefined && isRadioType(value)) ap.radioType = value;
    else if (ap.band === undefined && isBand(value)) ap.band = normaliseBand(value);
  }
  if (networks.length === 0 && !hasCountSentence(text)) {
    return new ParseError(source, 'neither an interface header nor an SSID block');
  }
  return networks.map(finishNetwork);
}

/** `There are 3 networks currently visible.`, in any language: unindented, a digit, no colon. */
function isCountSentence(line: LineReader): boolean {
  return line.indent === 0 && line.colon() < 0 && line.hasDigit();
}

function hasCountSentence(text: string): boolean {
  const lines = new LineReader(text);
  while (lines.nextWithDigit()) if (isCountSentence(lines)) return true;
  return false;
}

/** The value, built once: no copies (a megabyte of `SSID n :` lines is 100 000 networks). */
function finishNetwork(network: MutableNetwork): VisibleNetwork {
  const [networkType, authentication, encryption] = network.fields;
  const out: { -readonly [K in keyof VisibleNetwork]: VisibleNetwork[K] } = {
    ssid: network.ssid,
    accessPoints: network.accessPoints,
  };
  if (network.interfaceName !== undefined) out.interfaceName = network.interfaceName;
  if (networkType !== undefined) out.networkType = networkType;
  if (authentication !== undefined) out.authentication = authentication;
  if (encryption !== undefined) out.encryption = encryption;
  return out;
}
