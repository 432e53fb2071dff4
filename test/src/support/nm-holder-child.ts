/**
 * Another netbearer process, for the cross-process suite (networkmanager/cross-process.test.ts):
 * a NetworkManager engine, or a core manager over one, in a process of its own, driven over
 * JSON lines. Run from a copy staged by stage-child.ts (`node <staged>/nm-holder-child.js`).
 * stdin: `{ id, op, ...args }`; stdout: `{ id, ok, value | error }`, and `{ ready, pid }` first.
 */
import {
  createNetworkManagerEngine,
  type NetworkManagerEngine,
} from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { type Commands, serveJsonLines } from './json-line-server.js';
import { quietSink } from './quiet-sink.js';

interface Setup {
  readonly busAddress: string;
  readonly holdsDirectory: string;
}

const signal = () => new AbortController().signal;

let engine: NetworkManagerEngine | undefined;
let manager: NetworkConfigurationManager | undefined;
const sessions = new Map<string, NetworkSession>();

function live(): NetworkManagerEngine {
  if (!engine) throw new Error('start first');
  return engine;
}

/** `cycles` times: connect, then release; what each call said, and every failure's message. */
async function race(identifier: string, cycles: number) {
  const outcomes: Record<string, number> = {};
  const failures: string[] = [];
  const count = (what: string) => {
    outcomes[what] = (outcomes[what] ?? 0) + 1;
  };
  for (let i = 0; i < cycles; i += 1) {
    try {
      count(await live().connect(identifier, { signal: signal() }));
      count(await live().disconnect(identifier, { signal: signal(), mode: 'release' }));
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { outcomes, failures };
}

const commands: Commands = {
  start: async (args) => {
    const { busAddress, holdsDirectory } = args as unknown as Setup;
    engine = createNetworkManagerEngine({ busAddress, holdsDirectory });
    await engine.start(quietSink);
    return { capabilities: engine.capabilities(), holdsDirectory: engine.holdsDirectory };
  },
  connect: ({ identifier }) => live().connect(String(identifier), { signal: signal() }),
  release: ({ identifier }) =>
    live().disconnect(String(identifier), { signal: signal(), mode: 'release' }),
  stop: ({ identifier }) =>
    live().disconnect(String(identifier), { signal: signal(), mode: 'stop' }),
  claim: ({ identifier }) => live().claim(String(identifier)),
  race: ({ identifier, cycles }) => race(String(identifier), Number(cycles)),
  dispose: async () => {
    await engine?.dispose();
    await manager?.dispose();
  },

  // The same through core's public API.
  manager: async (args) => {
    const { busAddress, holdsDirectory } = args as unknown as Setup;
    engine = createNetworkManagerEngine({ busAddress, holdsDirectory });
    manager = await NetworkConfigurationManager.create({ engines: [engine] });
    return { capabilities: manager.capabilities() };
  },
  open: async ({ identifier, name }) => {
    if (!manager) throw new Error('manager first');
    const session = new NetworkSession(manager.configurationFromIdentifier(String(identifier)));
    sessions.set(String(name), session);
    session.on('error', () => {});
    session.open();
    const opened = await session.waitForOpened(15_000);
    return { opened, state: session.state(), error: session.error() };
  },
  close: async ({ name }) => {
    const session = sessions.get(String(name));
    if (!session) throw new Error(`no session ${String(name)}`);
    session.close();
    // Whatever the link does next, the session is closed at once (it let go of the link).
    return { state: session.state(), isOpen: session.isOpen() };
  },
};

serveJsonLines(commands);
