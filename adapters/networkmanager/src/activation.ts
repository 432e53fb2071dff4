/**
 * connect and disconnect: ActivateConnection / DeactivateConnection, then wait for the active
 * connection's state as NetworkManager reports it in its signals.
 */
import { EngineError } from '@netbearer/core';
import { isObjectPath } from './dbus-values.js';
import { engineErrorFrom } from './errors.js';
import { parseIdentifier } from './identifiers.js';
import { describeActiveReason, describeDeviceReason } from './mapping.js';
import { activeOf, canCarry } from './model.js';
import type { NmAccess } from './nm-access.js';
import { ActiveState, DeviceState, iface, nmPath, noObject } from './nm-constants.js';
import type { NmActiveConnection, NmProfile } from './nm-records.js';
import type { NmSnapshot } from './snapshot.js';
import type { Verdict, Waiters } from './waiters.js';

export interface ActivationContext extends NmAccess {
  activeReason(path: string): number | undefined;
  deviceFailure(path: string): number | undefined;
  readonly waiters: Waiters;
}

export async function activate(
  ctx: ActivationContext,
  identifier: string,
  signal: AbortSignal,
): Promise<void> {
  const profile = profileFor(ctx.published(), identifier, 'ConnectError');
  const aborted = () =>
    new EngineError('ConnectError', `Activating "${profile.name}" was aborted.`, {
      cause: signal.reason,
    });
  if (signal.aborted) throw aborted();
  // Up, or on its way up (autoconnect, another client): wait for it, and never roll back
  // what this call did not start.
  const existing = activeOf(ctx.published(), profile.uuid);
  const ours = !existing || existing.state > ActiveState.Activated;
  const path = ours ? await startActivation(ctx, profile) : existing.path;
  const rollBack = () => {
    if (ours) void deactivateQuietly(ctx, path);
    return aborted();
  };
  if (signal.aborted) throw rollBack();
  await ctx.waiters.wait(activationVerdict(ctx, profile, path), signal, rollBack);
}

async function startActivation(ctx: ActivationContext, profile: NmProfile): Promise<string> {
  const device = deviceFor(ctx.published(), profile);
  let reply: { readonly body: readonly unknown[] };
  try {
    reply = await ctx.call(nmPath, iface.manager, 'ActivateConnection', 'ooo', [
      profile.path,
      device,
      noObject,
    ]);
  } catch (error) {
    throw engineErrorFrom(
      error,
      'ConnectError',
      `NetworkManager did not activate "${profile.name}"`,
    );
  }
  const path = reply.body[0];
  if (!isObjectPath(path) || path === noObject) {
    throw new EngineError(
      'ConnectError',
      'ActivateConnection answered without an active connection path.',
    );
  }
  return path;
}

/** NetworkManager picks a device itself given "/", but an idle one that fits is Qt's choice. */
function deviceFor(snapshot: NmSnapshot, profile: NmProfile): string {
  const fitting = [...snapshot.devices.values()].filter(
    (d) => canCarry(d) && d.availableConnections.includes(profile.path),
  );
  const idle = fitting.find((d) => d.state === DeviceState.Disconnected);
  return (idle ?? fitting[0])?.path ?? noObject;
}

function activationVerdict(
  ctx: ActivationContext,
  profile: NmProfile,
  path: string,
): () => Verdict<void> {
  let seen = false;
  let devices: readonly string[] = [];
  return () => {
    const snapshot = ctx.published();
    if (!snapshot.present) {
      return {
        failed: new EngineError('EngineUnavailable', 'NetworkManager stopped while activating.'),
      };
    }
    const active = snapshot.actives.get(path);
    if (active) {
      seen = true;
      if (active.devices.length > 0) devices = active.devices;
    }
    if (active?.state === ActiveState.Activated) return { done: undefined };
    if (active && active.state < ActiveState.Deactivating) return undefined;
    if (!active && !seen) return undefined;
    const why = failureReason(ctx, path, devices);
    return {
      failed: new EngineError(
        'ConnectError',
        `NetworkManager could not activate "${profile.name}": ${why}.`,
      ),
    };
  };
}

function failureReason(ctx: ActivationContext, path: string, devices: readonly string[]): string {
  const reason = describeActiveReason(ctx.activeReason(path));
  const failures = devices.flatMap((device) => {
    const failure = ctx.deviceFailure(device);
    return failure === undefined ? [] : [describeDeviceReason(failure)];
  });
  return failures.length > 0 ? `${reason} (${failures.join('; ')})` : reason;
}

export async function deactivate(
  ctx: ActivationContext,
  identifier: string,
  signal: AbortSignal,
): Promise<void> {
  const parsed = parseIdentifier(identifier);
  if (parsed?.kind === 'wifi') return;
  const profile = profileFor(ctx.published(), identifier, 'DisconnectionError');
  const aborted = () =>
    new EngineError('DisconnectionError', `Deactivating "${profile.name}" was aborted.`, {
      cause: signal.reason,
    });
  if (signal.aborted) throw aborted();
  for (const active of liveActives(ctx.published(), profile.uuid)) {
    try {
      await ctx.call(nmPath, iface.manager, 'DeactivateConnection', 'o', [active.path]);
    } catch (error) {
      if (isNotActive(error)) continue;
      throw engineErrorFrom(
        error,
        'DisconnectionError',
        `NetworkManager did not deactivate "${profile.name}"`,
      );
    }
  }
  await ctx.waiters.wait(
    () => {
      const snapshot = ctx.published();
      if (!snapshot.present) {
        return {
          failed: new EngineError(
            'EngineUnavailable',
            'NetworkManager stopped while deactivating.',
          ),
        };
      }
      return liveActives(snapshot, profile.uuid).length === 0 ? { done: undefined } : undefined;
    },
    signal,
    aborted,
  );
}

function liveActives(snapshot: NmSnapshot, uuid: string): NmActiveConnection[] {
  return [...snapshot.actives.values()].filter(
    (a) => a.uuid === uuid && a.state < ActiveState.Deactivated,
  );
}

function profileFor(
  snapshot: NmSnapshot,
  identifier: string,
  kind: 'ConnectError' | 'DisconnectionError',
): NmProfile {
  if (!snapshot.present)
    throw new EngineError('EngineUnavailable', 'NetworkManager is not running.');
  const parsed = parseIdentifier(identifier);
  if (parsed?.kind === 'wifi') {
    throw new EngineError(
      'OperationNotSupported',
      'This Wi-Fi network has no saved NetworkManager profile; save one (with its secrets) first.',
    );
  }
  const profile = parsed ? snapshot.profiles.find((p) => p.uuid === parsed.uuid) : undefined;
  if (!profile)
    throw new EngineError(kind, `NetworkManager has no profile for ${JSON.stringify(identifier)}.`);
  return profile;
}

function isNotActive(error: unknown): boolean {
  return (
    (error as { errorName?: unknown })?.errorName ===
    'org.freedesktop.NetworkManager.ConnectionNotActive'
  );
}

async function deactivateQuietly(ctx: ActivationContext, path: string): Promise<void> {
  try {
    await ctx.call(nmPath, iface.manager, 'DeactivateConnection', 'o', [path]);
  } catch {
    // Rolling back an aborted activation: it may already be gone.
  }
}
