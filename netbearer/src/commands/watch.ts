import type { NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import type { Terminal } from '../command-line.js';
import { untilInterrupted } from '../interruption.js';
import { printable } from '../terminal-text.js';

type Fields = Record<string, string | boolean | null>;

/** Prints events until interrupted; the manager is disposed by the caller. */
export async function watchCommand(
  manager: NetworkConfigurationManager,
  options: { json: boolean },
  terminal: Terminal,
): Promise<number> {
  const print = (event: string, fields: Fields) => {
    const time = new Date().toISOString();
    if (options.json) {
      terminal.out(JSON.stringify({ time, event, ...fields }));
      return;
    }
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? printable(v) : String(v)}`)
      .join(' ');
    terminal.out(`${time} ${event} ${text}`);
  };
  const configuration = (c: NetworkConfiguration): Fields => ({
    identifier: c.identifier(),
    name: c.name(),
    state: c.state(),
  });
  manager.on('configurationAdded', (c) => print('configurationAdded', configuration(c)));
  manager.on('configurationChanged', (c) => print('configurationChanged', configuration(c)));
  manager.on('configurationRemoved', (c) => print('configurationRemoved', configuration(c)));
  manager.on('onlineStateChanged', (online) => print('onlineStateChanged', { online }));
  manager.on('updateCompleted', () => print('updateCompleted', {}));
  manager.on('reachabilityChanged', (reachability) =>
    print('reachabilityChanged', { reachability }),
  );
  manager.on('isBehindCaptivePortalChanged', (portal) =>
    print('isBehindCaptivePortalChanged', { portal }),
  );
  manager.on('transportMediumChanged', (medium) => print('transportMediumChanged', { medium }));
  manager.on('isMeteredChanged', (metered) => print('isMeteredChanged', { metered }));
  print('watching', { engine: manager.engineNames().join(','), online: manager.isOnline() });
  await untilInterrupted(terminal.interrupted).done;
  return 0;
}
