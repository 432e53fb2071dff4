import {
  type Failure,
  type LinkOwnership,
  type LinkStatus,
  type linkMachine,
  linkOwnershipOf,
  linkStatusOf,
  linkStatusOfValue,
} from '@netbearer/machines';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import type { ConfigurationRecord } from './configuration-record.js';
import { linkConfigurators } from './network-configuration.js';

export type LinkLogic = typeof linkMachine;

export interface LinkObserver {
  linkChanged(link: Link): void;
  linkFailed(link: Link, failure: Failure): void;
  stopRefused(link: Link, failure: Failure): void;
}

/** One access point's link machine, running, with the status core routes from. */
export class Link {
  readonly actor: Actor<LinkLogic>;
  status: LinkStatus = 'Unavailable';
  /** Epoch ms at which the link was last seen coming up. */
  upSince: number | undefined;

  constructor(
    readonly record: ConfigurationRecord,
    logic: LinkLogic,
    observer: LinkObserver,
    inspect: ((event: InspectionEvent) => void) | undefined,
  ) {
    const input = {
      identifier: record.identifier,
      canStop: record.hasCapability('CanStartAndStopInterfaces'),
      shared: record.hasCapability('SystemSessionSupport'),
      connectTimeout: record.connectTimeout,
    };
    this.actor = createActor(logic, inspect ? { input, inspect } : { input });
    this.actor.on('failed', ({ failure }) => observer.linkFailed(this, failure));
    this.actor.on('stopRefused', ({ failure }) => observer.stopRefused(this, failure));
    this.actor.start();
    // The first observation sets the status; nobody is told, since nobody follows it yet.
    this.observe();
    this.status = linkStatusOfValue(this.actor.getSnapshot().value);
    if (this.status === 'Up') this.upSince = Date.now();
    this.actor.subscribe((snapshot) => {
      const status = linkStatusOfValue(snapshot.value);
      if (status === this.status) return;
      if (status === 'Up') this.upSince = Date.now();
      this.status = status;
      observer.linkChanged(this);
      // A start can fail while the platform reports the link up anyway (someone else
      // brought it up): look again, so the link follows what is really there.
      if (status === 'Down' && record.valid && record.state === 'Active') this.observe();
    });
    linkConfigurators.set(record, (connectTimeout) =>
      this.actor.send({ type: 'CONFIGURE', connectTimeout }),
    );
  }

  /** How many sessions of this process hold the link, as its machine counts them. */
  get holders(): number {
    return this.actor.getSnapshot().context.holders;
  }

  /** Whether this process brought the link up or joined it; null while it is not up. */
  get ownership(): LinkOwnership | null {
    return linkOwnershipOf(this.actor.getSnapshot().value);
  }

  /** Tells the link machine what the engine now reports. */
  observe(): void {
    if (!this.record.valid) this.actor.send({ type: 'REMOVED' });
    else this.actor.send({ type: 'OBSERVED', state: this.record.state });
  }

  stop(): void {
    this.actor.stop();
  }
}

/** The status of a record whether or not a link machine runs for it yet. */
export function statusOf(record: ConfigurationRecord, link: Link | undefined): LinkStatus {
  if (link) return link.status;
  return record.valid ? linkStatusOf(record.state) : 'Removed';
}
