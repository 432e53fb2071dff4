import { describe, expect, it } from 'vitest';
import {
  bearerOf,
  describeActiveReason,
  describeDeviceReason,
  isCaptivePortal,
  isLoopback,
  isMetered,
  isVirtualProfileType,
  reachabilityOf,
  transportOfDeviceType,
  transportOfProfileType,
} from './mapping.js';

describe('bearerOf (profile type, modem capabilities)', () => {
  it.each([
    ['802-3-ethernet', 0, 'Ethernet'],
    ['veth', 0, 'Ethernet'],
    ['802-11-wireless', 0, 'WLAN'],
    ['bluetooth', 0, 'Bluetooth'],
    ['wimax', 0, 'WiMAX'],
    ['gsm', 0, '2G'],
    ['gsm', 0x4, 'WCDMA'],
    ['gsm', 0x4 | 0x8, 'LTE'],
    ['gsm', 0x40, 'LTE'],
    ['cdma', 0x2, 'CDMA2000'],
    ['cdma', 0x8, 'LTE'],
    ['vpn', 0, 'Unknown'],
    ['bridge', 0, 'Unknown'],
    ['', 0, 'Unknown'],
    ['__proto__', 0, 'Unknown'],
  ] as const)('%s with capabilities %i is %s', (type, caps, bearer) => {
    expect(bearerOf(type, caps)).toBe(bearer);
  });
});

describe('reachabilityOf (Qt 6 networkmanager backend)', () => {
  it.each([
    [0, 'Unknown'],
    [10, 'Unknown'],
    [20, 'Disconnected'],
    [30, 'Disconnected'],
    [40, 'Unknown'],
    [50, 'Local'],
    [60, 'Site'],
    [70, 'Online'],
    [71, 'Unknown'],
    [-1, 'Unknown'],
  ] as const)('NMState %i is %s', (state, reachability) => {
    expect(reachabilityOf(state)).toBe(reachability);
  });
});

describe('captive portal and metered', () => {
  it('is a portal only for Connectivity PORTAL (2)', () => {
    expect([0, 1, 2, 3, 4].map(isCaptivePortal)).toEqual([false, false, true, false, false]);
  });

  it('is metered for YES (1) and GUESS_YES (3)', () => {
    expect([0, 1, 2, 3, 4].map(isMetered)).toEqual([false, true, false, true, false]);
  });
});

describe('transport medium', () => {
  it.each([
    [1, 'Ethernet'],
    [20, 'Ethernet'],
    [2, 'WiFi'],
    [8, 'Cellular'],
    [5, 'Bluetooth'],
    [13, 'Unknown'],
    [32, 'Unknown'],
    [0, 'Unknown'],
  ] as const)('device type %i is %s', (type, medium) => {
    expect(transportOfDeviceType(type)).toBe(medium);
  });

  it.each([
    ['802-3-ethernet', 'Ethernet'],
    ['802-11-wireless', 'WiFi'],
    ['gsm', 'Cellular'],
    ['cdma', 'Cellular'],
    ['bluetooth', 'Bluetooth'],
    ['wireguard', 'Unknown'],
    ['wimax', 'Unknown'],
  ] as const)('profile type %s is %s', (type, medium) => {
    expect(transportOfProfileType(type)).toBe(medium);
  });
});

describe('virtual and loopback profiles', () => {
  it('calls bridges, tunnels and VPNs virtual, NICs not', () => {
    for (const type of ['bridge', 'bond', 'tun', 'vpn', 'wireguard', 'vlan', 'veth', 'loopback']) {
      expect(isVirtualProfileType(type)).toBe(true);
    }
    for (const type of ['802-3-ethernet', '802-11-wireless', 'gsm', 'cdma', 'bluetooth']) {
      expect(isVirtualProfileType(type)).toBe(false);
    }
  });

  it('recognises only the loopback profile type as loopback', () => {
    expect(isLoopback('loopback')).toBe(true);
    expect(isLoopback('802-3-ethernet')).toBe(false);
  });
});

describe('reasons', () => {
  it('describes known reasons and numbers unknown ones', () => {
    expect(describeActiveReason(5)).toBe('the IP configuration was invalid');
    expect(describeActiveReason(undefined)).toBe('no reason given');
    expect(describeActiveReason(999)).toBe('reason 999');
    expect(describeDeviceReason(5)).toBe('no IP configuration could be obtained');
    expect(describeDeviceReason(53)).toBe('the Wi-Fi network was not found');
    expect(describeDeviceReason(1234)).toBe('device reason 1234');
  });
});
