/**
 * Identifiers stable across NetworkManager restarts (object paths are renumbered then):
 * a saved profile by its UUID, an unsaved Wi-Fi network by its SSID's bytes.
 */
export const engineName = 'networkmanager';

const profilePrefix = `${engineName}:`;
const wifiPrefix = `${engineName}:wifi:`;

export function profileIdentifier(uuid: string): string {
  return `${profilePrefix}${uuid}`;
}

/** SSIDs are up to 32 arbitrary bytes, not text: hex keeps the identifier exact. */
export function wifiIdentifier(ssid: Uint8Array): string {
  return `${wifiPrefix}${Buffer.from(ssid).toString('hex')}`;
}

export type ParsedIdentifier =
  | { readonly kind: 'profile'; readonly uuid: string }
  | { readonly kind: 'wifi'; readonly ssidHex: string };

export function parseIdentifier(identifier: unknown): ParsedIdentifier | null {
  if (typeof identifier !== 'string') return null;
  if (identifier.startsWith(wifiPrefix))
    return { kind: 'wifi', ssidHex: identifier.slice(wifiPrefix.length) };
  if (identifier.startsWith(profilePrefix) && identifier.length > profilePrefix.length) {
    return { kind: 'profile', uuid: identifier.slice(profilePrefix.length) };
  }
  return null;
}

/** A display name for an SSID; invalid UTF-8 shows as U+FFFD, the identifier stays exact. */
export function ssidName(ssid: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(ssid);
}
