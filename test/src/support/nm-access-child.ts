/**
 * The client side of the access manager's roaming suite (networkmanager/access-roaming.test.ts):
 * a NetworkManager engine, a core manager and a NetworkAccessManager in a process run inside
 * the sandbox's client namespace (`ip netns exec <prefix>-client node <staged>/nm-access-child.js`),
 * where NetworkManager's links are. Driven over JSON lines, as nm-holder-child.ts:
 * stdin `{ id, op, ...args }`; stdout `{ id, ok, value | error }`, and `{ ready, pid }` first.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { NetworkAccessManager, type NetworkReply, NetworkRequest } from '@netbearer/access';
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager } from '@netbearer/core';
import { type Commands, serveJsonLines } from './json-line-server.js';

/** How a reply ended, as the test reads it. */
export interface ReplyOutcome {
  /** The failure's class name (NetworkSessionFailedError, …) or null. */
  readonly failure: string | null;
  /** Qt's NetworkError name. */
  readonly error: string;
  readonly message: string;
  readonly status: number | null;
  /** Body bytes received, and their sha256 (downloads). */
  readonly bytes: number;
  readonly sha256: string;
  /** Date.now() when the reply finished. */
  readonly finishedAt: number;
  /** How often the reply's meta data arrived (more than once: it restarted). */
  readonly metaData: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let manager: NetworkConfigurationManager | undefined;
let access: NetworkAccessManager | undefined;
const outcomes = new Map<string, Promise<ReplyOutcome>>();
let uploading = true;

function live(): { manager: NetworkConfigurationManager; access: NetworkAccessManager } {
  if (!manager || !access) throw new Error('start first');
  return { manager, access };
}

/** Resolves once `reply` has moved `bytes` (down or up), or with -1 once it finished. */
function progressed(reply: NetworkReply, bytes: number, event: 'download' | 'upload') {
  return new Promise<number>((resolve) => {
    const seen = (done: number) => {
      if (done >= bytes) resolve(done);
    };
    if (event === 'download') reply.on('downloadProgress', seen);
    else reply.on('uploadProgress', seen);
    reply.once('finished', () => resolve(-1));
  });
}

function outcome(reply: NetworkReply, bytes: () => number, sha256: () => string) {
  let metaData = 0;
  reply.on('metaDataChanged', () => {
    metaData += 1;
  });
  return (body: Promise<unknown>): Promise<ReplyOutcome> =>
    body
      .catch(() => {})
      .then(async () => {
        if (!reply.isFinished()) await new Promise((r) => reply.once('finished', () => r(null)));
        const failure = reply.failure();
        return {
          failure: failure ? failure.name : null,
          error: reply.error(),
          message: reply.errorString(),
          status: (reply.attribute('HttpStatusCodeAttribute') as number | undefined) ?? null,
          bytes: bytes(),
          sha256: sha256(),
          finishedAt: Date.now(),
          metaData,
        };
      });
}

/** A request body that trickles until the test says stop: in flight at any moment it wants. */
async function* trickle(): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(4096).fill(0x61);
  for (let i = 0; uploading && i < 600; i += 1) {
    yield chunk;
    await sleep(50);
  }
}

const commands: Commands = {
  start: async ({ busAddress, configuration, transferTimeout }) => {
    manager = await NetworkConfigurationManager.create({
      engines: [createNetworkManagerEngine({ busAddress: String(busAddress) })],
    });
    access = new NetworkAccessManager({
      manager,
      configuration: manager.configurationFromIdentifier(String(configuration)),
      ...(typeof transferTimeout === 'number' ? { transferTimeout } : {}),
    });
    return null;
  },
  /** Every configuration's state, and what the access manager's session runs over. */
  states: ({ identifiers }) => {
    const { manager: m, access: a } = live();
    const states = Object.fromEntries(
      (identifiers as string[]).map((id) => [id, m.configurationFromIdentifier(id).state()]),
    );
    return { states, active: a.activeConfiguration().identifier() };
  },
  /** Starts a download into `file`; answers once `startedAfter` bytes arrived. */
  get: async ({ name, url, file, startedAfter }) => {
    const reply = live().access.get(String(url));
    const hash = createHash('sha256');
    let bytes = 0;
    const body = pipeline(
      reply.stream(),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.byteLength;
          yield chunk;
        }
      },
      createWriteStream(String(file)),
    );
    let digest = '';
    const sha256 = () => (digest ||= hash.digest('hex'));
    outcomes.set(String(name), outcome(reply, () => bytes, sha256)(body));
    return { received: await progressed(reply, Number(startedAfter), 'download') };
  },
  /** Starts a POST whose streamed body is still going; answers once `startedAfter` bytes left. */
  post: async ({ name, url, startedAfter }) => {
    uploading = true;
    const request = new NetworkRequest(String(url));
    request.setRawHeader('Content-Type', 'application/octet-stream');
    const reply = live().access.post(request, trickle());
    const read = reply.readAll();
    outcomes.set(
      String(name),
      outcome(
        reply,
        () => 0,
        () => '',
      )(read),
    );
    return { sent: await progressed(reply, Number(startedAfter), 'upload') };
  },
  stopUploading: () => {
    uploading = false;
    return null;
  },
  outcome: ({ name }) => {
    const pending = outcomes.get(String(name));
    if (!pending) throw new Error(`no reply ${String(name)}`);
    return pending;
  },
  dispose: async () => {
    uploading = false;
    await access?.dispose();
    await manager?.dispose();
    return null;
  },
};

serveJsonLines(commands);
