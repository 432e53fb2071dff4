import { type ChildProcess, spawn } from 'node:child_process';

/** Re-reads the machine; resolves whether anything differed from the last reading. */
export type Refresh = () => Promise<boolean>;

export type WatchKind = 'monitor' | 'poll' | 'none';

export interface WatcherOptions {
  /** `ip` of iproute2: its monitor tells about link, address and route changes for free. */
  readonly ipCommand: string;
  /** Events arrive in bursts (a link going up brings addresses and routes). */
  readonly debounceMs: number;
  /**
   * One reading this long after the monitor started: `ip` subscribes to the kernel a moment
   * after it was spawned, and a change in that moment would otherwise go unseen.
   */
  readonly settleMs: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
}

// iproute2's monitor flushes a line per netlink message; we only take them as a nudge.
const monitorArguments = ['-o', 'monitor', 'link', 'address', 'route'];
const exitGraceMs = 1000;

/**
 * Tells the engine when the machine may have changed, as cheaply as the platform allows:
 * - monitor: an `ip monitor` child; apart from one reading once it has settled, nothing runs
 *   until the kernel reports something, then a one-shot timer gathers the burst into one
 *   refresh;
 * - poll: where there is no monitor; the interval doubles while nothing changes and starts
 *   over after a change; only while someone listens (`listen`), so idle costs nothing;
 * - none: only explicit refreshes.
 * If the monitor dies unexpectedly, the watcher falls back to polling.
 */
export class ChangeWatcher {
  #kind: WatchKind = 'none';
  #child: ChildProcess | undefined;
  #forgetExitHook: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #interval: number;
  #stopped = false;
  /** Someone hears changes: polling runs only then (the monitor costs nothing anyway). */
  #listened = true;

  private constructor(
    readonly refresh: Refresh,
    readonly options: WatcherOptions,
  ) {
    this.#interval = options.pollMinMs;
  }

  /** `auto`: the monitor where it can be started, polling otherwise. */
  static async start(
    mode: 'auto' | 'poll' | 'none',
    refresh: Refresh,
    options: WatcherOptions,
  ): Promise<ChangeWatcher> {
    const watcher = new ChangeWatcher(refresh, options);
    if (mode === 'auto' && (await watcher.#startMonitor())) return watcher;
    if (mode !== 'none') watcher.#startPolling();
    return watcher;
  }

  get kind(): WatchKind {
    return this.#kind;
  }

  /** Polls while someone listens; a new listener gets a fresh look at once. */
  listen(listened: boolean): void {
    if (listened === this.#listened) return;
    this.#listened = listened;
    if (this.#kind !== 'poll') return;
    if (listened) {
      this.#interval = this.options.pollMinMs;
      this.#schedule(0);
    } else {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stops the monitor or timer; resolves once the monitor process has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#kind = 'none';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const child = this.#child;
    this.#child = undefined;
    this.#forgetExitHook?.();
    if (child) await terminate(child);
  }

  async #startMonitor(): Promise<boolean> {
    let child: ChildProcess;
    try {
      child = spawn(this.options.ipCommand, monitorArguments, {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return false;
    }
    child.on('error', () => {}); // a failed kill must not become an uncaught 'error'
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned || this.#stopped) {
      if (spawned) await terminate(child);
      return false;
    }
    this.#child = child;
    this.#kind = 'monitor';
    this.#killOnExit(child);
    child.stdout?.on('data', () => this.#schedule(this.options.debounceMs));
    child.once('exit', () => this.#monitorEnded(child));
    this.#schedule(this.options.settleMs);
    return true;
  }

  /**
   * A process that exits without dispose() (process.exit in a CLI) would leave `ip` behind,
   * and in a quiet network namespace nothing would ever make it notice.
   */
  #killOnExit(child: ChildProcess): void {
    const kill = () => child.kill('SIGTERM');
    process.once('exit', kill);
    this.#forgetExitHook = () => process.removeListener('exit', kill);
  }

  #monitorEnded(child: ChildProcess): void {
    if (this.#child !== child || this.#stopped) return;
    this.#forgetExitHook?.();
    this.#child = undefined;
    this.#kind = 'poll';
    this.#interval = this.options.pollMinMs;
    // What happened since the monitor stopped listening is unknown: look now.
    this.#schedule(0);
  }

  #startPolling(): void {
    this.#kind = 'poll';
    this.#schedule(this.#interval);
  }

  #schedule(delay: number): void {
    if (this.#timer || this.#stopped) return;
    if (this.#kind === 'poll' && !this.#listened) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delay);
  }

  async #run(): Promise<void> {
    const changed = await this.refresh().catch(() => false);
    if (this.#kind !== 'poll' || this.#stopped) return;
    const { pollMinMs, pollMaxMs } = this.options;
    this.#interval = changed ? pollMinMs : Math.min(this.#interval * 2, pollMaxMs);
    this.#schedule(this.#interval);
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  child.stdout?.removeAllListeners('data');
  child.stdout?.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), exitGraceMs);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
