/**
 * SystemSessionSupport for the NetworkManager engine: which activation this engine holds for
 * each configuration, and what connect, claim, release and stop do to the count that every
 * netbearer process of the user shares (hold-registry.ts).
 *
 * A hold is on an *activation* (an ActiveConnection object), not on a profile: when that
 * activation ends, its holds and its "a netbearer process brought it up" marker mean nothing
 * any more, and the user bringing the profile up again later is never taken for ours. An
 * activation's key is the bus's id, NetworkManager's unique name and the object path, hashed:
 * unique across buses (test sandboxes) and NetworkManager restarts. A restart that re-assumes
 * a link carries its holds over to the new activation (`reassumed`).
 */
import { createHash } from 'node:crypto';
import { type ConnectOutcome, type DisconnectOutcome, EngineError } from '@netbearer/core';
import type { ActivationHooks } from './activation.js';
import { engineErrorFrom } from './errors.js';
import { HoldRegistry, type ReleaseVerdict } from './hold-registry.js';
import { parseIdentifier } from './identifiers.js';
import type { NmAccess } from './nm-access.js';
import { ActiveState, iface, nmPath } from './nm-constants.js';
import type { NmActiveConnection } from './nm-records.js';
import type { NmSnapshot } from './snapshot.js';
import type { Waiters } from './waiters.js';

export interface HoldsContext extends NmAccess {
  readonly waiters: Waiters;
  /** The reason NetworkManager gave with an active connection's last state change. */
  activeReason(path: string): number | undefined;
  /** The bus daemon's id and NetworkManager's unique name (null while it is away). */
  scope(): { readonly bus: string; readonly owner: string | null };
}

export interface HoldsOptions {
  /** The holds directory; default `$XDG_RUNTIME_DIR/netbearer/holds` (hold-registry.ts). */
  readonly directory?: string | undefined;
  readonly warn: (message: string) => void;
}

/** The count behind the holds: the shared registry, or this engine alone. */
interface HoldBook {
  hold(key: string, broughtUp?: boolean): boolean;
  release(key: string): ReleaseVerdict;
  restore(key: string): void;
  doom(key: string): void;
  undoom(key: string): void;
  clear(key: string): void;
  leave(key: string): void;
  ended(key: string): void;
  rekey(from: string, to: string): void;
  leaveAll(): void;
  doomed(key: string): boolean;
  beginStart(key: string): boolean;
  starting(key: string): boolean;
  endStart(key: string): void;
  /** A take-down completed (the registry keeps tombstones a while for late joiners). */
  finished?(key: string): void;
}

interface Held {
  readonly key: string;
  readonly path: string;
  /** The activation was in a published picture: its absence later means it ended. */
  seen: boolean;
}

/** A join that lost a race (its activation was taken down or replaced) tries again. */
const maxAttempts = 3;
/** Joins refused (the link was being taken down) while another process had the start turn. */
const maxWaits = 10;
/** A marker of another bus that nobody holds is forgotten after this (see `#ended`). */
const foreignMarkerMs = 10 * 60_000;
/** How long a connect waits for another process's start before it starts one itself. */
const startWaitMs = 3_000;
/** NMActiveConnectionStateReason UNKNOWN and DEVICE_DISCONNECTED: what a replaced one ends with. */
const replacedReasons = new Set([0, 3]);

export class Holds {
  readonly #ctx: HoldsContext;
  readonly #options: HoldsOptions;
  readonly #held = new Map<string, Held>();
  #opened: { book: HoldBook; shared: boolean } | null = null;

