/**
 * NetworkManager as seen over one D-Bus connection: who owns the name, the mirrored object
 * tree, the saved profiles' settings, and the reasons active connections gave for their last
 * state. Driven only by signals; `changed` fires (coalesced per microtask) when any of it moved.
 */
import type { MessageBus } from 'dbus-next';
import { type CallReply, DBusClient, type SignalMessage } from './dbus-client.js';
import { NmReplyError } from './dbus-values.js';
import { DeviceState, iface, nmService, objectManagerPath } from './nm-constants.js';
import { NmObjectStore } from './nm-objects.js';
import { type NmProfile, readProfile } from './nm-records.js';
import { absentSnapshot, readSnapshot, type SnapshotReading } from './snapshot.js';

const busName = 'org.freedesktop.DBus';
const nmSignal = (rule: string) => `type='signal',sender='${nmService}',${rule}`;
const matchRules = [
  nmSignal(`interface='${iface.objectManager}'`),
  nmSignal(`interface='${iface.properties}',member='PropertiesChanged'`),
  nmSignal(`interface='${iface.profile}',member='Updated'`),
  nmSignal(`interface='${iface.active}',member='StateChanged'`),
  `type='signal',sender='${busName}',interface='${busName}',member='NameOwnerChanged',arg0='${nmService}'`,
];

function isNoOwner(error: unknown): boolean {
  const name = (error as { errorName?: unknown } | null)?.errorName;
  return (
    name === 'org.freedesktop.DBus.Error.NameHasNoOwner' ||
    name === 'org.freedesktop.DBus.Error.ServiceUnknown'
  );
}

export interface MirrorListener {
  /** Something in the mirror changed (never while a load is half done). */
  changed(): void;
  /**
   * NetworkManager left the bus (also when its name passes straight to a new instance), or a
   * new instance appeared and has been loaded.
   */
  presence(present: boolean): void;
  /** The connection to the bus itself is gone; nothing will change any more. */
  closed(error: Error): void;
  /** NetworkManager described something in a shape its API does not document. */
  problem(error: NmReplyError): void;
}

export class NmMirror {
  readonly store = new NmObjectStore();
  readonly #client: DBusClient;
  readonly #listener: MirrorListener;
  readonly #profiles = new Map<string, NmProfile>();
  readonly #profileTickets = new Map<string, number>();
  readonly #activeReasons = new Map<string, number>();
  readonly #deviceFailures = new Map<string, number>();
  /**
   * Active connections removed lately, with their last reason: one that NetworkManager adds
   * and removes within a single batch of signals never shows in a picture, and a connect
   * waiting for it must still learn that it failed, and why. Bounded; paths are not reused.
   */
  readonly #goneActives = new Map<string, number | undefined>();
  #owner: string | null = null;
  #busId = '';
  /** The mirror holds a complete load of the current owner's objects. */
  #synced = false;
  /** Signals held while GetManagedObjects is on its way; null when not waiting for one. */
  #held: SignalMessage[] | null = null;
  #reloads = 0;
  #epoch = 0;
  #changeQueued = false;
  #lastProfiles: readonly NmProfile[] = [];
  /** Match rules this mirror added, to take back from a connection the caller keeps. */
  readonly #matched: string[] = [];

