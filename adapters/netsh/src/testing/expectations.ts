/**
 * The hand-checked expectations for the `netsh wlan show networks mode=bssid` fixtures, read
 * off each capture by eye. They live in network-expectations.json, one file that both the parser
 * tests (../parsers.test.ts) and the parse-fidelity bench (test/src/bench/fidelity-score.test.ts,
 * which cannot import this package's test sources) hold their results to.
 */
import { readFileSync } from 'node:fs';

export interface NetworkExpectation {
  interfaceName: string;
  ssids: string[];
  bssidCounts: number[];
  first: { bssid: string; signal: number; channel: number; radioType: string; band?: string };
  auth: string[];
}

export const networkExpectationsFile = new URL('./network-expectations.json', import.meta.url);

export const networkExpectations: Record<string, NetworkExpectation> = JSON.parse(
  readFileSync(networkExpectationsFile, 'utf8'),
);