  constructor(ctx: HoldsContext, options: HoldsOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Whether holders are counted across processes (SystemSessionSupport). */
  get shared(): boolean {
    return this.#book().shared;
  }

  /** Where the shared registry lives; null when counting in this process only. */
  get directory(): string | null {
    const { book } = this.#book();
    return book instanceof HoldRegistry ? book.directory : null;
  }

  /**
   * Runs an activation with hooks that count this process on it the moment its path is known
   * (synchronously: before the first await for a join). With nothing up, one netbearer
   * process at a time starts the profile (a start turn in the registry) and the others join
   * its activation: NetworkManager would let a second start replace the first. A connect that
   * lost a race tries again: its activation was being taken down by another process's release
   * (it then starts a new one, or joins the one another process starts), or was replaced.
   */
  async connect(
    identifier: string,
    signal: AbortSignal,
    activate: (hooks: ActivationHooks) => Promise<ConnectOutcome>,
  ): Promise<ConnectOutcome> {
    let waits = 0;
    for (let attempt = 1; ; attempt += 1) {
      let turn = await this.#turnToStart(identifier, signal);
      let used: string | undefined;
      let waiting = false;
      const hooks: ActivationHooks = {
        join: (path) => {
          if (this.#take(identifier, path, false)) {
            used = path;
            return true;
          }
          // Someone took it down meanwhile: start a new one, in turn. While another process
          // has the turn, wait for its start instead (and join that).
          turn ??= this.#beginTurn(identifier);
          if (turn) return false;
          waiting = true;
          throw new EngineError('ConnectError', 'Its link was being taken down meanwhile.');
        },
        started: (path) => {
          this.#take(identifier, path, true);
          used = path;
        },
        rollBack: (path) => this.#rollBack(identifier, path),
      };
      try {
        return await activate(hooks);
      } catch (error) {
        if (used !== undefined) this.#leave(identifier, used);
        // Waiting for another process's start is no failed attempt (but bounded too).
        if (waiting && waits++ < maxWaits && !signal.aborted) {
          attempt -= 1;
          continue;
        }
        const again = attempt < maxAttempts && !signal.aborted && isConnectError(error);
        if (!again || used === undefined || !this.#lostRace(identifier, used)) throw error;
      } finally {
        if (turn) this.#book().book.endStart(turn);
      }
    }
  }

  /**
   * With nothing of the profile up or coming up, one process at a time starts it: this one
   * takes the turn (returns its key, to give back), or waits until the activation of the
   * process that has it shows up (then joins it), its start is over, or `startWaitMs` passed.
   */
  async #turnToStart(identifier: string, signal: AbortSignal): Promise<string | null> {
    if (this.#joinable(identifier)) return null;
    const key = this.#profileKey(identifier);
    if (!key || this.#book().book.beginStart(key)) return key;
    await this.#othersStart(identifier, key, signal);
    if (this.#joinable(identifier)) return null;
    return this.#beginTurn(identifier);
  }

  /** The start turn for the profile if nobody else has it (its key, to give back), else null. */
  #beginTurn(identifier: string): string | null {
    const key = this.#profileKey(identifier);
    return key && this.#book().book.beginStart(key) ? key : null;
  }

  async #othersStart(identifier: string, key: string, signal: AbortSignal): Promise<void> {
    const { book } = this.#book();
    // A starter that died, or whose start NetworkManager refused, sends no signal: bounded.
    const late = new AbortController();
    const timer = setTimeout(() => late.abort(), startWaitMs);
    try {
      await this.#ctx.waiters.wait(
        () => (this.#joinable(identifier) || !book.starting(key) ? { done: undefined } : undefined),
        AbortSignal.any([signal, late.signal]),
        () => new EngineError('ConnectError', 'Connecting was aborted.', { cause: signal.reason }),
      );
    } catch (error) {
      if (signal.aborted || !late.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An activation of the profile is up or coming up, and nobody is taking it down. */
  #joinable(identifier: string): boolean {
    const active = this.#current(this.#ctx.published(), identifier);
    const key = active ? this.#key(active.path) : null;
    return key !== null && !this.#book().book.doomed(key);
  }

  /** This process starts using a link that is up already: counted at once. */
  claim(identifier: string): void {
    const active = this.#current(this.#ctx.published(), identifier);
    if (active) this.#take(identifier, active.path, false);
  }

  /**
   * This process lets go. The count changes before the first await; only when nobody holds
   * the activation any more and a netbearer process brought it up is it deactivated.
   */
  async release(identifier: string, signal: AbortSignal): Promise<DisconnectOutcome> {
    if (!this.#ctx.published().present)
      throw new EngineError('EngineUnavailable', 'NetworkManager is not running.');
    const held = this.#held.get(identifier) ?? this.#heldNow(identifier);
    this.#held.delete(identifier);
    if (!held) return 'down';
    const verdict = this.#book().book.release(held.key);
    if (verdict === 'keep') return 'kept';
    if (verdict === 'doomed') return 'down';
    try {
      await deactivateActivation(this.#ctx, held.path, signal);
    } catch (error) {
      this.#book().book.restore(held.key);
      this.#held.set(identifier, held);
      throw error;
    }
    this.#book().book.finished?.(held.key);
    return 'down';
  }

  /**
   * Down for everyone: its activations are marked as going down (nobody joins them), then
   * `deactivate` runs; on success every holder's entries go, on failure the marks go.
   */
  async stop(identifier: string, deactivate: () => Promise<void>): Promise<DisconnectOutcome> {
    const { book } = this.#book();
    const keys = this.#liveActives(this.#ctx.published(), identifier).flatMap((a) => {
      const key = this.#key(a.path);
      return key ? [key] : [];
    });
    for (const key of keys) book.doom(key);
    try {
      await deactivate();
    } catch (error) {
      for (const key of keys) book.undoom(key);
      throw error;
    }
    for (const key of keys) {
      book.clear(key);
      book.finished?.(key);
    }
    this.#held.delete(identifier);
    return 'down';
  }

  /**
   * A new picture was published: a held activation that went away (the user took the link
   * down, the cable was pulled) is over, and so is this engine's hold on it.
   */
  settle(snapshot: NmSnapshot): void {
    if (!snapshot.present) return;
    for (const [identifier, held] of this.#held) {
      const active = snapshot.actives.get(held.path);
      if (active && active.state < ActiveState.Deactivated) held.seen = true;
      else if (held.seen) {
        this.#held.delete(identifier);
        this.#book().book.ended(held.key);
      }
    }
  }

  /**
   * NetworkManager is back after a restart: it re-assumed the links that stayed up, under new
   * activations. Holds move along (all holders', with the marker); the others are over.
   */
  reassumed(snapshot: NmSnapshot): void {
    const { book } = this.#book();
    for (const [identifier, held] of this.#held) {
      const now = this.#current(snapshot, identifier);
      const key = now ? this.#key(now.path) : null;
      if (!now || !key) {
        this.#held.delete(identifier);
        book.ended(held.key);
        continue;
      }
      if (key !== held.key) book.rekey(held.key, key);
      this.#held.set(identifier, { key, path: now.path, seen: true });
    }
  }

  /** The process lets go of everything without taking anything down (dispose, exit). */
  dispose(): void {
    this.#held.clear();
    this.#opened?.book.leaveAll();
  }

  /** Counts this engine on the activation at `path`; false when it is being taken down. */
  #take(identifier: string, path: string, broughtUp: boolean): boolean {
    const key = this.#key(path);
    if (!key) return true;
    const { book } = this.#book();
    if (!book.hold(key, broughtUp)) return false;
    const previous = this.#held.get(identifier);
    if (previous && previous.key !== key) book.leave(previous.key);
    const seen = this.#ctx.published().actives.has(path);
    this.#held.set(identifier, { key, path, seen });
    return true;
  }

  /** An aborted start: deactivate it only if nobody else joined it meanwhile. */
  #rollBack(identifier: string, path: string): boolean {
    const key = this.#key(path);
    if (this.#held.get(identifier)?.path === path) this.#held.delete(identifier);
    if (!key) return true;
    return this.#book().book.release(key) === 'take-down';
  }

  #leave(identifier: string, path: string): void {
    const key = this.#key(path);
    if (this.#held.get(identifier)?.path === path) this.#held.delete(identifier);
    if (key) this.#book().book.leave(key);
  }

  /**
   * The activation was taken down by a netbearer release (a tombstone says so), or replaced by
   * another start of the same profile: one is live now, or another netbearer process has the
   * start turn and NetworkManager ended ours the way it ends a replaced one (no reason, or
   * "the device disconnected"). Anything else (IP configuration, secrets, a user, a cable) is
   * a real failure and is reported, not retried.
   */
  #lostRace(identifier: string, path: string): boolean {
    const { book } = this.#book();
    const key = this.#key(path);
    if (key && book.doomed(key)) return true;
    if (this.#liveActives(this.#ctx.published(), identifier).some((a) => a.path !== path))
      return true;
    const profile = this.#profileKey(identifier);
    const reason = this.#ctx.activeReason(path);
    const replaced = reason === undefined || replacedReasons.has(reason);
    return replaced && profile !== null && book.starting(profile);
  }

  /** The activation a release without a hold of this engine's lets go of: the current one. */
  #heldNow(identifier: string): Held | null {
    const active = this.#current(this.#ctx.published(), identifier);
    const key = active ? this.#key(active.path) : null;
    return active && key ? { key, path: active.path, seen: true } : null;
  }

  /** The profile's activation that is up or coming up (the activated one first). */
  #current(snapshot: NmSnapshot, identifier: string): NmActiveConnection | null {
    const live = this.#liveActives(snapshot, identifier);
    return live.find((a) => a.state === ActiveState.Activated) ?? live[0] ?? null;
  }

  #liveActives(snapshot: NmSnapshot, identifier: string): NmActiveConnection[] {
    const parsed = parseIdentifier(identifier);
    if (parsed?.kind !== 'profile' || !snapshot.present) return [];
    return [...snapshot.actives.values()].filter(
      (a) => a.uuid === parsed.uuid && a.state <= ActiveState.Activated,
    );
  }

