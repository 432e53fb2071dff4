import { linkMachine } from '@netbearer/machines';
import { fromPromise } from 'xstate';
import type { Engine } from './engine.js';
import { EngineError } from './errors.js';
import type { LinkLogic } from './link.js';

/**
 * The link machine with its side effects done by the engine that owns each access point:
 * connect and disconnect, and the claim and release of a link that was up already.
 */
export function linkLogicOver(
  engineOf: (identifier: string) => Engine | null | undefined,
): LinkLogic {
  return linkMachine.provide({
    actions: {
      claim: ({ context }) => engineOf(context.identifier)?.claim?.(context.identifier),
      leave: ({ context }) => {
        const options = { signal: new AbortController().signal, mode: 'release' as const };
        // Nobody here waits for it: a refused release leaves the link up, as it was, and
        // a link the engine does take down is observed going down like any other.
        engineOf(context.identifier)
          ?.disconnect(context.identifier, options)
          .catch(() => {});
      },
    },
    actors: {
      connect: fromPromise(async ({ input, signal }) => {
        const engine = engineOf(input.identifier);
        if (!engine) throw new EngineError('ConnectError', 'No engine owns it.');
        return engine.connect(input.identifier, { signal, background: input.background });
      }),
      disconnect: fromPromise(async ({ input, signal }) => {
        const engine = engineOf(input.identifier);
        if (!engine) return 'down' as const;
        return engine.disconnect(input.identifier, { signal, mode: input.mode });
      }),
    },
  });
}
