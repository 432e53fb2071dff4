/**
 * Turns whatever an event, context or snapshot holds into plain JSON values the page can show,
 * without ever throwing: `JSON.stringify` throws on cycles and BigInt, turns Errors, Maps and
 * Sets into `{}`, and drops functions and `undefined`. Non-JSON values become small tagged
 * objects (`{ "@type": "Map", entries }`), so the page can tell them apart; sizes are bounded
 * so one huge value cannot flood the socket.
 */

export interface SerialiseLimits {
  /** Longest string kept whole; longer ones are cut and say how much was cut. */
  readonly maxString: number;
  /** Most array items, object keys or map/set entries kept per container. */
  readonly maxEntries: number;
  /** Deepest nesting kept. */
  readonly maxDepth: number;
}

export const defaultLimits: SerialiseLimits = { maxString: 2_000, maxEntries: 200, maxDepth: 12 };

export type Serialised =
  | null
  | boolean
  | number
  | string
  | readonly Serialised[]
  | { readonly [key: string]: Serialised };

/** A JSON-safe copy of `value`; never throws. */
export function serialise(value: unknown, limits: SerialiseLimits = defaultLimits): Serialised {
  try {
    return copy(value, limits, [], 0);
  } catch {
    // A getter that throws, a revoked proxy: show that something was there.
    return { '@type': 'Unserialisable' };
  }
}

/** `JSON.stringify` of `serialise(value)`. */
export function toJson(value: unknown, limits: SerialiseLimits = defaultLimits): string {
  return JSON.stringify(serialise(value, limits));
}

function copy(
  value: unknown,
  limits: SerialiseLimits,
  ancestors: object[],
  depth: number,
): Serialised {
  switch (typeof value) {
    case 'string':
      return cut(value, limits.maxString);
    case 'number':
      return Number.isFinite(value) ? value : { '@type': 'Number', value: String(value) };
    case 'boolean':
      return value;
    case 'bigint':
      return { '@type': 'BigInt', value: value.toString() };
    case 'undefined':
      return { '@type': 'undefined' };
    case 'symbol':
      return { '@type': 'Symbol', description: cut(value.description ?? '', limits.maxString) };
    case 'function':
      return { '@type': 'Function', name: cut(value.name, limits.maxString) };
  }
  if (value === null) return null;
  const object = value as object;
  // Only a true cycle is marked: one object shared by two branches is shown twice.
  if (ancestors.includes(object)) return { '@type': 'Circular' };
  if (depth >= limits.maxDepth) return { '@type': 'Truncated', reason: 'depth' };
  ancestors.push(object);
  try {
    return container(object, limits, ancestors, depth + 1);
  } finally {
    ancestors.pop();
  }
}

function container(
  object: object,
  limits: SerialiseLimits,
  ancestors: object[],
  depth: number,
): Serialised {
  const inner = (v: unknown) => copy(v, limits, ancestors, depth);
  if (object instanceof Error) {
    const error: Record<string, Serialised> = {
      '@type': 'Error',
      name: cut(object.name, limits.maxString),
      message: cut(object.message, limits.maxString),
    };
    const code = (object as { code?: unknown }).code;
    if (code !== undefined) error.code = inner(code);
    if (object.cause !== undefined) error.cause = inner(object.cause);
    return error;
  }
  if (Array.isArray(object)) return bounded(object, limits.maxEntries, inner);
  if (object instanceof Map) {
    const entries = bounded([...object.entries()], limits.maxEntries, ([k, v]) => [
      inner(k),
      inner(v),
    ]);
    return { '@type': 'Map', size: object.size, entries };
  }
  if (object instanceof Set) {
    return {
      '@type': 'Set',
      size: object.size,
      values: bounded([...object], limits.maxEntries, inner),
    };
  }
  if (object instanceof Date) {
    return {
      '@type': 'Date',
      value: Number.isNaN(object.getTime()) ? 'Invalid' : object.toISOString(),
    };
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return { '@type': object.constructor.name, byteLength: object.byteLength };
  }
  const out: Record<string, Serialised> = {};
  let kept = 0;
  for (const key of Object.keys(object)) {
    if (kept === limits.maxEntries) {
      out['@truncated'] = Object.keys(object).length - kept;
      break;
    }
    out[cut(key, limits.maxString)] = property(object, key, inner);
    kept++;
  }
  return out;
}

function property(object: object, key: string, inner: (v: unknown) => Serialised): Serialised {
  try {
    return inner((object as Record<string, unknown>)[key]);
  } catch {
    // A getter that throws: show that something was there, keep the rest.
    return { '@type': 'Unserialisable' };
  }
}

function bounded<T>(items: readonly T[], max: number, map: (item: T) => Serialised): Serialised[] {
  const out = items.slice(0, max).map(map);
  if (items.length > max) out.push({ '@type': 'Truncated', more: items.length - max });
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}