  /** The key of a profile (for start turns): `p` and its UUID, hashed, in place of a path. */
  #profileKey(identifier: string): string | null {
    const parsed = parseIdentifier(identifier);
    const { bus, owner } = this.#ctx.scope();
    if (parsed?.kind !== 'profile' || !owner) return null;
    return `${digest(bus, 12)}-${digest(owner, 12)}-p${digest(parsed.uuid, 15)}`;
  }

  #key(path: string): string | null {
    const { bus, owner } = this.#ctx.scope();
    return owner ? activationKey(bus, owner, path) : null;
  }

  /**
   * For the registry's sweep (only markers nobody holds): an activation of this bus is over
   * when NetworkManager has restarted since (another unique name) or no longer lists it. One of
   * another bus belongs to a bus daemon that is gone (restarted: its id is never seen again),
   * unless a second NetworkManager runs on a private bus (test sandboxes): after
   * `foreignMarkerMs` it is forgotten. Nothing is judged while NetworkManager is away.
   */
  #ended(key: string, markerAgeMs: number): boolean {
    const snapshot = this.#ctx.published();
    const { bus, owner } = this.#ctx.scope();
    if (!snapshot.present || !owner) return false;
    const [b, o, p] = key.split('-');
    if (b !== digest(bus, 12)) return markerAgeMs > foreignMarkerMs;
    if (o !== digest(owner, 12)) return true;
    return ![...snapshot.actives.keys()].some((path) => digest(path, 16) === p);
  }

  /** Opens the registry on first use; a directory that is not safe means in-process counting. */
  #book(): { book: HoldBook; shared: boolean } {
    if (this.#opened) return this.#opened;
    try {
      const registry = HoldRegistry.open({
        ...(this.#options.directory ? { directory: this.#options.directory } : {}),
        ended: (key, age) => this.#ended(key, age),
        problem: (message) => this.#options.warn(`holds registry: ${message}`),
      });
      this.#opened = { book: registry, shared: true };
    } catch (error) {
      // HoldRegistryError says why; anything else unexpected is refused the same way.
      const why = error instanceof Error ? error.message : String(error);
      this.#options.warn(
        `holds registry refused (${why}): holders are counted in this process only, ` +
          'and SystemSessionSupport is not offered',
      );
      this.#opened = { book: new LocalHoldBook(), shared: false };
    }
    return this.#opened;
  }
}

