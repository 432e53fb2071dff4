/**
 * Deterministic pseudo-random bytes: an AES-256-CTR keystream keyed by a seed, so a 64 MiB test
 * file costs a fraction of a second and every run (and every attempt) gets the same bytes.
 */
import { createCipheriv, createHash } from 'node:crypto';

const zeros = Buffer.alloc(1024 * 1024);

export function seededBytes(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const chunks: Buffer[] = [];
  for (let left = length; left > 0; left -= zeros.length) {
    chunks.push(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
  }
  return Buffer.concat([...chunks, cipher.final()], length);
}

/** The same bytes written in 1 MiB chunks, for files too large to hold twice. */
export function* seededChunks(seed: string, length: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let left = length; left > 0; left -= zeros.length) {
    yield cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
  }
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
