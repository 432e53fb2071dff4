import { NetworkReplyError } from './errors.js';
import { header } from './header-list.js';
import type { RedirectPolicy } from './network-request.js';
import { isReplayable } from './request-body.js';
import type { Hop, HopResponse } from './transfer-types.js';

/** Following redirects under Qt's redirect policies. */

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export function redirectTarget(response: HopResponse, base: URL): URL | undefined {
  if (!redirectStatuses.has(response.statusCode)) return undefined;
  const location = header(response.headers, 'location');
  if (!location) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

export function checkRedirect(from: URL, to: URL, policy: RedirectPolicy): void {
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new NetworkReplyError(
      'ProtocolUnknownError',
      `Redirect to an unsupported scheme: ${to.protocol}`,
    );
  }
  if (
    from.protocol === 'https:' &&
    to.protocol === 'http:' &&
    policy !== 'UserVerifiedRedirectPolicy'
  ) {
    throw new NetworkReplyError('InsecureRedirectError', 'Insecure redirect (https to http)');
  }
  if (policy === 'SameOriginRedirectPolicy' && from.origin !== to.origin) {
    throw new NetworkReplyError('InsecureRedirectError', 'Redirect to another origin refused');
  }
}

/** The next hop: 303 (and 301/302 after POST) become GET without a body, as browsers do. */
export function follow(hop: Hop, status: number, location: URL): void {
  const toGet =
    status === 303
      ? hop.verb !== 'HEAD'
      : (status === 301 || status === 302) && hop.verb === 'POST';
  if (toGet) {
    hop.verb = 'GET';
    hop.body = undefined;
    for (const name of [
      'content-length',
      'content-type',
      'content-encoding',
      'transfer-encoding',
    ]) {
      hop.headers.delete(name);
    }
  } else if (!isReplayable(hop.body)) {
    throw new NetworkReplyError(
      'ContentReSendError',
      'The redirect needs the request body again, and it was a stream that cannot be replayed.',
    );
  }
  if (hop.url.origin !== location.origin) {
    for (const name of ['authorization', 'cookie', 'proxy-authorization']) hop.headers.delete(name);
  }
  hop.extra.clear();
  hop.url = location;
}