  private constructor(client: DBusClient, listener: MirrorListener) {
    this.#client = client;
    this.#listener = listener;
    client.onSignal((signal) => this.#signal(signal));
    client.onClose((error) => {
      this.#owner = null;
      this.#synced = false;
      listener.closed(error);
    });
  }

  /**
   * Connects (or attaches to a connection the caller keeps), subscribes, and loads; rejects if
   * the bus or NetworkManager is not there. With `allowAbsent` (reconnecting) a bus without
   * NetworkManager on it is fine: the mirror waits, signal-driven, for it to appear (then
   * `presence(true)`). An aborted `signal` gives up and closes what was opened.
   */
  static async open(
    bus: string | MessageBus,
    listener: MirrorListener,
    options: { readonly allowAbsent?: boolean; readonly signal?: AbortSignal } = {},
  ): Promise<NmMirror> {
    const { signal } = options;
    const client =
      typeof bus === 'string'
        ? await DBusClient.connect(bus, undefined, signal)
        : await DBusClient.attach(bus);
    const mirror = new NmMirror(client, listener);
    const abort = () => client.disconnect();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      if (signal?.aborted) throw new Error('Opening the D-Bus connection was aborted.');
      for (const rule of matchRules) {
        await client.addMatch(rule);
        mirror.#matched.push(rule);
      }
      const epoch = mirror.#epoch;
      const owner = await mirror.#nameOwner().catch((error: unknown) => {
        if (options.allowAbsent && isNoOwner(error)) return null;
        throw error;
      });
      mirror.#busId = await mirror.#readBusId();
      // A NameOwnerChanged that came meanwhile is newer than the answer, and already handled.
      if (epoch === mirror.#epoch) {
        mirror.#owner = owner;
        if (owner !== null) await mirror.reload();
      }
      return mirror;
    } catch (error) {
      await mirror.close();
      throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  get present(): boolean {
    return this.#owner !== null && this.#synced;
  }

  /** The bus daemon's id (org.freedesktop.DBus.GetId): tells this bus from every other. */
  get busId(): string {
    return this.#busId;
  }

  /** NetworkManager's unique name on the bus: a new one after every restart. */
  get owner(): string | null {
    return this.#owner;
  }

  /** The current picture; while NetworkManager is away, the last known profiles only. */
  snapshot(): SnapshotReading {
    if (!this.present) return { snapshot: absentSnapshot(this.#lastProfiles), problems: [] };
    return readSnapshot(this.store, [...this.#profiles.values()], true);
  }

  /** The reason NetworkManager gave with an active connection's last StateChanged. */
  activeReason(path: string): number | undefined {
    return this.#activeReasons.get(path) ?? this.#goneActives.get(path);
  }

  /** Whether the active connection at `path` was removed (since NetworkManager started). */
  activeGone(path: string): boolean {
    return this.#goneActives.has(path);
  }

  /** Why a device last failed, until it starts activating again (NMDeviceStateReason). */
  deviceFailure(path: string): number | undefined {
    return this.#deviceFailures.get(path);
  }

  /** Calls NetworkManager itself. */
  call(
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: readonly unknown[] = [],
  ): Promise<CallReply> {
    return this.#client.call({
      destination: nmService,
      path,
      interface: iface,
      member,
      signature,
      body,
    });
  }

  /**
   * Re-reads everything. Signals that arrive while the snapshot is on its way are held and
   * replayed only if the bus delivered them after the snapshot's reply: none lost, none twice.
   */
  async reload(): Promise<void> {
    const epoch = this.#epoch;
    this.#reloads += 1;
    try {
      await this.#loadObjects(epoch);
      if (epoch !== this.#epoch) return;
      await this.#loadProfiles(epoch);
      if (epoch !== this.#epoch) return;
      this.#synced = true;
    } finally {
      this.#reloads -= 1;
    }
    this.#queueChanged();
  }

  /**
   * Stops following NetworkManager. A connection of its own is closed (the bus drops its match
   * rules with it); on the caller's connection it removes its match rules (each bounded by
   * `timeoutMs`) and its listeners, and leaves the connection open.
   */
  async close(timeoutMs = 2_000): Promise<void> {
    this.#epoch += 1;
    const rules = this.#matched.splice(0);
    if (!this.#client.owned && !this.#client.closed) {
      await Promise.allSettled(rules.map((rule) => this.#client.removeMatch(rule, timeoutMs)));
    }
    this.#client.disconnect();
  }

  async #loadObjects(epoch: number): Promise<void> {
    this.#held ??= [];
    let reply: CallReply;
    try {
      reply = await this.call(objectManagerPath, iface.objectManager, 'GetManagedObjects');
    } catch (error) {
      if (epoch === this.#epoch) this.#held = null;
      throw error;
    }
    if (epoch !== this.#epoch) return;
    const held = this.#held ?? [];
    this.#held = null;
    this.store.replace(reply.body[0]);
    for (const signal of held) if (signal.seq > reply.seq) this.#apply(signal);
  }

  async #loadProfiles(epoch: number): Promise<void> {
    const paths = new Set([...this.store.withInterface(iface.profile)].map(([path]) => path));
    for (const path of this.#profiles.keys()) if (!paths.has(path)) this.#forgetProfile(path);
    await Promise.all([...paths].map((path) => this.#fetchProfile(path)));
    if (epoch === this.#epoch) this.#lastProfiles = [...this.#profiles.values()];
  }

  /** GetSettings of one profile; a later fetch of the same path wins over an earlier one. */
  async #fetchProfile(path: string): Promise<void> {
    const epoch = this.#epoch;
    const ticket = (this.#profileTickets.get(path) ?? 0) + 1;
    this.#profileTickets.set(path, ticket);
    let profile: NmProfile | null = null;
    try {
      const reply = await this.call(path, iface.profile, 'GetSettings');
      profile = readProfile(path, reply.body[0]);
    } catch (error) {
      // A profile this client may not read (connection.permissions), or one deleted meanwhile.
      if (error instanceof NmReplyError) this.#listener.problem(error);
    }
    if (epoch !== this.#epoch || this.#profileTickets.get(path) !== ticket) return;
    if (profile && this.store.get(path, iface.profile)) this.#profiles.set(path, profile);
    else this.#profiles.delete(path);
    if (this.#synced) this.#lastProfiles = [...this.#profiles.values()];
  }

  async #nameOwner(): Promise<string> {
    const reply = await this.#client.call({
      destination: busName,
      path: '/org/freedesktop/DBus',
      interface: busName,
      member: 'GetNameOwner',
      signature: 's',
      body: [nmService],
    });
    const owner = reply.body[0];
    if (typeof owner !== 'string' || owner.length === 0) {
      throw new NmReplyError(`GetNameOwner(${nmService}): expected a unique name`);
    }
    return owner;
  }

  async #readBusId(): Promise<string> {
    try {
      const reply = await this.#client.call({
        destination: busName,
        path: '/org/freedesktop/DBus',
        interface: busName,
        member: 'GetId',
      });
      return typeof reply.body[0] === 'string' ? reply.body[0] : '';
    } catch {
      return ''; // A bus without GetId: activations are told apart by the rest of their key.
    }
  }

  #signal(signal: SignalMessage): void {
    if (signal.sender === busName) this.#ownerChanged(signal.body);
    else if (signal.sender !== this.#owner) return;
    else if (this.#held) this.#held.push(signal);
    else this.#apply(signal);
  }

  #apply(signal: SignalMessage): void {
    const [a, b] = signal.body;
    switch (`${signal.interface}.${signal.member}`) {
      case `${iface.objectManager}.InterfacesAdded`:
        if (this.store.addInterfaces(a, b).includes(iface.profile)) void this.#refetch(String(a));
        break;
      case `${iface.objectManager}.InterfacesRemoved`: {
        const removed = this.store.removeInterfaces(a, b);
        if (removed.includes(iface.profile)) this.#forgetProfile(String(a));
        if (removed.includes(iface.active)) this.#activeGone(String(a));
        this.#activeReasons.delete(String(a));
        break;
      }
      case `${iface.properties}.PropertiesChanged`:
        if (!this.store.updateProperties(signal.path, a, b)) return;
        if (a === iface.device) this.#noteDeviceState(signal.path);
        break;
      case `${iface.profile}.Updated`:
        void this.#refetch(signal.path);
        return;
      case `${iface.active}.StateChanged`:
        if (typeof b === 'number') this.#activeReasons.set(signal.path, b);
        break;
      default:
        return;
    }
    this.#queueChanged();
  }

  #activeGone(path: string): void {
    this.#goneActives.set(path, this.#activeReasons.get(path));
    if (this.#goneActives.size > 64) {
      const oldest = this.#goneActives.keys().next().value;
      if (oldest !== undefined) this.#goneActives.delete(oldest);
    }
  }

  /** The active connection only says "the device disconnected"; the device says why. */
  #noteDeviceState(path: string): void {
    const stateReason = this.store.get(path, iface.device)?.StateReason;
    if (!Array.isArray(stateReason)) return;
    const [state, reason] = stateReason;
    if (state === DeviceState.Failed && typeof reason === 'number')
      this.#deviceFailures.set(path, reason);
    else if (
      typeof state === 'number' &&
      state > DeviceState.Disconnected &&
      state <= DeviceState.Activated
    ) {
      this.#deviceFailures.delete(path);
    }
  }

  async #refetch(path: string): Promise<void> {
    await this.#fetchProfile(path);
    this.#queueChanged();
  }

  #forgetProfile(path: string): void {
    this.#profiles.delete(path);
    this.#profileTickets.delete(path);
    if (this.#synced) this.#lastProfiles = [...this.#profiles.values()];
  }

  /** NameOwnerChanged(name, old, new): NetworkManager stopped, or a new instance started. */
  #ownerChanged(body: readonly unknown[]): void {
    const [name, , owner] = body;
    if (name !== nmService || typeof owner !== 'string') return;
    const hadOwner = this.#owner !== null;
    this.#epoch += 1;
    this.#held = null;
    this.#synced = false;
    this.store.clear();
    this.#profiles.clear();
    this.#profileTickets.clear();
    this.#activeReasons.clear();
    this.#deviceFailures.clear();
    this.#goneActives.clear();
    this.#owner = owner.length > 0 ? owner : null;
    // The instance we knew is gone, even when the name passes straight to a new one.
    if (hadOwner) this.#listener.presence(false);
    if (!this.#owner) {
      this.#queueChanged();
      return;
    }
    this.reload().then(
      () => {
        if (this.present) this.#listener.presence(true);
      },
      () => {
        // It left again while loading: its NameOwnerChanged brings the next step.
      },
    );
  }

  #queueChanged(): void {
    if (this.#changeQueued) return;
    this.#changeQueued = true;
    queueMicrotask(() => {
      this.#changeQueued = false;
      if (this.#reloads === 0) this.#listener.changed();
    });
  }
}
