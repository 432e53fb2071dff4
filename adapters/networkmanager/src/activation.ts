/**
 * connect and disconnect: ActivateConnection / DeactivateConnection, then wait for the active
 * connection's state as NetworkManager reports it in its signals.
 */
import { type ConnectOutcome, EngineError } from '@netbearer/core';
import { isObjectPath } from './dbus-values.js';
import { engineErrorFrom } from './errors.js';
import { parseIdentifier } from './identifiers.js';
import { describeActiveReason, describeDeviceReason } from './mapping.js';
import { activeOf, canCarry } from './model.js';
import type { NmAccess } from './nm-access.js';
import {
  ActiveState,
  ActiveStateReason,
  DeviceState,
  DeviceStateReason,
  iface,
  nmPath,
  noObject,
} from './nm-constants.js';
import type { NmActiveConnection, NmProfile } from './nm-records.js';
import { checkBackgroundSecrets } from './secrets.js';
import type { NmSnapshot } from './snapshot.js';
import type { Verdict, Waiters } from './waiters.js';

export interface ActivationContext extends NmAccess {
  activeReason(path: string): number | undefined;
  deviceFailure(path: string): number | undefined;
  /** The active connection at `path` was removed (perhaps before any picture showed it). */
  activeGone?(path: string): boolean;
  readonly waiters: Waiters;
}

/**
 * How the engine counts this process on the activation a connect uses (holds.ts). Each is
 * called synchronously the moment the path is known, before the next await.
 */
export interface ActivationHooks {
  /** May this call join the activation at `path`? Counts it if so; false: start a new one. */
  join?(path: string): boolean;
  /** This call started the activation at `path`. */
  started?(path: string): void;
  /** Aborted: may the activation this call started be deactivated (nobody else joined it)? */
  rollBack?(path: string): boolean;
}

export interface ActivationOptions {
  /**
   * ConnectInBackground: never let a secret agent ask the user. An activation this call would
   * start is refused ('SecretsRequired') when the profile needs a secret NetworkManager does
   * not have (secrets.ts). One that waits for secrets anyway — its device stays in NEED_AUTH
   * for `needAuthGraceMs`, as while an agent shows a password dialog (e.g. NetworkManager asks
   * for a new password after the stored one was rejected) — is withdrawn and fails the same
   * way, as does a failure for want of secrets (NO_SECRETS).
   */
  readonly background?: boolean;
  /**
   * How long a background activation may wait in NEED_AUTH. NetworkManager passes through it
   * for a few milliseconds even when it has every secret (it loads them then); an agent that
   * asks the user takes seconds. Default 2 s.
   */
  readonly needAuthGraceMs?: number;
}

const defaultNeedAuthGraceMs = 2_000;

