import { NetBearerError } from '@netbearer/core';

/** Why a bundle could not be read: it is a user's report, so anything can be wrong with it. */
export type BundleErrorKind =
  /** No manifest.json, or not a directory. */
  | 'NotABundle'
  /** A manifest whose `format` this version does not read. */
  | 'UnsupportedFormat'
  /** An id or path that would leave the bundle (`..`, `/`, a drive, odd characters). */
  | 'UnsafePath'
  /** A symbolic link (or anything but a plain file or directory) where a file was expected. */
  | 'NotAFile'
  /** A file, or the bundle as a whole, past its size limit. */
  | 'TooLarge'
  /** A file that is not the JSON (or NDJSON) it should be, or lacks a field. */
  | 'Malformed'
  /** A file the manifest names is not there. */
  | 'Missing'
  /** Writing: the directory or a file could not be written. */
  | 'Unwritable';

/** A capture bundle that cannot be read or written; `path` is inside the bundle. */
export class BundleError extends NetBearerError {
  override name = 'BundleError';

  constructor(
    readonly kind: BundleErrorKind,
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** A replayed engine ran a command the bundle has no recording of. */
export class ReplayMismatchError extends NetBearerError {
  override name = 'ReplayMismatchError';

  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly kind: 'exec' | 'stream',
  ) {
    super(
      `the bundle has no recorded ${kind === 'exec' ? 'command' : 'stream'} ${JSON.stringify([file, ...args])}`,
    );
  }
}
