import { RepresentationChangedError, TemporaryNetworkFailureError } from './errors.js';
import { header } from './header-list.js';
import { isReplayable } from './request-body.js';
import type { Hop, HopResponse, HttpJob } from './transfer-types.js';

/**
 * Moving a transfer to a new link (nam.md §4): downloads resume with Range + If-Range on a
 * strong validator; nothing that is not idempotent is sent twice.
 */

/** Thrown out of a body when the transfer must start over with `response` (nothing was read). */
export class Restart extends Error {
  constructor(readonly response: HopResponse) {
    super('restart');
  }
}

/**
 * The rest of a body after the link moved: `Range: bytes=<received>-` with `If-Range` on the
 * strong validator, accepted only as a 206 that starts exactly there.
 */
export async function resumed(
  hop: Hop,
  job: HttpJob,
  send: (hop: Hop) => Promise<HopResponse>,
  received: number,
  validator: string | undefined,
): Promise<HopResponse> {
  const { control } = job;
  if (!canResend(hop)) throw notSentTwice(hop);
  if (!validator) {
    if (control.consumed()) {
      throw new TemporaryNetworkFailureError(
        'The network session moved to another link, and the download cannot be resumed (no strong validator).',
      );
    }
    throw new Restart(await send(hop));
  }
  const extra = new Map([...hop.extra].filter(([name]) => !name.startsWith('if-')));
  extra.set('range', ['Range', `bytes=${received}-`]);
  extra.set('if-range', ['If-Range', validator]);
  const response = await send({ ...hop, extra });
  const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header(response.headers, 'content-range') ?? '');
  const etag = header(response.headers, 'etag');
  const sameEtag = validator.startsWith('"') ? etag === validator : true;
  if (response.statusCode === 206 && range && Number(range[1]) === received && sameEtag) {
    return response;
  }
  if (response.statusCode === 200 && !control.consumed()) throw new Restart(response);
  await response.release();
  if (response.statusCode === 200) {
    throw new RepresentationChangedError(
      `${hop.url.href} changed while the session moved to another link; the part already read cannot be completed.`,
    );
  }
  throw new TemporaryNetworkFailureError(
    `Resuming ${hop.url.href} on the new link failed: the server answered ${response.statusCode}.`,
  );
}

/** A strong validator that makes the body resumable with If-Range (RFC 9110 §13.1.5). */
export function resumeValidator(response: HopResponse, hop: Hop, job: HttpJob): string | undefined {
  if (hop.verb !== 'GET' || response.statusCode !== 200 || job.request.hasRawHeader('range')) {
    return undefined;
  }
  if (!/\bbytes\b/i.test(header(response.headers, 'accept-ranges') ?? '')) return undefined;
  const etag = header(response.headers, 'etag');
  if (etag?.startsWith('"')) return etag;
  const lastModified = header(response.headers, 'last-modified');
  const modified = lastModified ? Date.parse(lastModified) : Number.NaN;
  const date = Date.parse(header(response.headers, 'date') ?? '');
  // A Last-Modified at least a second before the response's Date is strong (§8.8.2.2).
  return date - modified >= 1000 ? lastModified : undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Safe methods (RFC 9110 §9.2.1) change nothing at the server: sending one again is harmless. */
export function isSafeMethod(verb: string): boolean {
  return safeMethods.has(verb);
}

/** A request may go again after the link moved: safe, or the application made it idempotent. */
export function canResend(hop: Hop): boolean {
  if (isSafeMethod(hop.verb)) return true;
  return hop.headers.has('idempotency-key') && isReplayable(hop.body);
}

export function notSentTwice(hop: Hop): TemporaryNetworkFailureError {
  return new TemporaryNetworkFailureError(
    `The network session moved to another link while a ${hop.verb} was in flight; it is not sent twice (an Idempotency-Key header and a replayable body allow it).`,
  );
}
