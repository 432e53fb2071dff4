/**
 * The capture bundle, format 1: what a platform engine's commands printed on a user's
 * machine, byte for byte, so the engine can be run on it anywhere (`--replay`). The layout:
 *
 * ```
 * manifest.json               {format: 1, tool, node, platform, osRelease, osVersion, arch,
 *                              engine, redaction, startedAt, seconds, commands: [{id, file, args}],
 *                              streams: [{id, file, args}]}
 * commands/<id>/argv.json     {file, args, verbatim}
 * commands/<id>/stdout.bin    raw bytes, never re-encoded; stderr.bin likewise
 * commands/<id>/result.json   {code, signal, timedOut, spawnError?, durationMs, startMs}
 * streams/<id>/argv.json      {file, args, stdin?, keepStdinOpen?}
 * streams/<id>/events.ndjson  {t (ms since the spawn), fd, b64} per line of output
 * streams/<id>/result.json    {endedBy: 'exit' | 'kill', durationMs, startMs}
 * notes.txt                   optional: what the user saw
 * ```
 */
import type { ExecResult } from '@netbearer/core';

export const bundleFormat = 1;

/** How much of a hostile bundle is read at most. */
export const bundleLimits = {
  manifestBytes: 1024 * 1024,
  jsonBytes: 64 * 1024,
  /** The process runner keeps at most 16 MiB of a command's output; so does a bundle. */
  outputBytes: 16 * 1024 * 1024,
  eventsBytes: 16 * 1024 * 1024,
  totalBytes: 256 * 1024 * 1024,
  commands: 10_000,
  streams: 100,
  eventsPerStream: 200_000,
  args: 256,
  argBytes: 32 * 1024,
} as const;

/** Ids are plain names: they are directory names inside the bundle and nothing else. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type Redaction = 'macs' | 'all' | 'none';
export const redactions: readonly Redaction[] = ['macs', 'all', 'none'];

export interface BundleEntry {
  readonly id: string;
  readonly file: string;
  readonly args: readonly string[];
}

export interface Manifest {
  readonly format: typeof bundleFormat;
  /** e.g. "netbearer 0.1.0". */
  readonly tool: string;
  readonly node: string;
  /** `process.platform` of the captured machine: picks the engine on replay. */
  readonly platform: string;
  readonly osRelease: string;
  readonly osVersion: string;
  readonly arch: string;
  /** The engine that ran, e.g. "netsh". */
  readonly engine: string;
  readonly redaction: Redaction;
  readonly startedAt: string;
  readonly seconds: number;
  readonly commands: readonly BundleEntry[];
  readonly streams: readonly BundleEntry[];
}

/** One finished command as recorded. */
export interface RecordedCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly verbatim: boolean;
  readonly result: ExecResult;
  /** When it started, ms after the capture began, and how long it ran. */
  readonly startMs: number;
  readonly durationMs: number;
}

/** One line of a long-lived program's output, `t` ms after it was spawned. */
export interface StreamEvent {
  readonly t: number;
  /** 1: standard output (the only one the runner reads). */
  readonly fd: number;
  readonly bytes: Buffer;
}

/** One long-lived program as recorded. */
export interface RecordedStream {
  readonly file: string;
  readonly args: readonly string[];
  readonly stdin?: string;
  /** The engine kept its standard input open after `stdin` (SpawnOptions.keepStdinOpen). */
  readonly keepStdinOpen?: boolean;
  readonly events: readonly StreamEvent[];
  /** 'kill': the engine (or the end of the capture) ended it; 'exit': it ended by itself. */
  readonly endedBy: 'exit' | 'kill';
  readonly startMs: number;
  readonly durationMs: number;
}

/** Everything a bundle holds, in memory. */
export interface Recording {
  readonly manifest: Omit<Manifest, 'commands' | 'streams' | 'format'>;
  readonly commands: readonly RecordedCommand[];
  readonly streams: readonly RecordedStream[];
  readonly notes?: string;
}

/** A bundle read back: the manifest as written, and what it names. */
export interface Bundle {
  readonly manifest: Manifest;
  readonly commands: readonly RecordedCommand[];
  readonly streams: readonly RecordedStream[];
}

/** `0003-netsh`: the order, then the program's name reduced to safe characters. */
export function entryId(index: number, file: string): string {
  const base = programName(file)
    .replace(/\.(exe|com)$/i, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40);
  return `${String(index + 1).padStart(4, '0')}-${base || 'program'}`;
}

/** The program's own name, whichever separator its path uses; calls match on it. */
export function programName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.at(-1) ?? file;
}
