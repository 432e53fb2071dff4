// A tour of netbearer on the simulated engine: list configurations, open a session, roam
// to a better network when it appears, and close. Run it with `pnpm tour`.
import { createDemoWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager, NetworkSession } from '@netbearer/core';

export async function tour(print: (line: string) => void = console.log): Promise<void> {
  const { world, ids } = createDemoWorld({ connectDelay: 20, disconnectDelay: 5 });
  const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });

  for (const c of manager.allConfigurations()) {
    print(
      `${c.name().padEnd(12)} ${c.type().padEnd(20)} ${c.state().padEnd(11)} ${c.bearerTypeName()}`,
    );
  }
  print(`online: ${manager.isOnline()}, default: ${manager.defaultConfiguration().name()}`);

  const session = new NetworkSession(manager.configurationFromIdentifier(ids.internet));
  session.on('stateChanged', (state) => print(`session: ${state}`));
  session.on('preferredConfigurationChanged', (better, seamless) => {
    print(`a better network: ${better.name()} (seamless: ${seamless}) — migrating`);
    session.migrate();
  });
  session.on('newConfigurationActivated', () => {
    print(`now on ${String(session.sessionProperty('ActiveConfiguration'))} — accepting`);
    session.accept();
  });

  session.open();
  if (!(await session.waitForOpened(1000))) throw new Error(session.errorString());
  print(
    `opened on ${String(session.sessionProperty('ActiveConfiguration'))} via ${session.interface()?.name}`,
  );

  world.setInRange(ids.wired, true); // someone plugs in the cable
  await new Promise((resolve) =>
    session.once('stateChanged', () => session.once('stateChanged', resolve)),
  );
  print(`roamed to ${String(session.sessionProperty('ActiveConfiguration'))}`);

  session.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  // Wired came up for this session and goes down with it; Home Wi-Fi was up before the tour
  // (the user's own connection): the session joined it, and leaves it up.
  const state = (id: string) => manager.configurationFromIdentifier(id).state();
  print(`closed; wired is ${state(ids.wired)}, home wi-fi is ${state(ids.home)}`);
  await manager.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await tour();
