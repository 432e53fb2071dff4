/** Qt 6 QNetworkInformation's four features from NetworkManager's global properties (pure). */
import type { NetworkInformation, NetworkInformationFeature } from '@netbearer/core';
import {
  isCaptivePortal,
  isMetered,
  reachabilityOf,
  transportOfDeviceType,
  transportOfProfileType,
} from './mapping.js';
import { firstDevice } from './model.js';
import type { NmSnapshot } from './snapshot.js';

export const supportedFeatures: readonly NetworkInformationFeature[] = [
  'Reachability',
  'CaptivePortal',
  'TransportMedium',
  'Metered',
];

/** While NetworkManager is away nothing is known: Unknown, not Disconnected. */
export const unknownInformation: NetworkInformation = {
  reachability: 'Unknown',
  behindCaptivePortal: false,
  transportMedium: 'Unknown',
  metered: false,
};

export function networkInformationOf(snapshot: NmSnapshot): NetworkInformation {
  const manager = snapshot.manager;
  if (!snapshot.present || !manager) return unknownInformation;
  return {
    reachability: reachabilityOf(manager.state),
    behindCaptivePortal: isCaptivePortal(manager.connectivity),
    transportMedium: transportOf(snapshot, manager.primaryConnection),
    metered: isMetered(manager.metered),
  };
}

function transportOf(
  snapshot: NmSnapshot,
  primaryPath: string,
): NetworkInformation['transportMedium'] {
  const primary = snapshot.actives.get(primaryPath);
  if (!primary) return 'Unknown';
  const device = firstDevice(snapshot, primary);
  return device ? transportOfDeviceType(device.deviceType) : transportOfProfileType(primary.type);
}

export function sameInformation(a: NetworkInformation, b: NetworkInformation): boolean {
  return (
    a.reachability === b.reachability &&
    a.behindCaptivePortal === b.behindCaptivePortal &&
    a.transportMedium === b.transportMedium &&
    a.metered === b.metered
  );
}