/** Resolves 'started' when this call brought the profile up, 'joined' when it was up or coming up. */
export async function activate(
  ctx: ActivationContext,
  identifier: string,
  signal: AbortSignal,
  hooks: ActivationHooks = {},
  options: ActivationOptions = {},
): Promise<ConnectOutcome> {
  const background = options.background === true;
  const profile = profileFor(ctx.published(), identifier, 'ConnectError');
  const aborted = () =>
    new EngineError('ConnectError', `Activating "${profile.name}" was aborted.`, {
      cause: signal.reason,
    });
  if (signal.aborted) throw aborted();
  // Up, or on its way up (autoconnect, another client): wait for it, and never roll back
  // what this call did not start.
  const existing = activeOf(ctx.published(), profile.uuid);
  const ours =
    !existing || existing.state > ActiveState.Activated || !(hooks.join?.(existing.path) ?? true);
  if (ours && background) {
    await checkBackgroundSecrets(ctx, profile);
    if (signal.aborted) throw aborted();
  }
  const path = ours ? await startActivation(ctx, profile) : existing.path;
  if (ours) hooks.started?.(path);
  const rollBack = () => {
    if (ours && (hooks.rollBack?.(path) ?? true)) void deactivateQuietly(ctx, path);
    return aborted();
  };
  if (signal.aborted) throw rollBack();
  const needAuth =
    background && ours
      ? new NeedAuthWatch(ctx.waiters, options.needAuthGraceMs ?? defaultNeedAuthGraceMs)
      : null;
  const verdict = activationVerdict(ctx, profile, path, { background, needAuth });
  try {
    await ctx.waiters.wait(verdict, signal, rollBack);
  } catch (error) {
    // NetworkManager is waiting on a secret agent for this background activation: withdraw
    // it, which makes NetworkManager cancel the agent's request (the dialog closes). Not
    // through the hooks' rollBack: this is a failed activation, not an abort to be retried.
    if (needAuth?.expired) void deactivateQuietly(ctx, path);
    throw error;
  } finally {
    needAuth?.stop();
  }
  return ours ? 'started' : 'joined';
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
  how: { readonly background: boolean; readonly needAuth: NeedAuthWatch | null },
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
    if (how.needAuth?.check(needsAuth(snapshot, devices))) {
      return {
        failed: new EngineError(
          'SecretsRequired',
          `Bringing up "${profile.name}" in the background: NetworkManager waited ${how.needAuth.graceMs} ms for a secret agent (device state NEED_AUTH), which is asking the user; the activation was withdrawn.`,
        ),
      };
    }
    if (active && active.state < ActiveState.Deactivating) return undefined;
    // Not there yet — unless it came and went within one batch of signals (NetworkManager
    // fails an activation that has no secrets and no agent to ask within milliseconds).
    if (!active && !seen && !ctx.activeGone?.(path)) return undefined;
    // NetworkManager empties an active connection's Devices before removing it: one never
    // seen with its devices is explained by the devices that could carry the profile.
    if (devices.length === 0) devices = carriers(snapshot, profile);
    const why = failureReason(ctx, path, devices);
    if (how.background && noSecrets(ctx, path, devices)) {
      return {
        failed: new EngineError(
          'SecretsRequired',
          `NetworkManager could not bring up "${profile.name}" in the background: ${why}.`,
        ),
      };
    }
    return {
      failed: new EngineError(
        'ConnectError',
        `NetworkManager could not activate "${profile.name}": ${why}.`,
      ),
    };
  };
}

/**
 * Times how long a background activation's device has been waiting for secrets; the one timer
 * exists only while it waits, and re-runs the checks when the grace period is over.
 */
class NeedAuthWatch {
  #since: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #expired = false;

  constructor(
    readonly waiters: Waiters,
    readonly graceMs: number,
  ) {}

  get expired(): boolean {
    return this.#expired;
  }

  /** Whether the device has been in NEED_AUTH for the whole grace period by now. */
  check(waiting: boolean): boolean {
    if (!waiting) {
      this.stop();
      return false;
    }
    const now = Date.now();
    if (this.#since === undefined) {
      this.#since = now;
      this.#timer = setTimeout(() => this.waiters.checkAll(), this.graceMs + 1);
    }
    this.#expired = now - this.#since >= this.graceMs;
    return this.#expired;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
  }
}

function carriers(snapshot: NmSnapshot, profile: NmProfile): string[] {
  return [...snapshot.devices.values()]
    .filter((d) => d.availableConnections.includes(profile.path))
    .map((d) => d.path);
}

/** A device of the activation waits for a secret agent (NM_DEVICE_STATE_NEED_AUTH). */
function needsAuth(snapshot: NmSnapshot, devices: readonly string[]): boolean {
  return devices.some((d) => snapshot.devices.get(d)?.state === DeviceState.NeedAuth);
}

/** It failed for want of secrets (NO_SECRETS, of the active connection or of a device). */
function noSecrets(ctx: ActivationContext, path: string, devices: readonly string[]): boolean {
  return (
    ctx.activeReason(path) === ActiveStateReason.NoSecrets ||
    devices.some((device) => ctx.deviceFailure(device) === DeviceStateReason.NoSecrets)
  );
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
