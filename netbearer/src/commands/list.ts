import type { NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import type { Terminal } from '../command-line.js';
import { printable, table } from '../terminal-text.js';

/** What `netbearer list --json` prints for one configuration. */
export function describeConfiguration(c: NetworkConfiguration) {
  return {
    identifier: c.identifier(),
    name: c.name(),
    type: c.type(),
    state: c.state(),
    bearerType: c.bearerType(),
    purpose: c.purpose(),
    interface: c.interfaceName(),
    roamingAvailable: c.isRoamingAvailable(),
    children: c.children().map((child) => child.identifier()),
    unknownReason: c.unknownReason(),
  };
}

export async function listCommand(
  manager: NetworkConfigurationManager,
  options: { json: boolean },
  terminal: Terminal,
): Promise<number> {
  const configurations = manager.allConfigurations();
  const fallback = manager.defaultConfiguration();
  const summary = {
    engine: manager.engineNames(),
    online: manager.isOnline(),
    capabilities: manager.capabilities(),
    defaultConfiguration: fallback.isValid() ? fallback.identifier() : null,
    reachability: manager.supports('Reachability') ? manager.reachability() : null,
    configurations: configurations.map(describeConfiguration),
  };
  if (options.json) {
    terminal.out(JSON.stringify(summary));
    return 0;
  }
  const rows = configurations.map((c) => [
    printable(c.name()),
    c.type(),
    // A state the platform would not fully tell is marked with why (e.g. a permission).
    c.unknownReason() ? `${c.state()} (${c.unknownReason()} withheld)` : c.state(),
    // Virtual interfaces (bridges, veth, VPN) never make isOnline() true: say so.
    `${c.bearerTypeName() || '-'}${c.isVirtual() ? ' (virtual)' : ''}`,
    printable(c.interfaceName() ?? '-'),
    printable(c.identifier()),
  ]);
  terminal.out(table([['NAME', 'TYPE', 'STATE', 'BEARER', 'INTERFACE', 'IDENTIFIER'], ...rows]));
  terminal.out('');
  terminal.out(`engine:        ${summary.engine.join(', ')}`);
  terminal.out(`online:        ${summary.online ? 'yes' : 'no'}`);
  terminal.out(`reachability:  ${summary.reachability ?? 'not known to this engine'}`);
  terminal.out(
    `default:       ${fallback.isValid() ? `${printable(fallback.name())} (${printable(fallback.identifier())})` : 'none'}`,
  );
  terminal.out(`capabilities:  ${summary.capabilities.join(', ') || 'none'}`);
  return 0;
}
