import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from './bundle-reader.js';
import { BundleError } from './errors.js';
import { createRedactor } from './redaction.js';

const hex = fc.constantFrom(...'0123456789abcdefABCDEF');
const octet = fc.tuple(hex, hex).map(([a, b]) => a + b);
const mac = fc
  .tuple(fc.array(octet, { minLength: 6, maxLength: 6 }), fc.constantFrom(':', '-'))
  .map(([octets, sep]) => octets.join(sep))
  .filter((m) => !/^(00[:-]){5}00$/i.test(m) && !/^(ff[:-]){5}ff$/i.test(m));
const canonical = (m: string) => m.toLowerCase().replace(/-/g, ':');
/** Text around the MACs: any bytes but hex digits and separators next to them. */
const filler = fc.uint8Array({ maxLength: 40 }).map((bytes) => {
  const text = Buffer.from(bytes)
    .toString('latin1')
    .replace(/[0-9a-fA-F:-]/g, ' ');
  return ` ${text} `;
});

describe('redaction properties', () => {
  it('no MAC survives, the same MAC gets the same pseudonym, different ones differ', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(filler, mac), { minLength: 1, maxLength: 12 }),
        filler,
        (parts, end) => {
          const redactor = createRedactor('macs', Buffer.alloc(32, 1));
          const input = Buffer.from(parts.map(([f, m]) => f + m).join('') + end, 'latin1');
          const output = redactor.bytes(input).toString('latin1');
          const found = [...output.matchAll(/[0-9a-f]{2}([:-][0-9a-f]{2}){5}/gi)].map((m) => m[0]);
          expect(found).toHaveLength(parts.length);
          const originals = new Set(parts.map(([, m]) => canonical(m)));
          const pseudonymOf = new Map<string, string>();
          found.forEach((pseudonym, i) => {
            const original = canonical(parts[i]![1]);
            expect(originals.has(canonical(pseudonym))).toBe(false);
            expect(Number.parseInt(pseudonym.slice(0, 2), 16) & 3).toBe(2);
            const seen = pseudonymOf.get(original);
            if (seen !== undefined) expect(canonical(pseudonym)).toBe(seen);
            pseudonymOf.set(original, canonical(pseudonym));
          });
          expect(new Set(pseudonymOf.values()).size).toBe(pseudonymOf.size);
          // Everything but the MACs is the same bytes.
          const strip = (text: string) => text.replace(/[0-9a-f]{2}([:-][0-9a-f]{2}){5}/gi, 'MAC');
          expect(strip(output)).toBe(strip(input.toString('latin1')));
        },
      ),
    );
  });
});

describe('reader properties', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netbearer-prop-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const manifestish = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .record({
        format: fc.constantFrom(1, 2, '1', null),
        tool: fc.oneof(fc.string(), fc.integer()),
        node: fc.string(),
        platform: fc.string(),
        osRelease: fc.string(),
        engine: fc.string(),
        redaction: fc.constantFrom('macs', 'all', 'none', 'x'),
        startedAt: fc.string(),
        commands: fc.array(
          fc.record({
            id: fc.string({ maxLength: 70 }),
            file: fc.string(),
            args: fc.array(fc.string()),
          }),
          { maxLength: 3 },
        ),
      })
      .map((v) => Buffer.from(JSON.stringify(v))),
  );

  it('any manifest gives a bundle or a BundleError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(manifestish, async (bytes) => {
        await writeFile(join(dir, 'manifest.json'), bytes);
        const outcome = await readBundle(dir).then(
          () => 'bundle',
          (error: unknown) => error,
        );
        if (outcome !== 'bundle') expect(outcome).toBeInstanceOf(BundleError);
      }),
      { numRuns: 200 },
    );
  });
});
