import { SimulatedWorld } from '@netbearer/adapter-simulated';
import {
  NetworkConfiguration,
  NetworkConfigurationManager,
  NetworkSession,
  type SessionError,
} from '@netbearer/core';
import { hostOf, recordOf } from '@netbearer/core/internal';
import {
  type Coverage,
  roamingOf,
  type SessionContext,
  type SessionEvent,
  type SessionStateValue,
  sessionMachine,
  sessionStateOf,
} from '@netbearer/machines';
import { vi } from 'vitest';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import { drain } from '../support/drain.js';

export const connectDelay = 100;
export const disconnectDelay = 100;
/** The model names the configuration a session roams to by this placeholder. */
export const OTHER = 'other';

type Snapshot = ReturnType<Actor<typeof sessionMachine>['getSnapshot']>;

/** The abstract state the walk keys on: the value and the part of context that matters. */
export function keyOf(value: SessionStateValue, c: SessionContext): string {
  const roaming = roamingOf(value);
  const state = roaming ? `Roaming.${roaming.Step}/${roaming.OldLink}` : value;
  return `${state} b${+c.bound} o${+c.isOpen} p${+c.opening} s${+c.stopping}`;
}

/**
 * Drives the system under test — a real NetworkSession over a simulated world — so that its
 * session actor receives exactly the event the model step names, and compares the two.
 * The session S is on access point `a`; `b` is the one it roams to; a peer session on each
 * access point plays the other applications in the process.
 */
