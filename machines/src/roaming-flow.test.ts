import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { allStates, allTransitions } from './coverage.js';
import {
  roamingFlowMachine,
  roamingOf,
  type SessionEmitted,
  type SessionEvent,
  sessionMachine,
  sessionStateOf,
} from './session.machine.js';

/** A bare session actor, open on an up link and offered a roam; what it emits is recorded. */
function roamingSession(forced = false) {
  const actor = createActor(sessionMachine).start();
  const emitted: string[] = [];
  actor.on('*', (e: SessionEmitted) => emitted.push(e.type === 'error' ? e.error : e.type));
  const send = (...events: SessionEvent[]) => {
    for (const event of events) actor.send(event);
  };
  send({ type: 'BIND', status: 'Up' }, { type: 'OPEN' });
  send({ type: 'BETTER_CONFIGURATION', configuration: 'b', seamless: true, forced });
  emitted.length = 0;
  return { actor, emitted, send, value: () => actor.getSnapshot().value };
}

describe('the roaming flow', () => {
  it('roamingFlowMachine is the Roaming state of sessionMachine, drawn on its own', () => {
    const rename = (key: string) => key.replace(/^roaming\./, 'session.');
    expect(allStates(roamingFlowMachine, 'Roaming')).toEqual(allStates(sessionMachine, 'Roaming'));
    expect(allTransitions(roamingFlowMachine, 'Roaming').map(rename)).toEqual(
      allTransitions(sessionMachine, 'Roaming'),
    );
    // It ends in the session states a roam lands in.
    expect(allStates(roamingFlowMachine).filter((s) => !s.startsWith('Roaming'))).toEqual([
      'Connected',
      'Closing',
      'Disconnected',
      'NotAvailable',
      'Invalid',
    ]);
  });

  it("reads as Qt's state Roaming, with the step and the old link's state", () => {
    const { value } = roamingSession();
    expect(sessionStateOf(value())).toBe('Roaming');
    expect(roamingOf(value())).toEqual({ Step: 'Preferred', OldLink: 'Up' });
    expect(roamingOf('Connected')).toBeUndefined();
    expect(sessionStateOf('Connected')).toBe('Connected');
  });

  it('a call its step answers is not also refused as misuse (regions do not both answer)', () => {
    const { emitted, send, value } = roamingSession();
    send({ type: 'MIGRATE' });
    expect(roamingOf(value())).toEqual({ Step: 'Migrating', OldLink: 'Up' });
    expect(emitted).toEqual([]);
    send({ type: 'ACCEPT' });
    expect(emitted).toEqual(['OperationNotSupportedError']);
    expect(roamingOf(value())?.Step).toBe('Migrating');
  });

  it('a declined roam lands where the old link went, closing the session', () => {
    const { actor, emitted, send, value } = roamingSession();
    send({ type: 'LINK_DOWN' }, { type: 'LINK_UNAVAILABLE' });
    expect(roamingOf(value())).toEqual({ Step: 'Preferred', OldLink: 'Unavailable' });
    send({ type: 'IGNORE' });
    expect(value()).toBe('NotAvailable');
    expect(emitted).toEqual(['closed']);
    expect(actor.getSnapshot().context).toMatchObject({ isOpen: false, roamingTo: null });
  });

  it('a declined roam over an old link still up stays Connected and open', () => {
    const { actor, emitted, send, value } = roamingSession();
    send({ type: 'MIGRATE' }, { type: 'ROAM_TARGET_UP' }, { type: 'REJECT' });
    expect(value()).toBe('Connected');
    expect(emitted).toEqual(['newConfigurationActivated']);
    expect(actor.getSnapshot().context).toMatchObject({ isOpen: true, roamingTo: null });
  });

  it('a forced roam migrates and accepts on its own', () => {
    const { actor, emitted, send, value } = roamingSession(true);
    expect(roamingOf(value())?.Step).toBe('Forced');
    expect(actor.getSnapshot().context.roamingTo).toBe('b');
    send({ type: 'ROAM_TARGET_UP' });
    expect(value()).toBe('Connected');
    expect(emitted).toEqual([]);
  });
});
