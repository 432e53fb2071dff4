import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { allStates, allTransitions, Coverage } from './coverage.js';
import { type ConnectInput, type DisconnectInput, linkMachine } from './link.machine.js';
import type { Failure } from './vocabulary.js';

interface Pending<I> {
  input: I;
  signal: AbortSignal;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

const coverage = new Coverage('link');

/** A link whose connects and disconnects the test completes by hand. */
function link(options: { canStop?: boolean; connectTimeout?: number } = {}) {
  const connects: Pending<ConnectInput>[] = [];
  const disconnects: Pending<DisconnectInput>[] = [];
  const pending =
    <I>(list: Pending<I>[]) =>
    ({ input, signal }: { input: I; signal: AbortSignal }) =>
      new Promise<void>((resolve, reject) => list.push({ input, signal, resolve, reject }));
  const claims: string[] = [];
  const logic = linkMachine.provide({
    actions: { claim: ({ context }) => claims.push(context.identifier) },
    actors: {
      connect: fromPromise(pending(connects)),
      disconnect: fromPromise(pending(disconnects)),
    },
  });
  const actor = createActor(logic, {
    input: {
      identifier: 'ap',
      canStop: options.canStop ?? true,
      connectTimeout: options.connectTimeout ?? 1000,
    },
    inspect: coverage.inspect,
  });
  const emitted: string[] = [];
  const failures: Failure[] = [];
  actor.on('*', (e) => {
    emitted.push(e.type);
    failures.push(e.failure);
  });
  actor.start();
  const state = () => actor.getSnapshot().value;
  const holders = () => actor.getSnapshot().context.holders;
  const send = (...events: Parameters<typeof actor.send>[0][]) => {
    for (const e of events) actor.send(e);
  };
  return { actor, connects, disconnects, emitted, failures, claims, state, holders, send };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('link machine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows what the engine observes while nobody holds it', () => {
    const l = link();
    expect(l.state()).toBe('Unavailable');
    l.send({ type: 'OBSERVED', state: 'Discovered' });
    expect(l.state()).toBe('Down');
    l.send({ type: 'OBSERVED', state: 'Active' });
    expect(l.state()).toBe('Up');
    l.send({ type: 'OBSERVED', state: 'Defined' });
    expect(l.state()).toBe('Unavailable');
    l.send({ type: 'OBSERVED', state: 'Active' });
    expect(l.state()).toBe('Up');
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'OBSERVED', state: 'Undefined' });
    expect(l.state()).toBe('Unavailable');
  });

  it('starts on the first acquire, counts holders, and is up when the connect resolves', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    expect([l.state(), l.holders()]).toEqual(['Starting', 2]);
    expect(l.connects).toHaveLength(1);
    expect(l.connects[0]!.input).toEqual({ identifier: 'ap' });
    l.connects[0]!.resolve();
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Up', 2]);
  });

  it('waits for the connect even when the engine reports the link active first', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    l.send({ type: 'OBSERVED', state: 'Active' });
    expect(l.state()).toBe('Starting');
    expect(l.connects[0]!.signal.aborted).toBe(false);
    l.connects[0]!.resolve();
    await settle();
    expect(l.state()).toBe('Up');
  });

  it('claims a link someone else brought up when its first holder here joins', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    expect(l.claims).toEqual(['ap']);
    expect(l.connects).toHaveLength(0);
  });

  it('ends down when the roll-back of a start is refused: it never came up', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    l.disconnects[0]!.reject(new Error('busy'));
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
    expect(l.emitted).toEqual([]);
  });

  it('withdraws a start when its last holder lets go, and rolls back', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    l.send({ type: 'RELEASE' });
    expect([l.state(), l.holders()]).toEqual(['Starting', 1]);
    l.send({ type: 'RELEASE' });
    expect(l.state()).toBe('Stopping');
    expect(l.connects[0]!.signal.aborted).toBe(true);
    expect(l.disconnects[0]!.input).toEqual({ identifier: 'ap', mode: 'release' });
    l.disconnects[0]!.resolve();
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
  });

  it('fails a start with the failure the engine gave, dropping every holder', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    l.connects[0]!.reject({ error: 'OperationNotSupportedError', message: 'no' });
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
    expect(l.emitted).toEqual(['failed']);
    expect(l.failures[0]).toEqual({ error: 'OperationNotSupportedError', message: 'no' });
    l.send({ type: 'ACQUIRE' });
    l.connects[1]!.reject(new Error('cable'));
    await settle();
    expect(l.failures[1]).toEqual({ error: 'UnknownSessionError', message: 'cable' });
  });

  it('gives up a start after the connect timeout, and aborts the connect', async () => {
    const l = link({ connectTimeout: 500 });
    l.send({ type: 'CONFIGURE', connectTimeout: 200 });
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    await vi.advanceTimersByTimeAsync(199);
    expect(l.state()).toBe('Starting');
    await vi.advanceTimersByTimeAsync(1);
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
    expect(l.failures[0]?.message).toBe('Connecting timed out after 200 ms.');
    expect(l.connects[0]!.signal.aborted).toBe(true);
  });

  it('drops a start that goes out of reach, with no failure of its own', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    l.send({ type: 'OBSERVED', state: 'Defined' });
    expect([l.state(), l.holders()]).toEqual(['Unavailable', 0]);
    expect(l.emitted).toEqual([]);
  });

  it('stops a start for everyone', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    expect(l.state()).toBe('Stopping');
    expect(l.disconnects[0]!.input.mode).toBe('stop');
  });

  it('stops on the last release where it can, and stays up where it cannot', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    l.send({ type: 'RELEASE' });
    expect([l.state(), l.holders()]).toEqual(['Up', 1]);
    l.send({ type: 'RELEASE' });
    expect(l.state()).toBe('Stopping');
    l.disconnects[0]!.resolve();
    await settle();
    expect(l.state()).toBe('Down');

    const fixed = link({ canStop: false });
    fixed.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
    expect([fixed.state(), fixed.holders()]).toEqual(['Up', 0]);
  });

  it('refuses a stop it cannot do, and keeps its holders', () => {
    const l = link({ canStop: false });
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    expect([l.state(), l.holders()]).toEqual(['Up', 1]);
    expect(l.emitted).toEqual(['stopRefused']);
    expect(l.failures[0]?.error).toBe('OperationNotSupportedError');
    l.send({ type: 'CONFIGURE', canStop: true }, { type: 'STOP' });
    expect(l.state()).toBe('Stopping');
  });

  it('loses every holder when the link drops or goes out of reach', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' });
    l.send({ type: 'OBSERVED', state: 'Discovered' });
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' });
    l.send({ type: 'OBSERVED', state: 'Defined' });
    expect([l.state(), l.holders()]).toEqual(['Unavailable', 0]);
  });

  it('drops the holders a stop doomed and restarts for ones that came during it', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    l.send({ type: 'STOP' });
    l.send({ type: 'ACQUIRE' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
    expect([l.state(), l.holders()]).toEqual(['Stopping', 3]);
    l.disconnects[0]!.resolve();
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Starting', 1]);
  });

  it('turns a release under way into a stop when asked', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
    expect(l.actor.getSnapshot().context.mode).toBe('release');
    l.send({ type: 'STOP' });
    expect(l.actor.getSnapshot().context.mode).toBe('stop');
  });

  it('goes back up when the engine refuses: an error for a stop, silence for a release', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    l.disconnects[0]!.reject({ error: 'OperationNotSupportedError', message: 'autoconnect' });
    await settle();
    expect([l.state(), l.holders()]).toEqual(['Up', 1]);
    expect(l.emitted).toEqual(['stopRefused']);
    l.send({ type: 'RELEASE' });
    l.disconnects[1]!.reject(new Error('busy'));
    await settle();
    expect(l.state()).toBe('Up');
    expect(l.emitted).toEqual(['stopRefused']);
  });

  it('finishes a stop as soon as the engine observes the link down or out of reach', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    l.send({ type: 'OBSERVED', state: 'Discovered' });
    expect([l.state(), l.holders()]).toEqual(['Down', 0]);
    l.send(
      { type: 'OBSERVED', state: 'Active' },
      { type: 'STOP' },
      { type: 'OBSERVED', state: 'Defined' },
    );
    expect(l.state()).toBe('Unavailable');
  });

  it('is removed for good', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'REMOVED' });
    expect([l.state(), l.holders()]).toEqual(['Removed', 0]);
    l.send(
      { type: 'REMOVED' },
      { type: 'CONFIGURE', connectTimeout: 5 },
      { type: 'OBSERVED', state: 'Active' },
    );
    expect(l.state()).toBe('Removed');
    expect(l.actor.getSnapshot().context.connectTimeout).toBe(1000);
  });

  afterAll(() => {
    const missing = coverage.missing(linkMachine);
    console.log(
      `link machine coverage: states ${allStates(linkMachine).length - missing.states.length}/${allStates(linkMachine).length}, ` +
        `transitions ${allTransitions(linkMachine).length - missing.transitions.length}/${allTransitions(linkMachine).length}`,
    );
  });

  it('took every state and every transition of the link machine', () => {
    expect(coverage.missing(linkMachine)).toEqual({ states: [], transitions: [] });
  });
});
