import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetch } from 'undici';
import { InvalidRequestError, NetworkReplyError } from './errors.js';
import { errorCodeOf } from './network-error.js';
import type { ReplyControl } from './network-reply.js';

/**
 * `file:` and `data:` URLs: served without the network, so without a session, a connection
 * slot, or the accessibility block (Qt: "file:// scheme will still be processed").
 */
export async function runLocal(url: URL, verb: string, control: ReplyControl): Promise<void> {
  if (verb !== 'GET' && verb !== 'HEAD') {
    throw new InvalidRequestError(
      'ProtocolInvalidOperationError',
      `${verb} is not supported for ${url.protocol} URLs.`,
    );
  }
  if (url.protocol === 'data:') return runData(url, verb, control);
  return runFile(url, verb, control);
}

async function runData(url: URL, verb: string, control: ReplyControl): Promise<void> {
  // undici's fetch implements the WHATWG data: URL processor; nothing goes on the network.
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(url, { signal: control.signal });
  } catch (error) {
    throw new InvalidRequestError('ProtocolFailure', `Invalid data: URL.`, { cause: error });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? 'text/plain;charset=US-ASCII';
  control.setMetaData(200, 'OK', [
    ['content-type', type],
    ['content-length', String(body.byteLength)],
  ]);
  if (verb === 'GET') control.deliver(body);
  control.downloadProgress(body.byteLength, body.byteLength);
}

async function runFile(url: URL, verb: string, control: ReplyControl): Promise<void> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    throw new InvalidRequestError('ProtocolInvalidOperationError', `Invalid file: URL.`, {
      cause: error,
    });
  }
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new NetworkReplyError(
        'ContentOperationNotPermittedError',
        `Cannot open ${url.href}: Path is a directory`,
      );
    }
    control.setMetaData(200, 'OK', [['content-length', String(info.size)]]);
    if (verb === 'HEAD') return;
    let received = 0;
    for await (const chunk of createReadStream(path, { signal: control.signal })) {
      received += (chunk as Buffer).byteLength;
      const room = control.deliver(chunk as Buffer);
      control.downloadProgress(received, info.size);
      if (!room) await control.drained();
    }
    if (received === 0) control.downloadProgress(0, 0);
  } catch (error) {
    if (error instanceof NetworkReplyError) throw error;
    throw fileError(url, error);
  }
}

function fileError(url: URL, error: unknown): NetworkReplyError {
  const code = errorCodeOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NetworkReplyError('ContentNotFoundError', `Error opening ${url.href}: ${reason}`, {
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new NetworkReplyError('ContentAccessDenied', `Error opening ${url.href}: ${reason}`, {
        cause: error,
      });
    case 'EISDIR':
      return new NetworkReplyError(
        'ContentOperationNotPermittedError',
        `Cannot open ${url.href}: Path is a directory`,
        { cause: error },
      );
    default:
      return new NetworkReplyError('UnknownContentError', `Error reading ${url.href}: ${reason}`, {
        cause: error,
      });
  }
}