/** `<bus>-<NetworkManager instance>-<object path>`, each hashed to a fixed-length hex word. */
export function activationKey(bus: string, owner: string, path: string): string {
  return `${digest(bus, 12)}-${digest(owner, 12)}-${digest(path, 16)}`;
}

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** DeactivateConnection of one activation, then wait until NetworkManager says it is gone. */
async function deactivateActivation(
  ctx: HoldsContext,
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const aborted = () =>
    new EngineError('DisconnectionError', 'Deactivating was aborted.', { cause: signal.reason });
  if (signal.aborted) throw aborted();
  try {
    await ctx.call(nmPath, iface.manager, 'DeactivateConnection', 'o', [path]);
  } catch (error) {
    if (!isNotActive(error)) {
      throw engineErrorFrom(error, 'DisconnectionError', 'NetworkManager did not deactivate it');
    }
  }
  await ctx.waiters.wait(
    () => {
      const snapshot = ctx.published();
      if (!snapshot.present) {
        const why = 'NetworkManager stopped while deactivating.';
        return { failed: new EngineError('EngineUnavailable', why) };
      }
      const active = snapshot.actives.get(path);
      return !active || active.state >= ActiveState.Deactivated ? { done: undefined } : undefined;
    },
    signal,
    aborted,
  );
}

