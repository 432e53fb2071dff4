/**
 * Run as another user by permission tests, from a copy staged by stage-child.ts
 * (`runuser -u nobody -- node <staged>/nm-engine-child.js <bus address> <identifier to
 * connect> <identifier to disconnect>`): what this user's NetworkManager engine and a core
 * session get. Prints one JSON line; never throws past main.
 */
import { createNetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';
import { quietSink } from './quiet-sink.js';

interface Outcome {
  readonly ok: boolean;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly error?: string | undefined;
  readonly message?: string | undefined;
}

async function outcome(attempt: Promise<unknown>): Promise<Outcome> {
  try {
    await attempt;
    return { ok: true };
  } catch (e) {
    const error = e as { name?: string; kind?: string; error?: string; message?: string };
    return {
      ok: false,
      name: error.name,
      kind: error.kind,
      error: error.error,
      message: error.message,
    };
  }
}

async function sessionOutcome(busAddress: string, identifier: string): Promise<Outcome> {
  const manager = await NetworkConfigurationManager.create({
    engines: [createNetworkManagerEngine({ busAddress })],
  });
  try {
    const session = new NetworkSession(manager.configurationFromIdentifier(identifier));
    const failed = new Promise<void>((resolve) => session.once('error', () => resolve()));
    session.open();
    const opened = await Promise.race([session.waitForOpened(10_000), failed.then(() => false)]);
    return { ok: opened, error: session.error(), message: session.errorString() };
  } finally {
    await manager.dispose();
  }
}

async function main(): Promise<void> {
  const [busAddress = '', toConnect = '', toDisconnect = ''] = process.argv.slice(2);
  const engine = createNetworkManagerEngine({ busAddress });
  const started = await outcome(engine.start(quietSink));
  const signal = new AbortController().signal;
  const connect = await outcome(engine.connect(toConnect, { signal }));
  const disconnect = await outcome(engine.disconnect(toDisconnect, { signal, mode: 'stop' }));
  await engine.dispose();
  const session = await sessionOutcome(busAddress, toConnect).catch((e: Error) => ({
    ok: false,
    message: e.message,
  }));
  process.stdout.write(
    `${JSON.stringify({ uid: process.getuid?.(), started, connect, disconnect, session })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ crashed: String(error) })}\n`);
  process.exitCode = 1;
});
