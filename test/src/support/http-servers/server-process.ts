/**
 * A real server as a child process of the test: started in a private temporary directory, up
 * within a few seconds or a loud failure that quotes its output and logs, stopped with its whole
 * process tree and directory gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const startupMs = 5_000;
const outputLimit = 64 * 1024;

/** A private directory (mkdtemp makes it 0700) for one server's configuration, data and logs. */
export function privateDirectory(name: string): string {
  return mkdtempSync(join(tmpdir(), `netbearer-${name}-`));
}

export interface ServerProcessOptions {
  /** Used in error messages. */
  name: string;
  argv: readonly string[];
  directory: string;
  /** Log files in `directory` quoted when the server fails to come up. */
  logs?: readonly string[];
  /** Resolves true once the server serves (given its output so far); polled for 5 s. */
  ready: (output: string) => boolean | Promise<boolean>;
  env?: NodeJS.ProcessEnv;
}

export interface ServerProcess {
  readonly pid: number;
  readonly directory: string;
  /** stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** The server's process and every descendant alive now (nginx workers, say). */
  processTree(): number[];
  /** Kills the process tree and removes the directory; idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ServerProcess>();

/** Every server process started by this test process and not stopped yet. */
export function runningServers(): readonly ServerProcess[] {
  return [...running];
}

/** Whether a process with this id is alive (zombies count as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function children(pid: number): number[] {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((word) => word.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

function tree(pid: number): number[] {
  return [pid, ...children(pid).flatMap(tree)];
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-8_192);
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

// A test worker that dies (a timeout, a crash) must not leave its servers running: setpriv
// (util-linux) asks the kernel to send them SIGTERM when this process goes away.
const orphanGuard = existsSync('/usr/bin/setpriv')
  ? ['/usr/bin/setpriv', '--pdeathsig', 'TERM', '--']
  : [];

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const argv = [...orphanGuard, ...options.argv];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.directory,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-outputLimit);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  let stopped: Promise<void> | undefined;
  const server: ServerProcess = {
    pid: child.pid ?? -1,
    directory: options.directory,
    output: () => output,
    processTree: () => (child.pid === undefined ? [] : tree(child.pid).filter(alive)),
    stop: () => {
      stopped ??= stopTree(child, exited, options.directory).finally(() => running.delete(server));
      return stopped;
    },
  };
  running.add(server);

  const deadline = Date.now() + startupMs;
  let lastProbeError: unknown;
  for (;;) {
    const gone = spawnError ?? (child.exitCode !== null || child.signalCode !== null);
    if (!gone) {
      try {
        if (await options.ready(output)) return server;
      } catch (error) {
        lastProbeError = error;
      }
    }
    if (gone || Date.now() > deadline) {
      const logs = (options.logs ?? [])
        .map((log) => `--- ${log}:\n${tail(join(options.directory, log))}`)
        .join('\n');
      const why = spawnError
        ? `could not start (${spawnError.message})`
        : gone
          ? `exited (code ${child.exitCode}, signal ${child.signalCode})`
          : `did not come up within ${startupMs} ms`;
      const probe = lastProbeError ? `; last probe: ${String(lastProbeError)}` : '';
      await server.stop();
      throw new Error(
        `${options.name} ${why}${probe}\n$ ${options.argv.join(' ')}\n--- output:\n${output}\n${logs}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stopTree(child: ChildProcess, exited: Promise<void>, directory: string) {
  const pids = child.pid === undefined ? [] : tree(child.pid);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const timeout = new Promise<'late'>((resolve) => setTimeout(resolve, 3_000, 'late').unref());
  if ((await Promise.race([exited, timeout])) === 'late') {
    for (const pid of pids) signal(pid, 'SIGKILL');
    await exited;
  }
  // Workers outlive a killed master by a moment.
  const deadline = Date.now() + 3_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  rmSync(directory, { recursive: true, force: true });
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