function isConnectError(error: unknown): boolean {
  return error instanceof EngineError && error.kind === 'ConnectError';
}

function isNotActive(error: unknown): boolean {
  return (
    (error as { errorName?: unknown })?.errorName ===
    'org.freedesktop.NetworkManager.ConnectionNotActive'
  );
}

/**
 * The fallback when the registry directory is not safe: this engine alone is the count, as if
 * it were the only netbearer process (the engine then does not offer SystemSessionSupport).
 */
class LocalHoldBook implements HoldBook {
  readonly #held = new Set<string>();
  readonly #marked = new Set<string>();
  readonly #doomed = new Set<string>();

  hold(key: string, broughtUp = false): boolean {
    if (this.#doomed.has(key)) return false;
    this.#held.add(key);
    if (broughtUp) this.#marked.add(key);
    return true;
  }

  release(key: string): ReleaseVerdict {
    this.#held.delete(key);
    if (this.#doomed.has(key)) return 'doomed';
    if (!this.#marked.delete(key)) return 'keep';
    this.#doomed.add(key);
    return 'take-down';
  }

  restore(key: string): void {
    this.#held.add(key);
    this.#marked.add(key);
    this.#doomed.delete(key);
  }

  doom(key: string): void {
    this.#doomed.add(key);
  }

  undoom(key: string): void {
    this.#doomed.delete(key);
  }

  clear(key: string): void {
    this.#held.delete(key);
    this.#marked.delete(key);
  }

  leave(key: string): void {
    this.#held.delete(key);
  }

  ended(key: string): void {
    this.#held.delete(key);
    this.#marked.delete(key);
    this.#doomed.delete(key);
  }

  rekey(from: string, to: string): void {
    if (this.#marked.delete(from)) this.#marked.add(to);
    this.#held.delete(from);
    this.#held.add(to);
  }

  leaveAll(): void {
    this.#held.clear();
    this.#marked.clear();
    this.#doomed.clear();
  }

  doomed(key: string): boolean {
    return this.#doomed.has(key);
  }

  /** In one engine a start never waits for another: NetworkManager's own answer decides. */
  beginStart(): boolean {
    return true;
  }

  starting(): boolean {
    return false;
  }

  endStart(): void {}

  finished(key: string): void {
    this.#doomed.delete(key);
  }
}
