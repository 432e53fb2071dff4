import type { Binding } from './binding.js';
import type { ServiceNetworks } from './service-network.js';

/**
 * Offers open sessions a better configuration to roam to: the engine's offers (a better
 * access point than the session's), and a service network's (a better member, or another one
 * once the session's member is lost). A session whose application does not listen for the
 * offer roams on its own (forced), where the configuration allows ForcedRoaming.
 */
export class RoamOffers {
  constructor(private readonly serviceNetworks: ServiceNetworks) {}

  /** The engine offers `to` as better than the access point the session is on. */
  fromEngine(b: Binding, to: string, seamless: boolean): void {
    if (!b.active || !b.isOpen || b.roaming) return;
    const upgrade = b.active.status === 'Up';
    // One engine report is offered once.
    const key = `${to}:${upgrade}`;
    if (b.offered === key) return;
    const forced = !b.owner.takesPartInRoaming();
    if (forced && !b.effective.hasCapability('ForcedRoaming')) return;
    b.offered = key;
    this.#send(b, to, seamless, upgrade, forced);
  }

  /** A session on a service network hears of a better member, or of one to move to. */
  fromServiceNetwork(b: Binding): void {
    if (!b.isOpen || b.roaming) return;
    const offer = this.serviceNetworks.offerFor(b);
    if (!offer) return;
    const forced = !b.owner.takesPartInRoaming();
    if (forced && !b.effective.hasCapability('ForcedRoaming')) return;
    const { member, upgrade } = offer;
    this.#send(b, member.record.identifier, member.status === 'Up', upgrade, forced);
  }

  #send(b: Binding, to: string, seamless: boolean, upgrade: boolean, forced: boolean): void {
    b.actor.send({ type: 'BETTER_CONFIGURATION', configuration: to, seamless, forced });
    // Offered because the old link is lost: once roaming, the session hears of that as the
    // link going down, so that declining the roam ends it.
    if (!upgrade && b.roaming) b.actor.send({ type: 'LINK_DOWN' });
  }
}
