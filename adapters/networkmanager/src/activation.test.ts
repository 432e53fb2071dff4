import { setImmediate as settle } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ActivationContext, activate } from './activation.js';
import { ActiveState, DeviceState } from './nm-constants.js';
import { active, device, profile, snapshot } from './snapshot.fixture.js';
import type { NmSnapshot } from './snapshot.js';
import { Waiters } from './waiters.js';

const wired = profile(1, { name: 'Office' });
const id = `networkmanager:${wired.uuid}`;
const nic = device(1, { availableConnections: [wired.path] });
const activePath = '/org/freedesktop/NetworkManager/ActiveConnection/7';

/**
 * Fake NetworkManager *data*: what the engine has published, and the reasons the mirror kept.
 * `publish` settles waits as the engine does after each change.
 */
function world() {
  const waiters = new Waiters();
  const calls: string[] = [];
  const reasons = new Map<string, number>();
  const failures = new Map<string, number>();
  const gone = new Set<string>();
  let published: NmSnapshot = snapshot({ profiles: [wired], devices: [nic] });
  const ctx: ActivationContext = {
    published: () => published,
    call: async (_path, _iface, member) => {
      calls.push(member);
      return { body: member === 'ActivateConnection' ? [activePath] : [] };
    },
    activeReason: (path) => reasons.get(path),
    deviceFailure: (path) => failures.get(path),
    activeGone: (path) => gone.has(path),
    waiters,
  };
  return {
    ctx,
    calls,
    reasons,
    failures,
    gone,
    publish(parts: { deviceState?: number; activeState?: number | null }) {
      const d = { ...nic, state: parts.deviceState ?? nic.state };
      const actives =
        parts.activeState === null || parts.activeState === undefined
          ? []
          : [
              {
                ...active(7, wired, { devices: [nic.path], state: parts.activeState }),
                path: activePath,
              },
            ];
      published = snapshot({ profiles: [wired], devices: [d], actives });
      waiters.checkAll();
    },
  };
}

const noAbort = () => new AbortController().signal;

describe('activate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails (does not hang) when the activation came and went before the engine saw it', async () => {
    const w = world();
    w.reasons.set(activePath, 3);
    w.failures.set(nic.path, 7);
    w.gone.add(activePath);
    const attempt = activate(w.ctx, id, noAbort());
    const outcome = await Promise.race([
      attempt.then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 200)),
    ]);
    expect(outcome).toMatchObject({ kind: 'ConnectError' });
    expect(String((outcome as Error).message)).toContain('secrets were required');
  });

  it('no secrets: ConnectError normally, SecretsRequired in the background', async () => {
    for (const background of [false, true]) {
      const w = world();
      const attempt = activate(w.ctx, id, noAbort(), {}, { background }).catch((e: unknown) => e);
      await settle();
      w.publish({ activeState: ActiveState.Activating, deviceState: 50 });
      w.failures.set(nic.path, 7);
      w.reasons.set(activePath, 3);
      w.publish({ activeState: ActiveState.Deactivated, deviceState: DeviceState.Failed });
      expect(await attempt).toMatchObject({
        kind: background ? 'SecretsRequired' : 'ConnectError',
      });
    }
  });

  it('background: a brief NEED_AUTH goes by; a long one is withdrawn with SecretsRequired', async () => {
    vi.useFakeTimers();
    const w = world();
    const attempt = activate(
      w.ctx,
      id,
      noAbort(),
      {},
      { background: true, needAuthGraceMs: 2_000 },
    );
    const outcome = attempt.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(w.calls).toEqual(['GetSettings', 'ActivateConnection']);
    // NetworkManager loads stored secrets: need-auth for a moment, then on.
    w.publish({ activeState: ActiveState.Activating, deviceState: DeviceState.NeedAuth });
    await vi.advanceTimersByTimeAsync(50);
    w.publish({ activeState: ActiveState.Activating, deviceState: 70 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.calls).toEqual(['GetSettings', 'ActivateConnection']);
    // An agent asks the user: need-auth stays.
    w.publish({ activeState: ActiveState.Activating, deviceState: DeviceState.NeedAuth });
    await vi.advanceTimersByTimeAsync(1_900);
    expect(w.calls).toEqual(['GetSettings', 'ActivateConnection']);
    await vi.advanceTimersByTimeAsync(200);
    expect(await outcome).toMatchObject({ kind: 'SecretsRequired' });
    expect(w.calls).toEqual(['GetSettings', 'ActivateConnection', 'DeactivateConnection']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a normal connect waits through NEED_AUTH (the user is typing), with no timer', async () => {
    vi.useFakeTimers();
    const w = world();
    const attempt = activate(w.ctx, id, noAbort());
    await vi.advanceTimersByTimeAsync(0);
    w.publish({ activeState: ActiveState.Activating, deviceState: DeviceState.NeedAuth });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    w.publish({ activeState: ActiveState.Activated, deviceState: DeviceState.Activated });
    await expect(attempt).resolves.toBe('started');
    expect(w.calls).toEqual(['ActivateConnection']);
  });
});
