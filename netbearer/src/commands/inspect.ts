import type { createDemoWorld } from '@netbearer/adapter-simulated';
import type { NetworkConfigurationManager } from '@netbearer/core';
import type { Terminal } from '../command-line.js';
import { startDemoActivity } from '../demo-activity.js';
import { untilInterrupted } from '../interruption.js';

export interface InspectOptions {
  readonly port: number;
  readonly control: boolean;
  /** The demo world behind a simulated manager: it is then kept busy, to have something to see. */
  readonly demo: ReturnType<typeof createDemoWorld> | undefined;
}

/** Serves the inspector for `manager` until interrupted; the caller disposes the manager. */
export async function inspectCommand(
  manager: NetworkConfigurationManager,
  options: InspectOptions,
  terminal: Terminal,
): Promise<number> {
  // Loaded on demand: only this command needs the server and the layout engine.
  const { startInspector } = await import('@netbearer/inspector');
  const inspector = await startInspector(manager, { port: options.port, control: options.control });
  const activity = options.demo ? startDemoActivity(manager, options.demo) : undefined;
  terminal.out(inspector.url);
  terminal.err(
    `netbearer: the inspector is serving on 127.0.0.1 (control ${options.control ? 'on' : 'off'}); open the URL above in a browser on this machine; Ctrl-C stops it.`,
  );
  try {
    await untilInterrupted(terminal.interrupted).done;
  } finally {
    activity?.stop();
    await inspector.close();
  }
  return 0;
}
