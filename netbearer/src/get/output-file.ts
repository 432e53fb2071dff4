import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The body's file: written under a temporary name beside the target (same directory, so the
 * rename is atomic) and renamed to the target only once the transfer succeeded. A failed or
 * interrupted transfer leaves no file under the target's name.
 */
export class OutputFile {
  readonly target: string;
  readonly #temporary: string;
  #handle: FileHandle | undefined;

  private constructor(target: string, temporary: string, handle: FileHandle) {
    this.target = target;
    this.#temporary = temporary;
    this.#handle = handle;
  }

  static async create(target: string): Promise<OutputFile> {
    const temporary = join(
      dirname(target),
      `.${basename(target)}.${randomBytes(6).toString('hex')}.part`,
    );
    // wx: never clobber a file someone else made under that name.
    const handle = await open(temporary, 'wx', 0o644);
    return new OutputFile(target, temporary, handle);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#handle) throw new Error('The output file is closed.');
    await this.#handle.write(chunk);
  }

  /** The whole body is there: flush it and give it the target's name. */
  async commit(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.#temporary, this.target);
  }

  /** The transfer failed: the partial body goes away. */
  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
    await rm(this.#temporary, { force: true });
  }
}
