import type { NmSnapshot } from './snapshot.js';

/** What the engine's parts (activation, statistics, scans) need: its picture and a D-Bus call. */
export interface NmAccess {
  /** The picture the sink was last told about: waits settle after the matching events. */
  published(): NmSnapshot;
  call(
    path: string,
    iface: string,
    member: string,
    signature?: string,
    body?: readonly unknown[],
  ): Promise<{ readonly body: readonly unknown[] }>;
}
