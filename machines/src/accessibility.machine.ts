import { type SnapshotFrom, setup } from 'xstate';

/**
 * Whether an access manager may use the network (QNetworkAccessManager::networkAccessible),
 * as two independent regions:
 * - **observed**: what the configuration manager says (Unknown / Online / Offline). It is a
 *   hint shown to the application and never gates a request, so Qt's sticky "Network access
 *   is disabled" (QTBUG-46323) cannot happen: a wrong hint costs nothing.
 * - **override**: Tracking, or Blocked after the application's
 *   `setNetworkAccessible('NotAccessible')`. Only Blocked refuses requests (file:, data: and
 *   cache-only ones are still served); `setNetworkAccessible('Accessible')` tracks again at once.
 */

export const networkAccessibilities = [
  'UnknownAccessibility',
  'NotAccessible',
  'Accessible',
] as const;
/** Qt's NetworkAccessibility names. */
export type NetworkAccessibility = (typeof networkAccessibilities)[number];

/** What the configuration manager says, as the machine's observed region knows it. */
export type ObservedAccessibility = 'Unknown' | 'Online' | 'Offline';

export type AccessibilityEvent =
  /** The configuration manager's view changed (or was read for the first time). */
  | { type: 'OBSERVED'; observed: ObservedAccessibility }
  /** The application's setNetworkAccessible(value). */
  | { type: 'SET'; accessible: NetworkAccessibility };

const observedOf = (event: AccessibilityEvent) =>
  event.type === 'OBSERVED' ? event.observed : undefined;

export const accessibilityMachine = setup({
  types: {} as { events: AccessibilityEvent },
  guards: {
    online: ({ event }) => observedOf(event) === 'Online',
    offline: ({ event }) => observedOf(event) === 'Offline',
    unknown: ({ event }) => observedOf(event) === 'Unknown',
    blocks: ({ event }) => event.type === 'SET' && event.accessible === 'NotAccessible',
  },
}).createMachine({
  id: 'accessibility',
  type: 'parallel',
  states: {
    observed: {
      // Whoever runs the machine reports the first observation right after starting it.
      initial: 'Unknown',
      states: {
        Unknown: {
          on: {
            OBSERVED: [
              { guard: 'online', target: 'Online' },
              { guard: 'offline', target: 'Offline' },
            ],
          },
        },
        Online: {
          on: {
            OBSERVED: [
              { guard: 'offline', target: 'Offline' },
              { guard: 'unknown', target: 'Unknown' },
            ],
          },
        },
        Offline: {
          on: {
            OBSERVED: [
              { guard: 'online', target: 'Online' },
              { guard: 'unknown', target: 'Unknown' },
            ],
          },
        },
      },
    },
    override: {
      initial: 'Tracking',
      states: {
        Tracking: { on: { SET: { guard: 'blocks', target: 'Blocked' } } },
        Blocked: {
          on: {
            // Any other value resumes tracking, as Qt's setter did.
            SET: [{ guard: 'blocks' }, { target: 'Tracking' }],
          },
        },
      },
    },
  },
});

export type AccessibilitySnapshot = SnapshotFrom<typeof accessibilityMachine>;

/** The value networkAccessible() reports for a snapshot. */
export function networkAccessibilityOf(snapshot: AccessibilitySnapshot): NetworkAccessibility {
  if (snapshot.matches({ override: 'Blocked' })) return 'NotAccessible';
  if (snapshot.matches({ observed: 'Online' })) return 'Accessible';
  if (snapshot.matches({ observed: 'Offline' })) return 'NotAccessible';
  return 'UnknownAccessibility';
}

/** Whether requests that need the network are refused: only by the application's block. */
export function blocksRequests(snapshot: AccessibilitySnapshot): boolean {
  return snapshot.matches({ override: 'Blocked' });
}
