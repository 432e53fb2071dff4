/**
 * `netsh wlan show interfaces`, in any UI language, Windows 10 and 11 layouts. Each interface
 * is a run of indented `label : value` lines that starts again whenever the first label
 * (Name, Nombre, Nom…) comes back. Fields are found by shape where the shape is unique (the
 * GUID label, the `SSID` label, MACs, `NN%`, `802.11…`, `… GHz`) and by label, with a
 * structural fallback, where it is not (state, channel, authentication, cipher, profile).
 */
import {
  authenticationLabels,
  bareInteger,
  isBand,
  isRadioType,
  type KeyValue,
  LineReader,
  looksLikeMac,
  maxInputChars,
  maxResults,
  normaliseBand,
  ParseError,
  percent,
} from './text.js';

export interface WlanInterface {
  readonly name: string;
  readonly description?: string;
  readonly guid?: string;
  readonly physicalAddress?: string;
  /** The state as printed, e.g. 'connected', 'Verbunden', 'disconnected'. */
  readonly state?: string;
  /** Whether it is connected; undefined when the state could not be read. */
  readonly connected: boolean | undefined;
  readonly ssid?: string;
  readonly bssid?: string;
  readonly radioType?: string;
  readonly authentication?: string;
  readonly cipher?: string;
  readonly band?: string;
  readonly channel?: number;
  readonly signal?: number;
  readonly profile?: string;
}

const source = 'wlan show interfaces';

const labels = {
  state: ['state', 'status', 'estado', 'état', 'stato', 'toestand', 'состояние'],
  channel: ['channel', 'kanal', 'canal', 'canale', 'kanaal', 'канал'],
  authentication: authenticationLabels,
  cipher: [
    'cipher',
    'verschlüsselungsverfahren',
    'verschlüsselung',
    'cifrado',
    'chiffrement',
    'crittografia',
    'versleuteling',
    'codering',
  ],
  profile: ['profile', 'profil', 'perfil', 'profilo', 'profiel', 'профиль'],
  bssid: ['bssid', 'ap bssid'],
};

const connectedValues = new Set([
  'connected',
  'verbunden',
  'conectado',
  'connecté',
  'connessa',
  'connesso',
  'verbonden',
  'подключено',
]);
const notConnectedValues = new Set([
  'disconnected',
  'getrennt',
  'desconectado',
  'déconnecté',
  'disconnessa',
  'disconnesso',
  'niet verbonden',
  'verbinding verbroken',
  'associating',
  'authenticating',
  'discovering',
  'disconnecting',
  'ad hoc network formed',
  'not ready',
]);

/** An interface shows a few dozen lines: a block of more is not netsh output. */
const maxPairs = 1024;

export function parseInterfaces(text: string): WlanInterface[] | ParseError {
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  const interfaces: WlanInterface[] = [];
  // Each block is read as soon as the next begins, so its pairs never outlive it.
  let block: KeyValue[] = [];
  let firstKey: string | undefined;
  const lines = new LineReader(text);
  while (lines.nextWith(':')) {
    if (lines.indent === 0) continue;
    const pair = lines.pair() as KeyValue;
    firstKey ??= pair.key;
    if (pair.key === firstKey && block.length > 0) {
      if (interfaces.length === maxResults - 1) {
        return new ParseError(source, `more than ${maxResults} interfaces`);
      }
      interfaces.push(readInterface(block));
      block = [];
    }
    if (block.length === maxPairs) {
      return new ParseError(source, `more than ${maxPairs} lines for one interface`);
    }
    block.push(pair);
  }
  if (block.length > 0) interfaces.push(readInterface(block));
  else if (!hasCount(text)) {
    return new ParseError(source, 'neither an interface count nor an interface block');
  }
  return interfaces;
}

/** An unindented line with a digit: `There are 2 interfaces on the system:`, in any language. */
function hasCount(text: string): boolean {
  const lines = new LineReader(text);
  while (lines.nextWithDigit()) if (lines.indent === 0) return true;
  return false;
}

const labelSets = Object.fromEntries(
  Object.entries(labels).map(([field, names]) => [field, new Set(names)]),
) as Record<keyof typeof labels, Set<string>>;

