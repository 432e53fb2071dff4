import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BundleEntry,
  bundleFormat,
  entryId,
  type Manifest,
  type Recording,
} from './bundle-format.js';

/**
 * Writes a recording as a bundle directory (created; it must not exist or be empty). The
 * recording is written as given: redact it first (`redactRecording`).
 */
export async function writeBundle(directory: string, recording: Recording): Promise<Manifest> {
  await mkdir(directory, { recursive: true });
  const commands: BundleEntry[] = [];
  const streams: BundleEntry[] = [];
  for (const [index, c] of recording.commands.entries()) {
    const id = entryId(index, c.file);
    const dir = join(directory, 'commands', id);
    await mkdir(dir, { recursive: true });
    await writeJson(join(dir, 'argv.json'), { file: c.file, args: c.args, verbatim: c.verbatim });
    await writeFile(join(dir, 'stdout.bin'), c.result.stdout);
    await writeFile(join(dir, 'stderr.bin'), c.result.stderr);
    await writeJson(join(dir, 'result.json'), {
      code: c.result.code,
      signal: c.result.signal,
      timedOut: c.result.timedOut,
      ...(c.result.spawnError === undefined ? {} : { spawnError: c.result.spawnError }),
      durationMs: c.durationMs,
      startMs: c.startMs,
    });
    commands.push({ id, file: c.file, args: c.args });
  }
  for (const [index, s] of recording.streams.entries()) {
    const id = entryId(index, s.file);
    const dir = join(directory, 'streams', id);
    await mkdir(dir, { recursive: true });
    await writeJson(join(dir, 'argv.json'), {
      file: s.file,
      args: s.args,
      ...(s.stdin === undefined ? {} : { stdin: s.stdin }),
      ...(s.keepStdinOpen === true ? { keepStdinOpen: true } : {}),
    });
    const lines = s.events.map((e) =>
      JSON.stringify({ t: e.t, fd: e.fd, b64: e.bytes.toString('base64') }),
    );
    await writeFile(join(dir, 'events.ndjson'), lines.map((l) => `${l}\n`).join(''));
    await writeJson(join(dir, 'result.json'), {
      endedBy: s.endedBy,
      durationMs: s.durationMs,
      startMs: s.startMs,
    });
    streams.push({ id, file: s.file, args: s.args });
  }
  const manifest: Manifest = { format: bundleFormat, ...recording.manifest, commands, streams };
  if (recording.notes !== undefined) await writeFile(join(directory, 'notes.txt'), recording.notes);
  // The manifest last: a bundle with a manifest is complete.
  await writeJson(join(directory, 'manifest.json'), manifest);
  return manifest;
}

function writeJson(path: string, value: unknown): Promise<void> {
  return writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
