/**
 * The engines that read the platform through its command-line tools, by name. They take a
 * process runner, so `netbearer capture` can record them and `--replay` can run them on a
 * bundle. Wiring an engine package in is one line here (and its dependency).
 */
import { createAirportEngine } from '@netbearer/adapter-airport';
import { createNetshEngine, windowsCaptureProbes } from '@netbearer/adapter-netsh';
import type { Engine, ProcessRunner } from '@netbearer/core';

/** The runner-based engines this project has, by the platform they serve. */
export const runnerEngineNames = ['netsh', 'airport'] as const;
export type RunnerEngineName = (typeof runnerEngineNames)[number];

export function isRunnerEngineName(name: string): name is RunnerEngineName {
  return (runnerEngineNames as readonly string[]).includes(name);
}

/** Makes an engine that reaches the platform only through `runner`. */
export type RunnerEngineFactory = (runner: ProcessRunner) => Engine;

export type RunnerEngines = Partial<Record<RunnerEngineName, RunnerEngineFactory>>;

/** What this build has: one line per engine package. */
export const defaultRunnerEngines: RunnerEngines = {
  // It models Windows wherever it runs: on a replay it reads the code page from the bundle.
  netsh: (runner) => createNetshEngine({ runner, platform: 'win32' }),
  airport: (runner) => createAirportEngine({ runner }),
};

/** The runner-based engine of a platform (`process.platform` values). */
export const platformRunnerEngine: Readonly<Record<string, RunnerEngineName>> = {
  win32: 'netsh',
  darwin: 'airport',
};

/**
 * Read-only commands a capture records besides the engine's own, by platform: what a parser
 * bug report needs to know about the machine (its console code page, its OS version).
 */
export function captureProbes(
  platform: string,
): readonly { file: string; args: readonly string[] }[] {
  // Windows: the netsh engine reads the console code page (chcp.com) itself; these add the
  // system code pages, the build and the UI language.
  if (platform === 'win32') return windowsCaptureProbes();
  if (platform === 'darwin') return [{ file: '/usr/bin/sw_vers', args: [] }];
  return [];
}
