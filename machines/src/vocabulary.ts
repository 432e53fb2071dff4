/**
 * Qt's bearer enumerations as string unions equal to Qt's constant names, so a machine's
 * state value *is* the session state and a log line reads like Qt's documentation.
 */

export const sessionStates = [
  'Invalid',
  'NotAvailable',
  'Connecting',
  'Connected',
  'Closing',
  'Disconnected',
  'Roaming',
] as const;
export type SessionState = (typeof sessionStates)[number];

export const sessionErrors = [
  'UnknownSessionError',
  'SessionAbortedError',
  'RoamingError',
  'OperationNotSupportedError',
  'InvalidConfigurationError',
] as const;
export type SessionError = (typeof sessionErrors)[number];

/** Cumulative as in Qt: Active ⊃ Discovered ⊃ Defined. */
export const configurationStates = ['Undefined', 'Defined', 'Discovered', 'Active'] as const;
export type ConfigurationState = (typeof configurationStates)[number];

/**
 * What a link (the interface behind one access point) is doing. Unavailable covers Qt's
 * Undefined and Defined (known but not in reach); Removed is a configuration that is gone.
 */
export const linkStatuses = [
  'Removed',
  'Unavailable',
  'Down',
  'Starting',
  'Up',
  'Stopping',
] as const;
export type LinkStatus = (typeof linkStatuses)[number];

/** A failure with the session error it becomes and a message for `errorString()`. */
export interface Failure {
  readonly error: SessionError;
  readonly message: string;
}

export function linkStatusOf(state: ConfigurationState): LinkStatus {
  switch (state) {
    case 'Active':
      return 'Up';
    case 'Discovered':
      return 'Down';
    default:
      return 'Unavailable';
  }
}
