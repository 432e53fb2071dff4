import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decoded, decodersFor } from './content-decoding.js';

/** The decoded body, or the error that ended it; a decoding that never ends fails here. */
async function decode(encoding: string, ...chunks: Buffer[]): Promise<Buffer | Error> {
  async function* source() {
    yield* chunks;
  }
  const out: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of decoded(source(), decodersFor(encoding))) out.push(chunk);
    return Buffer.concat(out);
  })().catch((error: Error) => error);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error('the decoding never ended')), 2_000);
  });
  try {
    return await Promise.race([reading, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('content decoding', () => {
  const text = Buffer.from('hello, hello, hello, world');

  it('undoes gzip, zlib deflate, raw deflate and stacked codings', async () => {
    expect(await decode('gzip', gzipSync(text))).toEqual(text);
    expect(await decode('deflate', deflateSync(text))).toEqual(text);
    expect(await decode('deflate', deflateRawSync(text))).toEqual(text);
    expect(await decode('deflate, gzip', gzipSync(deflateSync(text)))).toEqual(text);
  });

  it('a deflate stream that ends before its bytes do ends the body (found hanging)', async () => {
    // A final raw-deflate block in the first byte: zlib ends there, before the last byte.
    expect(await decode('deflate', Buffer.from([3, 116, 30, 10, 180, 253, 209, 5]))).toEqual(
      Buffer.alloc(0),
    );
    expect(await decode('deflate', deflateRawSync(text), Buffer.from('trailing'))).toEqual(text);
    expect(await decode('deflate', deflateSync(text), Buffer.from('trailing'))).toEqual(text);
  });

  it('a broken coding ends the body with an error', async () => {
    expect(await decode('gzip', Buffer.from('not gzip'))).toBeInstanceOf(Error);
    expect(await decode('br', Buffer.from([3, 116, 30, 10, 180, 253, 209, 5]))).toBeInstanceOf(
      Error,
    );
  });
});
