import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { allStates, allTransitions, Coverage } from './coverage.js';
import {
  type ConnectInput,
  type ConnectOutput,
  type DisconnectInput,
  type DisconnectOutput,
  linkMachine,
  linkOwnershipOf,
  linkStatusOfValue,
} from './link.machine.js';
import type { Failure } from './vocabulary.js';

interface Pending<I, O> {
  input: I;
  signal: AbortSignal;
  resolve: (outcome?: O) => void;
  reject: (reason: unknown) => void;
}

const coverage = new Coverage('link');

/** A link whose connects and disconnects the test completes by hand. */
function link(options: { canStop?: boolean; shared?: boolean; connectTimeout?: number } = {}) {
  const connects: Pending<ConnectInput, ConnectOutput>[] = [];
  const disconnects: Pending<DisconnectInput, DisconnectOutput>[] = [];
  const pending =
    <I, O>(list: Pending<I, O>[]) =>
    ({ input, signal }: { input: I; signal: AbortSignal }) =>
      new Promise<O>((resolve, reject) =>
        list.push({ input, signal, resolve: (o) => resolve(o as O), reject }),
      );
  const claims: string[] = [];
  const leaves: string[] = [];
  const logic = linkMachine.provide({
    actions: {
      claim: ({ context }) => claims.push(context.identifier),
      leave: ({ context }) => leaves.push(context.identifier),
    },
    actors: {
      connect: fromPromise(pending(connects)),
      disconnect: fromPromise(pending(disconnects)),
    },
  });
  const actor = createActor(logic, {
    input: {
      identifier: 'ap',
      canStop: options.canStop ?? true,
      shared: options.shared ?? true,
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
  // Up's children are asserted where ownership is the point; elsewhere Up is Up.
  const state = () => linkStatusOfValue(actor.getSnapshot().value);
  const ownership = () => linkOwnershipOf(actor.getSnapshot().value);
  const holders = () => actor.getSnapshot().context.holders;
  const send = (...events: Parameters<typeof actor.send>[0][]) => {
    for (const e of events) actor.send(e);
  };
  return {
    actor,
    connects,
    disconnects,
    emitted,
    failures,
    claims,
    leaves,
    state,
    ownership,
    holders,
    send,
  };
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
    expect(l.connects[0]!.input).toEqual({ identifier: 'ap', background: false });
    l.connects[0]!.resolve('started');
    await settle();
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Owned', 2]);
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
    const local = link({ shared: false });
    local.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
    // No cross-process count: leaving Starting aborts the connect, which rolls back its own.
    expect([local.state(), local.holders()]).toEqual(['Down', 0]);
    expect(local.connects[0]!.signal.aborted).toBe(true);
    expect(local.disconnects).toHaveLength(0);

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

  it('stops a link it brought up on the last release where it can, and stays up where it cannot', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    l.connects[0]!.resolve('started');
    await settle();
    l.send({ type: 'RELEASE' });
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Owned', 1]);
    l.send({ type: 'RELEASE' });
    expect(l.state()).toBe('Stopping');
    expect(l.disconnects[0]!.input).toEqual({ identifier: 'ap', mode: 'release' });
    l.disconnects[0]!.resolve('down');
    await settle();
    expect(l.state()).toBe('Down');

    // Without a cross-process count (no SystemSessionSupport) a close never stops a link.
    for (const options of [{ canStop: false }, { shared: false }]) {
      const fixed = link(options);
      fixed.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
      fixed.connects[0]!.resolve('started');
      await settle();
      fixed.send({ type: 'RELEASE' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
      expect([fixed.state(), fixed.ownership(), fixed.holders()]).toEqual(['Up', 'Owned', 0]);
      expect(fixed.disconnects).toHaveLength(0);
    }
  });

  it('leaves a joined link up on the last release, letting the engine count it', () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'ACQUIRE' });
    expect([l.state(), l.ownership()]).toEqual(['Up', 'Joined']);
    l.send({ type: 'RELEASE' }, { type: 'RELEASE' });
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Joined', 0]);
    expect(l.disconnects).toHaveLength(0);
    expect(l.leaves).toEqual(['ap']);
    // Coming back claims again; without a cross-process count nothing is claimed or left.
    l.send({ type: 'ACQUIRE' });
    expect(l.claims).toEqual(['ap', 'ap']);
    const local = link({ shared: false });
    local.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'RELEASE' });
    expect([local.state(), local.holders(), local.leaves]).toEqual(['Up', 0, []]);
  });

  it('joins when the engine says its connect found the link up already', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE', background: true });
    expect(l.connects[0]!.input).toEqual({ identifier: 'ap', background: true });
    l.connects[0]!.resolve('joined');
    await settle();
    expect([l.state(), l.ownership()]).toEqual(['Up', 'Joined']);
    l.send({ type: 'RELEASE' });
    expect([l.state(), l.leaves]).toEqual(['Up', ['ap']]);
  });

  it('stays up, joined, when the engine keeps a released link up for another process', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    l.connects[0]!.resolve('started');
    await settle();
    l.send({ type: 'RELEASE' });
    l.disconnects[0]!.resolve('kept');
    await settle();
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Joined', 0]);
    // A session that came during the release joins the link the engine kept.
    l.send({ type: 'ACQUIRE' }, { type: 'RELEASE' });
    expect(l.leaves).toEqual(['ap']);
    const again = link();
    again.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    again.connects[0]!.resolve('started');
    await settle();
    again.send({ type: 'RELEASE' }, { type: 'ACQUIRE' });
    again.disconnects[0]!.resolve('kept');
    await settle();
    expect([again.ownership(), again.holders(), again.claims]).toEqual(['Joined', 1, ['ap']]);
  });

  it('turns a kept release into a stop when a stop came meanwhile', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    l.connects[0]!.resolve('started');
    await settle();
    l.send({ type: 'RELEASE' }, { type: 'STOP' });
    l.disconnects[0]!.resolve('kept');
    await settle();
    expect(l.state()).toBe('Stopping');
    expect(l.disconnects[1]!.input).toEqual({ identifier: 'ap', mode: 'stop' });
    l.disconnects[1]!.resolve('down');
    await settle();
    expect(l.state()).toBe('Down');
  });

  it('goes back to joined when a stop of a joined link is refused', async () => {
    const l = link();
    l.send({ type: 'OBSERVED', state: 'Active' }, { type: 'ACQUIRE' }, { type: 'STOP' });
    l.disconnects[0]!.reject(new Error('busy'));
    await settle();
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Joined', 1]);
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
    l.send({ type: 'OBSERVED', state: 'Discovered' }, { type: 'ACQUIRE' });
    l.connects[0]!.resolve('started');
    await settle();
    l.send({ type: 'STOP' });
    l.disconnects[0]!.reject({ error: 'OperationNotSupportedError', message: 'autoconnect' });
    await settle();
    // Back to where the stop found it: owned.
    expect([l.state(), l.ownership(), l.holders()]).toEqual(['Up', 'Owned', 1]);
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
