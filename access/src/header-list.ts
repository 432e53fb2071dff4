import type { Dispatcher } from 'undici';

/** Response headers as [lower-case name, value] pairs, in order: the reply's raw headers. */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;

export function headerPairs(headers: Dispatcher.ResponseData['headers']): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name.toLowerCase(), v]);
  }
  return pairs;
}

export function header(
  pairs: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined {
  return pairs.find(([n]) => n === name)?.[1];
}

export function headerValues(
  pairs: ReadonlyArray<readonly [string, string]>,
  name: string,
): string[] {
  return pairs.filter(([n]) => n === name).map(([, v]) => v);
}

export function contentLength(pairs: ReadonlyArray<readonly [string, string]>): number {
  const value = header(pairs, 'content-length');
  if (value === undefined || !/^\d+$/.test(value.trim())) return -1;
  return Number(value.trim());
}

/** Repeated headers as arrays, as the cache takes them. */
export function groupHeaders(
  pairs: ReadonlyArray<readonly [string, string]>,
): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [name, value] of pairs) {
    const had = out.get(name);
    out.set(name, had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]);
  }
  return out;
}
