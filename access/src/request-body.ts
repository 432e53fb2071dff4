/** What a request can send: bytes, text, or a stream of bytes (sent once, never replayed). */
export type RequestBody = string | Uint8Array | AsyncIterable<Uint8Array>;

/** Bytes and text can be sent again (a 307/308 redirect, an authentication round); streams cannot. */
export function isReplayable(body: RequestBody | undefined): boolean {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

const slice = 64 * 1024;

export interface PreparedBody {
  readonly body: string | Uint8Array | AsyncIterable<Uint8Array> | undefined;
  /** The byte count when known (sent as Content-Length), else -1. */
  readonly length: number;
}

/**
 * The body as undici gets it, counting bytes as undici pulls them so uploadProgress can be
 * told (undici's new handlers hear nothing of the upload, nam.md §2). Small bodies go as they
 * are: one progress report when the response starts is all Qt gave them too.
 */
export function prepareBody(
  body: RequestBody | undefined,
  progress: (sent: number, total: number) => void,
): PreparedBody {
  if (body === undefined) return { body: undefined, length: -1 };
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.byteLength <= slice) return { body: bytes, length: bytes.byteLength };
    return { body: sliced(bytes, progress), length: bytes.byteLength };
  }
  return { body: counted(body, progress), length: -1 };
}

async function* sliced(
  bytes: Uint8Array,
  progress: (sent: number, total: number) => void,
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += slice) {
    const end = Math.min(at + slice, bytes.byteLength);
    yield bytes.subarray(at, end);
    progress(end, bytes.byteLength);
  }
}

async function* counted(
  source: AsyncIterable<Uint8Array>,
  progress: (sent: number, total: number) => void,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    yield bytes;
    sent += bytes.byteLength;
    progress(sent, -1);
  }
}
