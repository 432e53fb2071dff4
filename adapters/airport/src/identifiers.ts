import type { BearerType } from '@netbearer/core';

/**
 * Identifiers (research §3.2). The SSID is the last component, taken as it is: `:` or any
 * other character inside it cannot reach another component. SSIDs that are not valid UTF-8
 * use a separate `-hex` kind holding their bytes, so two such names never collide.
 */
export const identifierPrefix = 'airport:';

/** A saved (preferred) network. */
export function knownIdentifier(ssid: string, ssidHex: string | null = null): string {
  return ssidHex === null ? `airport:known:${ssid}` : `airport:known-hex:${ssidHex}`;
}

/** A network in range that is not saved. */
export function seenIdentifier(ssid: string, ssidHex: string | null = null): string {
  return ssidHex === null ? `airport:seen:${ssid}` : `airport:seen-hex:${ssidHex}`;
}

/** A hardware port that is not Wi-Fi (Ethernet, Thunderbolt, Bluetooth PAN, iPhone USB). */
export function interfaceIdentifier(device: string): string {
  return `airport:if:${device}`;
}

/** The network a Wi-Fi interface is on while macOS hides its name. */
export function currentIdentifier(device: string): string {
  return `airport:wlan:${device}:current`;
}

export interface PortKind {
  readonly bearerType: BearerType;
  readonly virtual: boolean;
}

/**
 * The bearer of a non-Wi-Fi hardware port by its name (research §2.6): Wi-Fi is decided by
 * `-getairportpower`, not by name. Thunderbolt bridges and ports are virtual.
 */
export function classifyPort(port: string, device: string): PortKind {
  if (/^(bridge|utun|awdl|llw|anpi|gif|stf|ap)\d*$/.test(device) || /^Thunderbolt/i.test(port)) {
    return { bearerType: 'Ethernet', virtual: true };
  }
  if (/Bluetooth/i.test(port)) return { bearerType: 'Bluetooth', virtual: false };
  if (/iPhone|iPad/i.test(port)) return { bearerType: 'Unknown', virtual: false };
  return { bearerType: 'Ethernet', virtual: false };
}
