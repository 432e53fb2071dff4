/** The configuration side of Qt's enumerations, as string unions of Qt's constant names. */

export {
  type ConfigurationState,
  configurationStates,
  type SessionError,
  type SessionState,
  sessionErrors,
  sessionStates,
} from '@netbearer/machines';

export const configurationTypes = [
  'InternetAccessPoint',
  'ServiceNetwork',
  'UserChoice',
  'Invalid',
] as const;
export type ConfigurationType = (typeof configurationTypes)[number];

export const purposes = [
  'UnknownPurpose',
  'PublicPurpose',
  'PrivatePurpose',
  'ServiceSpecificPurpose',
] as const;
export type Purpose = (typeof purposes)[number];

export const bearerTypes = [
  'Unknown',
  'Ethernet',
  'WLAN',
  '2G',
  '3G',
  '4G',
  'CDMA2000',
  'WCDMA',
  'HSPA',
  'Bluetooth',
  'WiMAX',
  'EVDO',
  'LTE',
] as const;
export type BearerType = (typeof bearerTypes)[number];

export const capabilities = [
  'CanStartAndStopInterfaces',
  'DirectConnectionRouting',
  'SystemSessionSupport',
  'ApplicationLevelRoaming',
  'ForcedRoaming',
  'DataStatistics',
  'NetworkSessionRequired',
] as const;
export type Capability = (typeof capabilities)[number];

export const usagePolicyNames = ['NoPolicy', 'NoBackgroundTrafficPolicy'] as const;
export type UsagePolicy = (typeof usagePolicyNames)[number];

/** Qt's bearerTypeFamily(): cellular generations fold into 2G, 3G and 4G. */
export function bearerTypeFamily(bearer: BearerType): BearerType {
  switch (bearer) {
    case 'CDMA2000':
    case 'EVDO':
    case 'WCDMA':
    case 'HSPA':
    case '3G':
      return '3G';
    case 'WiMAX':
    case 'LTE':
    case '4G':
      return '4G';
    default:
      return bearer;
  }
}
