import type { createDemoWorld } from '@netbearer/adapter-simulated';
import { type NetworkConfigurationManager, NetworkSession } from '@netbearer/core';

type DemoWorld = ReturnType<typeof createDemoWorld>;

/**
 * Life in the demo world, for `netbearer inspect --engine simulated`: sessions open, share and
 * close links, roam between service-network members as the cable is plugged in and out, take
 * an engine's roaming offer (accepted one time, rejected the next) and stop a link. One step
 * every `pace` ms, round and round, until `stop()`.
 */
export function startDemoActivity(
  manager: NetworkConfigurationManager,
  { world, ids }: DemoWorld,
  pace = 1_500,
): { stop(): void } {
  const session = (id: string) => new NetworkSession(manager.configurationFromIdentifier(id));
  const roaming = session(ids.internet);
  const home = [session(ids.home), session(ids.home)];
  const cafe = session(ids.cafe);
  const mobile = session(ids.mobile);
  let acceptRoam = true;
  roaming.on('preferredConfigurationChanged', () => roaming.migrate());
  roaming.on('newConfigurationActivated', () => roaming.accept());
  cafe.on('preferredConfigurationChanged', () => cafe.migrate());
  cafe.on('newConfigurationActivated', () => {
    if (acceptRoam) cafe.accept();
    else cafe.reject();
    acceptRoam = !acceptRoam;
  });

  const steps: Array<() => void> = [
    () => roaming.open(),
    () => {
      for (const s of home) s.open();
    },
    () => world.setInRange(ids.wired, true),
    () => cafe.open(),
    () => world.offerBetter(ids.cafe, ids.home, true),
    () => mobile.open(),
    () => world.setInRange(ids.wired, false),
    () => mobile.stop(),
    () => {
      for (const s of home) s.close();
    },
    () => cafe.close(),
    () => roaming.close(),
  ];
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    steps[next]?.();
    next = (next + 1) % steps.length;
    timer = setTimeout(tick, pace);
  };
  timer = setTimeout(tick, pace / 3);
  return {
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
