/**
 * The process seam of the engines that read the platform through its command-line tools
 * (netsh on Windows, networksetup/system_profiler/scutil on macOS): a program by absolute path
 * and an argv, never a shell, and raw bytes back, decoded by the engine. Tests and the capture
 * kit put recorded runners in its place.
 */
import { execFile, spawn } from 'node:child_process';

/** What a finished program left: its raw output bytes and how it ended. */
export interface ExecResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** The exit code; null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: string | null;
  /** It was killed for running past `timeoutMs`. */
  readonly timedOut: boolean;
  /** It could not be started at all (e.g. ENOENT), with the system's message. */
  readonly spawnError?: string;
}

export interface ExecOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Windows only: pass the argv to the program exactly as given, joined by spaces, without
   * Node's quoting (netsh reads `name="My Net"` itself). Ignored elsewhere.
   */
  readonly verbatim?: boolean;
}

/** A long-lived program whose standard output is read line by line. */
export interface LineProcess {
  /** Each complete line of standard output, raw bytes without its line ending. */
  readonly lines: AsyncIterable<Buffer>;
  /** Ends the program (SIGTERM, then SIGKILL); resolves once it has exited. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Written to the program's standard input, which is then closed (unless `keepStdinOpen`). */
  readonly stdin?: string;
  /**
   * Keep standard input open after writing `stdin` (if given), until `kill()`: for programs
   * that exit at the end of their input but must keep running (`scutil` with `n.watch`).
   */
  readonly keepStdinOpen?: boolean;
}

/** Runs platform programs: an engine's only way to the operating system's tools. */
export interface ProcessRunner {
  exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult>;
  spawnLines(file: string, args: readonly string[], options?: SpawnOptions): LineProcess;
}

/** At most this much output is kept of one command; the rest means a broken tool. */
const maxOutputBytes = 16 * 1024 * 1024;

/** The real runner: `execFile`/`spawn` with an argv, no shell, hidden windows, raw buffers. */
export function createProcessRunner(): ProcessRunner {
  return { exec: execProgram, spawnLines: spawnProgram };
}

function execProgram(
  file: string,
  args: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        encoding: 'buffer',
        timeout: options.timeoutMs,
        maxBuffer: maxOutputBytes,
        windowsHide: true,
        windowsVerbatimArguments: options.verbatim === true,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        const code = typeof failure?.code === 'number' ? failure.code : failure ? null : 0;
        // Only a failed spawn (ENOENT, EACCES…) names the spawn syscall.
        const spawned = !failure?.syscall?.startsWith('spawn');
        resolve({
          stdout: Buffer.from(stdout ?? []),
          stderr: Buffer.from(stderr ?? []),
          code,
          signal: (failure as { signal?: string } | null)?.signal ?? null,
          timedOut: failure?.killed === true && !options.signal?.aborted,
          ...(spawned ? {} : { spawnError: failure?.message ?? 'could not start' }),
        });
      },
    );
  });
}

function spawnProgram(
  file: string,
  args: readonly string[],
  options: SpawnOptions = {},
): LineProcess {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  child.stdin.on('error', () => {});
  if (options.keepStdinOpen === true) {
    if (options.stdin !== undefined) child.stdin.write(options.stdin);
  } else if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else child.stdin.end();
  return {
    lines: splitLines(child.stdout),
    async kill() {
      // End of input first: a program that exits at the end of its input may just leave.
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A line longer than this is cut into pieces: a tool that never ends a line is broken. */
const maxLineBytes = 1024 * 1024;

/** Splits a byte stream on LF (dropping a CR before it), keeping bytes as they came. */
export async function* splitLines(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let pending = Buffer.alloc(0);
  for await (const chunk of stream) {
    pending = Buffer.concat([pending, chunk]);
    for (let end = pending.indexOf(0x0a); end >= 0; end = pending.indexOf(0x0a)) {
      yield trimCr(pending.subarray(0, end));
      pending = pending.subarray(end + 1);
    }
    while (pending.length > maxLineBytes) {
      yield pending.subarray(0, maxLineBytes);
      pending = pending.subarray(maxLineBytes);
    }
  }
  if (pending.length > 0) yield trimCr(pending);
}

function trimCr(line: Buffer): Buffer {
  return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
}
