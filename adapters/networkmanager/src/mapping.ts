/** Pure tables from NetworkManager's vocabulary to netbearer's (Qt's and Qt 6's). */
import type { BearerType, Reachability, TransportMedium } from '@netbearer/core';
import {
  ActiveState,
  Connectivity,
  DeviceType,
  Metered,
  ModemCapability,
  NmState,
} from './nm-constants.js';

/**
 * A profile's bearer from its connection.type (Qt's table): the profile type, not the device
 * type, because a veth (DeviceType 20) carries an '802-3-ethernet' profile like any NIC.
 * Modems say their current technology in the device's capabilities, when one is known.
 */
export function bearerOf(profileType: string, modemCapabilities = 0): BearerType {
  switch (profileType) {
    case '802-3-ethernet':
    case 'veth':
      return 'Ethernet';
    case '802-11-wireless':
      return 'WLAN';
    case 'bluetooth':
      return 'Bluetooth';
    case 'wimax':
      return 'WiMAX';
    case 'gsm':
      return gsmBearer(modemCapabilities);
    case 'cdma':
      return modemCapabilities & ModemCapability.Lte ? 'LTE' : 'CDMA2000';
    default:
      return 'Unknown';
  }
}

function gsmBearer(capabilities: number): BearerType {
  if (capabilities & (ModemCapability.Lte | ModemCapability.FiveG)) return 'LTE';
  if (capabilities & ModemCapability.GsmUmts) return 'WCDMA';
  return '2G';
}

/** Bridges, tunnels, VPNs and the like: they do not make the machine online by themselves. */
const virtualProfileTypes = new Set([
  'bond',
  'bridge',
  'dummy',
  'ip-tunnel',
  'loopback',
  'macsec',
  'macvlan',
  'ovs-bridge',
  'ovs-interface',
  'ovs-port',
  'team',
  'tun',
  'veth',
  'vlan',
  'vpn',
  'vrf',
  'vxlan',
  'wireguard',
]);

export function isVirtualProfileType(profileType: string): boolean {
  return virtualProfileTypes.has(profileType);
}

/** Loopback is shown by NM 1.42+ as an externally connected profile: never a configuration. */
export function isLoopback(profileType: string): boolean {
  return profileType === 'loopback';
}

/** Qt 6's networkmanager backend: NMState to reachability levels. */
export function reachabilityOf(state: number): Reachability {
  switch (state) {
    case NmState.Disconnected:
    case NmState.Disconnecting:
      return 'Disconnected';
    case NmState.ConnectedLocal:
      return 'Local';
    case NmState.ConnectedSite:
      return 'Site';
    case NmState.ConnectedGlobal:
      return 'Online';
    default:
      return 'Unknown';
  }
}

export function isCaptivePortal(connectivity: number): boolean {
  return connectivity === Connectivity.Portal;
}

export function isMetered(metered: number): boolean {
  return metered === Metered.Yes || metered === Metered.GuessYes;
}

export function transportOfDeviceType(deviceType: number): TransportMedium {
  switch (deviceType) {
    case DeviceType.Ethernet:
    case DeviceType.Veth:
      return 'Ethernet';
    case DeviceType.WiFi:
      return 'WiFi';
    case DeviceType.Modem:
      return 'Cellular';
    case DeviceType.Bluetooth:
      return 'Bluetooth';
    default:
      return 'Unknown';
  }
}

/** For a primary connection without a device (rare): its profile type. */
export function transportOfProfileType(profileType: string): TransportMedium {
  switch (bearerOf(profileType)) {
    case 'Ethernet':
      return 'Ethernet';
    case 'WLAN':
      return 'WiFi';
    case 'Bluetooth':
      return 'Bluetooth';
    case 'Unknown':
    case 'WiMAX':
      return 'Unknown';
    default:
      return 'Cellular';
  }
}

/** NMActiveConnectionStateReason, for error messages a person can act on. */
const activeReasons: Readonly<Record<number, string>> = {
  0: 'unknown reason',
  1: 'no reason given',
  2: 'disconnected by a user',
  3: 'the device disconnected',
  4: 'the VPN service stopped',
  5: 'the IP configuration was invalid',
  6: 'the connection attempt timed out',
  7: 'the VPN service did not start in time',
  8: 'the VPN service failed to start',
  9: 'no valid secrets',
  10: 'login failed',
  11: 'the profile was deleted',
  12: 'a connection it depends on failed',
  13: 'the device could not be created',
  14: 'the device disappeared',
};

export function describeActiveReason(reason: number | undefined): string {
  return reason === undefined ? 'no reason given' : (activeReasons[reason] ?? `reason ${reason}`);
}

export function describeActiveState(state: number): string {
  const names: Record<number, string> = {
    [ActiveState.Unknown]: 'unknown',
    [ActiveState.Activating]: 'activating',
    [ActiveState.Activated]: 'activated',
    [ActiveState.Deactivating]: 'deactivating',
    [ActiveState.Deactivated]: 'deactivated',
  };
  return names[state] ?? `state ${state}`;
}

/** NMDeviceStateReason: the common causes of a failed activation. */
const deviceReasons: Readonly<Record<number, string>> = {
  4: 'the device configuration failed',
  5: 'no IP configuration could be obtained',
  6: 'the IP configuration expired',
  7: 'secrets were required but not provided',
  8: 'the Wi-Fi supplicant disconnected',
  9: 'the Wi-Fi supplicant configuration failed',
  10: 'the Wi-Fi supplicant failed',
  11: 'the Wi-Fi supplicant timed out',
  15: 'the DHCP client failed to start',
  16: 'the DHCP client failed',
  17: 'DHCP failed',
  35: 'firmware is missing',
  36: 'the device was removed',
  37: 'the system is going to sleep',
  38: 'the profile was removed',
  39: 'a user requested it',
  40: 'the carrier was lost',
  45: 'no SIM card is inserted',
  46: 'the SIM PIN is required',
  53: 'the Wi-Fi network was not found',
  64: 'the IP address is already in use',
  65: 'the IP method is not supported',
};

export function describeDeviceReason(reason: number): string {
  return deviceReasons[reason] ?? `device reason ${reason}`;
}