export class SessionHarness {
  readonly world = new SimulatedWorld({ connectDelay, disconnectDelay });
  readonly a = this.world.addAccessPoint({ name: 'a', interfaceName: 'wlan0' });
  readonly b = this.world.addAccessPoint({
    name: 'b',
    interfaceName: 'eth0',
    bearerType: 'Ethernet',
  });
  readonly model: Actor<typeof sessionMachine> = createActor(sessionMachine);
  manager!: NetworkConfigurationManager;
  session: NetworkSession | undefined;
  readonly #peers = new Map<string, NetworkSession>();
  readonly #seen: string[] = [];
  readonly #modelSaw: string[] = [];
  /** The events each session actor received, by the actor's sessionId. */
  readonly #received = new Map<string, string[]>();
  readonly #preferredListener = (c: NetworkConfiguration, seamless: boolean) =>
    this.#seen.push(
      `preferred:${c.identifier() === this.other ? OTHER : c.identifier()}:${seamless}`,
    );

  constructor(private readonly coverage: Coverage) {}

  async start(): Promise<void> {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    this.manager = await NetworkConfigurationManager.create({
      engines: [this.world.engine()],
      inspect: (event) => this.#inspect(event),
    });
    // The public order of one transition's events: the rest, the state change, then errors.
    const emitted: string[] = [];
    this.model.on('*', (e) => emitted.push(describe(e)));
    let last = sessionStateOf(this.model.getSnapshot().value);
    this.model.subscribe(({ value }) => {
      const now = emitted.splice(0);
      const state = sessionStateOf(value);
      this.#modelSaw.push(...now.filter((e) => !e.startsWith('error:')));
      if (state !== last) this.#modelSaw.push(`state:${state}`);
      this.#modelSaw.push(...now.filter((e) => e.startsWith('error:')));
      last = state;
    });
    this.model.start();
  }

  async stop(): Promise<void> {
    this.session?.dispose();
    for (const peer of this.#peers.values()) peer.dispose();
    this.model.stop();
    await this.manager.dispose();
    vi.useRealTimers();
  }

  /** The access point S follows now, and the other one. */
  get current(): string {
    const active = this.session?.isOpen()
      ? this.session.sessionProperty('ActiveConfiguration')
      : '';
    return typeof active === 'string' && active !== '' ? active : this.a;
  }
  get other(): string {
    return this.current === this.a ? this.b : this.a;
  }

  /** Realises one model event on the system under test, then advances the model. */
  async step(event: SessionEvent): Promise<void> {
    const before = this.model.getSnapshot();
    this.#seen.length = this.#modelSaw.length = 0;
    this.#received.clear();
    await this.#realise(event, before);
    await drain();
    this.model.send(event);
    // Binding happens inside the constructor: a new session reports no state change.
    if (event.type === 'BIND') this.#modelSaw.length = 0;
  }

  /** Throws with a precise message where the system under test and the model differ. */
  check(event: SessionEvent | undefined): void {
    const model = this.model.getSnapshot();
    const s = this.session;
    const where = `after ${event?.type ?? 'start'} expecting ${keyOf(model.value, model.context)}`;
    if (!s) {
      if (model.value !== 'Invalid') throw new Error(`no session yet ${where}`);
      return;
    }
    const actual = s.actor.getSnapshot();
    const mismatches: string[] = [];
    const expectKey = keyOf(model.value, model.context);
    const actualKey = keyOf(actual.value, actual.context);
    if (actualKey !== expectKey) mismatches.push(`machine ${actualKey}`);
    if (s.state() !== sessionStateOf(model.value)) mismatches.push(`state() ${s.state()}`);
    if (s.isOpen() !== model.context.isOpen) mismatches.push(`isOpen() ${s.isOpen()}`);
    if (s.error() !== model.context.error.error) mismatches.push(`error() ${s.error()}`);
    const expected = this.#modelSaw.join(' ');
    const seen = this.#seen.join(' ');
    if (expected !== seen) mismatches.push(`events [${seen}] instead of [${expected}]`);
    const received = this.#received.get(s.actor.sessionId) ?? [];
    if (event && this.#tracked() && !received.includes(event.type)) {
      mismatches.push(
        `the session never received ${event.type} (got ${received.join(',') || 'nothing'})`,
      );
    }
    if (mismatches.length > 0) throw new Error(`${mismatches.join('; ')} — ${where}`);
    this.coverage.sawState(actual.value);
  }

  #tracked(): boolean {
    return this.session?.configuration().isValid() === true;
  }

  #inspect(event: InspectionEvent): void {
    this.coverage.inspect(event);
    if (event.type === '@xstate.event') {
      const list = this.#received.get(event.actorRef.sessionId) ?? [];
      list.push(event.event.type);
      this.#received.set(event.actorRef.sessionId, list);
    }
  }

  #create(configuration: NetworkConfiguration): NetworkSession {
    const s = new NetworkSession(configuration);
    s.on('opened', () => this.#seen.push('opened'));
    s.on('closed', () => this.#seen.push('closed'));
    s.on('error', (e: SessionError) => this.#seen.push(`error:${e}`));
    s.on('newConfigurationActivated', () => this.#seen.push('newConfigurationActivated'));
    s.on('stateChanged', (state) => this.#seen.push(`state:${state}`));
    s.on('preferredConfigurationChanged', this.#preferredListener);
    return s;
  }

  #peer(identifier: string): NetworkSession {
    let peer = this.#peers.get(identifier);
    if (!peer) {
      peer = new NetworkSession(this.manager.configurationFromIdentifier(identifier));
      this.#peers.set(identifier, peer);
    }
    return peer;
  }

  /** Makes the peer hold S's link, so that S letting go does not bring it down. */
  async #peerHolds(): Promise<void> {
    const peer = this.#peer(this.current);
    const { isOpen, opening } = peer.actor.getSnapshot().context;
    if (isOpen || opening) return;
    peer.open();
    await drain();
  }

  async #advance(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
  }

  #link() {
    const record = recordOf(this.manager.configurationFromIdentifier(this.current));
    return hostOf(this.manager).linkOf(record);
  }

  #linkMode(): 'release' | 'stop' {
    return this.#link().actor.getSnapshot().context.mode;
  }

  async #realise(event: SessionEvent, before: Snapshot): Promise<void> {
    const { value, context } = before;
    const s = this.session;
    const cur = this.current;
    switch (event.type) {
      case 'BIND':
        await this.#prepare(event.status);
        this.session = this.#create(this.manager.configurationFromIdentifier(this.a));
        return;
      case 'OPEN':
        this.session ??= this.#create(new NetworkConfiguration());
        return this.session.open();
      case 'CLOSE':
        if (value === 'Connected' || value === 'Connecting' || roamingOf(value)?.OldLink === 'Up') {
          await this.#peerHolds();
        }
        return s?.close();
      case 'STOP':
        return s?.stop();
      case 'MIGRATE':
        return s?.migrate();
      case 'IGNORE':
        return s?.ignore();
      case 'ACCEPT':
        return s?.accept();
      case 'REJECT':
        return s?.reject();
      case 'LINK_STARTING':
        return this.#peer(cur).open();
      case 'LINK_UP':
        if (value === 'Connecting') return this.#advance(connectDelay);
        if (value === 'Closing') {
          this.world.refuseNextStop(cur);
          return this.#advance(disconnectDelay);
        }
        return this.world.activate(cur);
      case 'LINK_STOPPING': {
        const peer = this.#peer(cur);
        // A link this process joined is never taken down by a close: only a stop does that.
        if (context.isOpen || context.opening || this.#link().ownership === 'Joined') {
          return peer.stop();
        }
        if (value === 'Connected') await this.#peerHolds();
        return peer.close();
      }
      case 'LINK_DOWN':
        if (value === 'Closing') return this.#advance(disconnectDelay);
        if (this.world.state(cur) === 'Active') return this.world.loseLink(cur);
        return this.world.setInRange(cur, true);
      case 'LINK_UNAVAILABLE':
        return this.world.setInRange(cur, false);
      case 'LINK_REMOVED':
        return this.world.remove(cur);
      case 'CONNECT_FAILED':
        this.world.failNextConnect(cur, 'ConnectError', event.failure.message);
        return this.#advance(connectDelay);
      case 'STOP_REFUSED':
        // A release in progress is turned into a stop by another session; S sees nothing.
        if (this.#linkMode() === 'release') this.#peer(cur).stop();
        this.world.refuseNextStop(cur);
        return this.#advance(disconnectDelay);
      case 'BETTER_CONFIGURATION': {
        s?.off('preferredConfigurationChanged', this.#preferredListener);
        if (!event.forced) s?.on('preferredConfigurationChanged', this.#preferredListener);
        const other = this.other;
        if (this.world.state(other) === 'Active') {
          this.world.loseLink(other);
          await drain();
        }
        return this.world.offerBetter(cur, other, event.seamless);
      }
      case 'ROAM_TARGET_UP':
        return this.#advance(connectDelay);
      case 'ROAM_TARGET_FAILED':
        if (roamingOf(value)?.Step === 'Activated') return this.world.loseLink(this.other);
        this.world.failNextConnect(this.other, 'ConnectError', event.failure.message);
        return this.#advance(connectDelay);
    }
  }

  /** Puts link `a` in the status S is to be bound in, before S exists. */
  async #prepare(status: string): Promise<void> {
    const peer = () => this.#peer(this.a);
    switch (status) {
      case 'Unavailable':
        this.world.setInRange(this.a, false);
        break;
      case 'Starting':
        peer().open();
        break;
      case 'Up':
        this.world.activate(this.a);
        break;
      case 'Stopping':
        // A release in progress: the last holder lets go and the link goes down slowly.
        peer().open();
        await this.#advance(connectDelay);
        peer().close();
        break;
    }
    await drain();
  }
}

function describe(e: { type: string } & Record<string, unknown>): string {
  switch (e.type) {
    case 'error':
      return `error:${String(e.error)}`;
    case 'preferredConfigurationChanged':
      return `preferred:${String(e.configuration)}:${String(e.seamless)}`;
    default:
      return e.type;
  }
}
