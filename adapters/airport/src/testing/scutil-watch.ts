/**
 * WRITTEN BY US, NOT CAPTURED: what `scutil` prints on stdout in notification mode
 * (`n.add …` lines, then `n.watch`), reconstructed from configd's source
 * (apple-oss-distributions/configd, configd-1405.100.8, `scutil.tproj/notifications.c`:
 * `storeCallback` prints `notification callback (store address = %p).`, then per key
 * `  %s changedKey [%d] = %@` where %s is `elapsed()`: `%2d:%02d:%02d.%03d`, followed by
 * ` (+%ld.%03d)` once a previous print exists; or `  no changed key's.`). Successful `n.add` and
 * `n.watch` print nothing. Replace with a capture from a real Mac when one exists.
 */
export const scutilWatchTranscript = [
  'notification callback (store address = 0x600002d2c000).',
  '   9:41:07.120 changedKey [0] = State:/Network/Interface/en0/Link',
  '   9:41:07.121 (+0.001) changedKey [1] = State:/Network/Interface/en0/AirPort',
  'notification callback (store address = 0x600002d2c000).',
  '   9:41:07.388 (+0.267) changedKey [0] = State:/Network/Global/IPv4',
  '   9:41:07.388 (+0.000) changedKey [1] = State:/Network/Interface/en0/IPv4',
  'notification callback (store address = 0x600002d2c000).',
  "  no changed key's.",
  'notification callback (store address = 0x600002d2c000).',
  '  13:02:55.004 (+12347.616) changedKey [0] = State:/Network/Global/IPv6',
  '',
].join('\n');

/** The notifications the transcript holds, by hand. */
export const scutilWatchExpected = [
  { keys: ['State:/Network/Interface/en0/Link', 'State:/Network/Interface/en0/AirPort'] },
  { keys: ['State:/Network/Global/IPv4', 'State:/Network/Interface/en0/IPv4'] },
  { keys: [] },
  { keys: ['State:/Network/Global/IPv6'] },
];

/** One notification as the engine's scutil child would print it (for engine tests). */
export function notificationLines(keys: readonly string[]): string[] {
  return [
    'notification callback (store address = 0x600002d2c000).',
    ...keys.map(
      (key, i) => `  12:00:01.${String(250 + i).padStart(3, '0')} changedKey [${i}] = ${key}`,
    ),
  ];
}