function readInterface(pairs: KeyValue[]): WlanInterface {
  const at = (i: number) => (i >= 0 ? pairs[i] : undefined);
  // One pass: where each field is by label and by shape.
  let ssidAt = -1;
  let stateAt = -1;
  let guidAt = -1;
  let bssidAt = -1;
  let signalAt = -1;
  let radioAt = -1;
  let channelAt = -1;
  let authAt = -1;
  let cipherAt = -1;
  let profileAt = -1;
  let bandAt = -1;
  let physicalAt = -1;
  let firstMacAfterSsid = -1;
  for (let i = 0; i < pairs.length; i++) {
    const { key, value } = pairs[i] as KeyValue;
    if (key === 'ssid' && ssidAt < 0) ssidAt = i;
    else if (key === 'guid' && guidAt < 0) guidAt = i;
    else if (stateAt < 0 && labelSets.state.has(key)) stateAt = i;
    else if (bssidAt < 0 && labelSets.bssid.has(key)) bssidAt = i;
    else if (channelAt < 0 && labelSets.channel.has(key)) channelAt = i;
    else if (authAt < 0 && labelSets.authentication.has(key)) authAt = i;
    else if (cipherAt < 0 && labelSets.cipher.has(key)) cipherAt = i;
    else if (profileAt < 0 && labelSets.profile.has(key)) profileAt = i;
    // Names (the interface's, the SSID, the profile) are free text: never read by shape.
    if (i === 0 || i === ssidAt || i === profileAt) continue;
    if (value.length === 17 && looksLikeMac(value)) {
      if (ssidAt < 0 && physicalAt < 0) physicalAt = i;
      else if (ssidAt >= 0 && i > ssidAt && firstMacAfterSsid < 0) firstMacAfterSsid = i;
    }
    if (signalAt < 0 && value.endsWith('%') && percent(value) !== undefined) signalAt = i;
    if (radioAt < 0 && value.startsWith('802.11') && isRadioType(value)) radioAt = i;
    if (bandAt < 0 && value.endsWith('GHz') && isBand(value)) bandAt = i;
  }
  if (stateAt < 0 && ssidAt > 0) stateAt = ssidAt - 1;
  if (bssidAt < 0) bssidAt = firstMacAfterSsid;
  if (channelAt < 0 && bssidAt >= 0) {
    for (let i = bssidAt + 1; i < pairs.length; i++) {
      if (i === profileAt) continue;
      if (bareInteger((pairs[i] as KeyValue).value) !== undefined) {
        channelAt = i;
        break;
      }
    }
  }
  if (authAt < 0 && radioAt >= 0) authAt = radioAt + 1;
  if (cipherAt < 0 && authAt >= 0) cipherAt = authAt + 1;
  if (profileAt < 0 && signalAt >= 0) profileAt = signalAt + 1;

  const state = at(stateAt)?.value;
  const ssid = at(ssidAt)?.raw;
  const lower = state?.toLowerCase();
  const connected =
    lower !== undefined && connectedValues.has(lower)
      ? true
      : lower !== undefined && notConnectedValues.has(lower)
        ? false
        : ssid !== undefined && bssidAt >= 0
          ? true
          : lower === undefined
            ? undefined
            : false;
  const channel = at(channelAt) ? bareInteger(at(channelAt)?.value ?? '') : undefined;
  const signal = at(signalAt) ? percent(at(signalAt)?.value ?? '') : undefined;
  const description = pairs.length > 1 && guidAt === 2 ? pairs[1]?.value : undefined;
  const out: Record<string, unknown> = { name: pairs[0]?.value ?? '', connected };
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('description', description);
  set('guid', at(guidAt)?.value);
  set('physicalAddress', at(physicalAt)?.value.toLowerCase());
  set('state', state);
  if (connected !== false) {
    if (ssid !== undefined) out.ssid = ssid;
    set('bssid', at(bssidAt)?.value.toLowerCase());
    set('radioType', at(radioAt)?.value);
    set('authentication', at(authAt)?.value);
    set('cipher', at(cipherAt)?.value);
    set('band', at(bandAt) ? normaliseBand(at(bandAt)?.value ?? '') : undefined);
    set('channel', channel);
    set('signal', signal);
    const profile = at(profileAt)?.raw;
    if (profile !== undefined && profile.trim() !== '') out.profile = profile;
  }
  return out as unknown as WlanInterface;
}
