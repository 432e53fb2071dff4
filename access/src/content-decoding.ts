import { pipeline, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/** Content-Encoding undone for the application (Qt asked for gzip and deflate and decoded them). */

const decoders: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  br: createBrotliDecompress,
};

/** Decoders for a Content-Encoding list, in the order to apply them (last applied first). */
export function decodersFor(encoding: string | undefined): Transform[] {
  if (!encoding) return [];
  const codings = encoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  const out: Transform[] = [];
  for (const coding of codings.reverse()) {
    if (coding === 'deflate') out.push(inflateAny());
    else {
      const make = decoders[coding];
      // An encoding we cannot undo: hand the bytes over as they are, as Qt did.
      if (!make) return [];
      out.push(make());
    }
  }
  return out;
}

/**
 * "deflate" is zlib-wrapped by the RFC and raw by many servers: look at the first byte. The
 * deflate stream may end before the body does (its final block came early): zlib then ends on
 * its own, and the bytes after it are ignored, as zlib ignores them.
 */
function inflateAny(): Transform {
  let inner: Transform | undefined;
  let ended = false;
  const outer: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!inner) {
        // CMF byte of a zlib stream: compression method 8 in its low nibble.
        inner = (chunk[0]! & 0x0f) === 8 ? createInflate() : createInflateRaw();
        inner.on('data', (data: Buffer) => outer.push(data));
        inner.on('error', (error) => outer.destroy(error));
        inner.once('end', () => {
          ended = true;
        });
      }
      if (ended) callback();
      else inner.write(chunk, () => callback());
    },
    flush(callback) {
      if (!inner || ended) return callback();
      inner.once('end', () => callback());
      inner.end();
    },
  });
  return outer;
}

/** The decoded body; a decoder's error (bad gzip) ends the iteration with that error. */
export function decoded(
  source: AsyncIterable<Buffer>,
  decoding: Transform[],
): AsyncIterable<Buffer> {
  const streams = [Readable.from(source), ...decoding] as const;
  // pipeline destroys every stream with the first error, so iterating the last one throws it.
  return (pipeline as (...args: unknown[]) => Transform)(...streams, () => {});
}
