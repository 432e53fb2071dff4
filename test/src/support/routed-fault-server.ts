import { Agent, buildConnector } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { type FaultServer, startFaultServer } from './http-servers/index.js';

/**
 * The fault server for one test file (started before its tests, stopped after them) and an
 * agent that takes every host name to it on 127.0.0.1, what a real network would route: the
 * tests ask made-up names, which need a bearer session, and still get real bytes.
 */
export function routedFaultServer(): { readonly faults: FaultServer; readonly agent: Agent } {
  let faults: FaultServer | undefined;
  let agent: Agent | undefined;
  beforeAll(async () => {
    faults = await startFaultServer();
    const port = new URL(faults.origin).port;
    const connect = buildConnector({});
    agent = new Agent({
      connect: (options, callback) =>
        connect({ ...options, hostname: '127.0.0.1', port }, callback),
    });
  });
  afterAll(async () => {
    await agent?.destroy();
    await faults?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the routed fault server starts in beforeAll');
    return value;
  };
  return {
    get faults() {
      return started(faults);
    },
    get agent() {
      return started(agent);
    },
  };
}
