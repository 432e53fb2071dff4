/**
 * `netsh wlan show profiles` and `netsh wlan show profile name="…"`, in any UI language.
 * The list: every indented `label : name` line (the label is "All User Profile", "Profil für
 * alle Benutzer"…; `<None>` lines have no colon). The details: SSIDs are the quoted values
 * (`SSID name : "…"`), the rest by label where one is known.
 */
import {
  authenticationLabels,
  type KeyValue,
  LineReader,
  maxInputChars,
  maxResults,
  ParseError,
  trimSpacesEnd,
} from './text.js';

export interface SavedProfile {
  /** The profile name as printed (lossy in the OEM code page: see the README). */
  readonly name: string;
}

export function parseProfiles(text: string): SavedProfile[] | ParseError {
  const source = 'wlan show profiles';
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  const profiles: SavedProfile[] = [];
  let sawHeader = false;
  const lines = new LineReader(text);
  // Both the header (`Profiles on interface Wi-Fi:`) and the profile lines hold a colon.
  while (lines.nextWith(':')) {
    if (lines.indent === 0) {
      if (lines.lastVisible() === 0x3a) sawHeader = true;
      continue;
    }
    const pair = lines.pair() as KeyValue;
    if (pair.label === '' || pair.raw === '') continue;
    if (profiles.length === maxResults) {
      return new ParseError(source, `more than ${maxResults} profiles`);
    }
    profiles.push({ name: pair.raw });
  }
  if (profiles.length === 0 && !sawHeader) {
    return new ParseError(source, 'neither an interface header nor a profile line');
  }
  return profiles;
}

export interface ProfileDetails {
  /** The SSIDs the profile connects to (usually one). */
  readonly ssids: readonly string[];
  readonly authentication?: string;
  readonly cipher?: string;
  /** The Cost setting as printed ('Unrestricted', 'Fixed', 'Variable', or localised). */
  readonly cost?: string;
  /** Known only when the cost value is one of the known words. */
  readonly metered?: boolean;
}

const cipherLabels = [
  'cipher',
  'verschlüsselung',
  'cifrado',
  'chiffrement',
  'crittografia',
  'versleuteling',
];
const costLabels = ['cost', 'kosten', 'costo', 'coût', 'coste'];
/** Which setting a label names, in every language (one lookup per line). */
const detailLabels = new Map<string, 'authentication' | 'cipher' | 'cost'>([
  ...authenticationLabels.map((label) => [label, 'authentication'] as const),
  ...cipherLabels.map((label) => [label, 'cipher'] as const),
  ...costLabels.map((label) => [label, 'cost'] as const),
]);
const unmetered = new Set([
  'unrestricted',
  'uneingeschränkt',
  'sin restricciones',
  'sans restriction',
  'senza restrizioni',
  'onbeperkt',
]);
const metered = new Set([
  'fixed',
  'variable',
  'fest',
  'fijo',
  'fixe',
  'fisso',
  'variabel',
  'variabile',
  'vast',
]);

export function parseProfileDetails(text: string): ProfileDetails | ParseError {
  const source = 'wlan show profile';
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  const ssids: string[] = [];
  let authentication: string | undefined;
  let cipher: string | undefined;
  let cost: string | undefined;
  let pairs = 0;
  const lines = new LineReader(text);
  while (lines.nextWith(':')) {
    const pair = lines.pair() as KeyValue;
    if (pair.label === '' || pair.label.startsWith('#')) continue;
    pairs++;
    const raw = trimSpacesEnd(pair.raw);
    if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
      if (ssids.length === maxResults) {
        return new ParseError(source, `more than ${maxResults} SSIDs`);
      }
      ssids.push(raw.slice(1, -1));
      continue;
    }
    const field = detailLabels.get(pair.key);
    if (field === 'authentication') authentication ??= pair.value;
    else if (field === 'cipher') cipher ??= pair.value;
    else if (field === 'cost') cost ??= pair.value;
  }
  if (pairs === 0) return new ParseError(source, 'no `label : value` line');
  const lower = cost?.toLowerCase();
  const meteredValue =
    lower === undefined
      ? undefined
      : unmetered.has(lower)
        ? false
        : metered.has(lower)
          ? true
          : undefined;
  return {
    ssids,
    ...(authentication !== undefined ? { authentication } : {}),
    ...(cipher !== undefined ? { cipher } : {}),
    ...(cost !== undefined ? { cost } : {}),
    ...(meteredValue !== undefined ? { metered: meteredValue } : {}),
  };
}
