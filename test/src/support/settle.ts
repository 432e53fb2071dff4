import type { NetworkReply } from '@netbearer/access';

/** Resolves with the reply once it has finished, at once if it already has (it never rejects). */
export function settle(reply: NetworkReply): Promise<NetworkReply> {
  return new Promise((resolve) => {
    if (reply.isFinished()) resolve(reply);
    else reply.once('finished', () => resolve(reply));
  });
}
