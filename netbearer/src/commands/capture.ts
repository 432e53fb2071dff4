import { readdir, readFile } from 'node:fs/promises';
import { release, version } from 'node:os';
import { resolve } from 'node:path';
import {
  abortableDelay,
  createProcessRunner,
  InvalidArgumentError,
  type NetworkConfigurationManager,
} from '@netbearer/core';
import type { Redaction } from '../capture/bundle-format.js';
import { writeBundle } from '../capture/bundle-writer.js';
import { BundleError } from '../capture/errors.js';
import { createRecordingRunner } from '../capture/recording-runner.js';
import { createRedactor, redactRecording } from '../capture/redaction.js';
import type { Host, ManagerFactory, Terminal } from '../command-line.js';
import type { EngineChoice } from '../create-manager.js';
import { captureProbes, platformRunnerEngine } from '../runner-engines.js';

export interface CaptureOptions {
  readonly out: string | undefined;
  readonly redaction: Redaction;
  readonly seconds: number;
  readonly engine: EngineChoice | undefined;
}

/**
 * Runs the platform engine on a recording runner — start (enumerate), one update, and a watch
 * of `seconds` — then writes the redacted bundle and prints its path.
 */
export async function captureCommand(
  options: CaptureOptions,
  terminal: Terminal,
  create: ManagerFactory,
  host: Host,
): Promise<number> {
  const platform = host.platform ?? process.platform;
  const startedAt = new Date();
  const out = resolve(
    host.cwd ?? process.cwd(),
    options.out ?? `netbearer-capture-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  );
  const existing = await readdir(out).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new InvalidArgumentError(`${out} is not empty: capture writes a new directory.`);
  }
  const recorder = createRecordingRunner(host.runner ?? createProcessRunner());
  let manager: NetworkConfigurationManager | undefined;
  let engine = options.engine ?? platformRunnerEngine[platform] ?? 'unknown';
  let failure: string | undefined;
  try {
    manager = await create({
      ...(options.engine ? { engine: options.engine } : {}),
      env: terminal.env,
      platform,
      runner: recorder.runner,
    });
    engine = manager.engineNames().join(',');
    terminal.err(
      `capturing the ${engine} engine: listing, one update, ${options.seconds} s of events…`,
    );
    for (const probe of captureProbes(platform)) {
      await recorder.runner.exec(probe.file, probe.args, { timeoutMs: 10_000 });
    }
    await manager.updateConfigurations({ signal: terminal.interrupted });
    // A listener makes the engine watch (start its event helper) for the rest of the capture.
    const heard = () => {};
    manager.on('configurationChanged', heard);
    await abortableDelay(options.seconds * 1000, terminal.interrupted);
    manager.off('configurationChanged', heard);
  } catch (error) {
    // Not a command-line engine: there is nothing to record.
    if (error instanceof InvalidArgumentError) throw error;
    // Ctrl-C ends a capture early; the bundle keeps what was recorded until then.
    if (!terminal.interrupted.aborted) {
      // An engine that fails on this machine is exactly what a report is for: keep what ran.
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  } finally {
    await manager?.dispose();
    await recorder.close();
  }
  const recording = redactRecording(
    {
      manifest: {
        tool: `netbearer ${await toolVersion()}`,
        node: process.version,
        platform,
        osRelease: release(),
        osVersion: version(),
        arch: process.arch,
        engine,
        redaction: options.redaction,
        startedAt: startedAt.toISOString(),
        seconds: options.seconds,
      },
      commands: recorder.commands(),
      streams: recorder.streams(),
      ...(failure === undefined ? {} : { notes: `The engine failed: ${failure}\n` }),
    },
    createRedactor(options.redaction),
  );
  const manifest = await writeBundle(out, recording).catch((error: unknown) => {
    throw new BundleError(
      'Unwritable',
      '.',
      `cannot write the bundle at ${out}: ${String(error)}`,
      {
        cause: error,
      },
    );
  });
  terminal.err(
    `recorded ${manifest.commands.length} commands and ${manifest.streams.length} streams (redaction: ${options.redaction})`,
  );
  if (failure !== undefined) terminal.err(`netbearer: the engine failed: ${failure}`);
  terminal.out(out);
  return failure === undefined ? 0 : 1;
}

async function toolVersion(): Promise<string> {
  try {
    // src/commands and dist/commands both sit two levels below the package.
    const json = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
