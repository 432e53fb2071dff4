import type { LinkStatus } from '@netbearer/machines';
import type { Binding } from './binding.js';
import type { ConfigurationRecord } from './configuration-record.js';
import type { Link } from './link.js';

/** A member a session on a service network may roam to, and whether its own is still up. */
export interface MemberOffer {
  readonly member: Link;
  /** The session's member is still up: the offer is an upgrade, declining it keeps the old. */
  readonly upgrade: boolean;
}

/** How a service network's status reads: its liveliest member's. */
const summaryOrder: readonly LinkStatus[] = ['Up', 'Starting', 'Stopping', 'Down', 'Unavailable'];

/**
 * Service networks, implemented in core on top of any engine: an ordered group of access
 * points (most preferred first). A session on one follows the best member, and is offered a
 * roam when a better member comes in reach or up, or when its own member is lost.
 */
export class ServiceNetworks {
  constructor(
    private readonly recordOf: (identifier: string) => ConfigurationRecord | undefined,
    private readonly linkOf: (record: ConfigurationRecord) => Link,
  ) {}

  /** The links of a service network's access points, in its order of preference. */
  members(record: ConfigurationRecord): Link[] {
    const links: Link[] = [];
    for (const id of record.children) {
      const child = this.recordOf(id);
      if (child?.valid && child.type === 'InternetAccessPoint') links.push(this.linkOf(child));
    }
    return links;
  }

  /**
   * The member a session opens on: the most preferred one that is up (no wait), else the
   * most preferred one that can be brought up.
   */
  memberToOpen(record: ConfigurationRecord): Link | undefined {
    const members = this.members(record);
    return (
      members.find((link) => link.status === 'Up') ?? members.find((link) => link.status === 'Down')
    );
  }

  /** What a session that follows the whole network (none of its members) sees. */
  status(record: ConfigurationRecord): LinkStatus {
    const statuses = new Set(this.members(record).map((link) => link.status));
    return summaryOrder.find((status) => statuses.has(status)) ?? 'Unavailable';
  }

  /** The member that is up, for a session's interface and statistics. */
  upMember(record: ConfigurationRecord): Link | undefined {
    return this.members(record).find((link) => link.status === 'Up');
  }

  /** Stopping a service network nobody here opened stops every member that is up. */
  stop(record: ConfigurationRecord): void {
    for (const link of this.members(record)) {
      if (link.status === 'Up' || link.status === 'Starting') link.actor.send({ type: 'STOP' });
    }
  }

  /**
   * The member an open session on a service network is to be offered now, if that is news.
   * While its member is up, only a more preferred member is better; once it is lost, any other
   * usable member, one that is up first (a seamless move). A member is offered when it changes
   * (comes in reach, comes up), not for being there: one already offered, or already in view
   * when the session moved, is no news.
   */
  offerFor(b: Binding): MemberOffer | undefined {
    const current = b.active;
    if (b.effective.type !== 'ServiceNetwork' || !current) return undefined;
    const members = this.members(b.effective);
    const upgrade = current.status === 'Up' || current.status === 'Stopping';
    const others = members.filter((link) => link !== current);
    const usable = (link: Link) => link.status === 'Up' || link.status === 'Down';
    const best = upgrade
      ? members.slice(0, members.indexOf(current)).find(usable)
      : (others.find((link) => link.status === 'Up') ?? others.find(usable));
    const id = best?.record.identifier;
    if (!best || !id || b.members.get(id) === best.status) return undefined;
    b.members.set(id, best.status);
    return { member: best, upgrade };
  }

  /** Remembers how the members look from where the session now is. */
  viewFrom(b: Binding): void {
    b.members.clear();
    if (b.effective.type !== 'ServiceNetwork') return;
    for (const link of this.members(b.effective))
      b.members.set(link.record.identifier, link.status);
  }
}
