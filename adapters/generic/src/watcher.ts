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
 * Tells the engine when the machine may have changed, as cheaply as the platform allows, and
 * only while someone listens (`listen`): with nobody listening no process and no timer runs.
 * - monitor: an `ip monitor` child; apart from one reading once it has settled, nothing runs
 *   until the kernel reports something, then a one-shot timer gathers the burst into one
 *   refresh; when nobody listens any more the child is killed, and a new listener gets a new
 *   one and a fresh reading at once;
 * - poll: where there is no monitor; the interval doubles while nothing changes and starts
 *   over after a change;
 * - none: only explicit refreshes.
 * If the monitor cannot be started or dies unexpectedly, the watcher falls back to polling.
 */
export class ChangeWatcher {
  /** How changes are noticed: 'monitor' until it proves impossible, then 'poll'. */
  #method: WatchKind;
  /** What runs now. */
  #kind: WatchKind = 'none';
  #child: ChildProcess | undefined;
  /** Monitors being spawned: their 'spawn' or 'error' has not come yet. */
  readonly #spawning = new Set<Promise<void>>();
  /** Monitors being terminated; stop() waits for them. */
  readonly #ending = new Set<Promise<void>>();
  #forgetExitHook: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #interval: number;
  #stopped = false;
  #listened = false;
  /** Listened to before: what changed since it stopped is unknown, so look at once. */
  #resumed = false;

  private constructor(
    mode: 'auto' | 'poll' | 'none',
    readonly refresh: Refresh,
    readonly options: WatcherOptions,
  ) {
    this.#method = mode === 'auto' ? 'monitor' : mode;
    this.#interval = options.pollMinMs;
  }

  /** A watcher that runs nothing until `listen(true)`. */
  static create(
    mode: 'auto' | 'poll' | 'none',
    refresh: Refresh,
    options: WatcherOptions,
  ): ChangeWatcher {
    return new ChangeWatcher(mode, refresh, options);
  }

  /**
   * A watcher listened to from the start; resolves once it knows whether the monitor runs.
   * `auto`: the monitor where it can be started, polling otherwise.
   */
  static async start(
    mode: 'auto' | 'poll' | 'none',
    refresh: Refresh,
    options: WatcherOptions,
  ): Promise<ChangeWatcher> {
    const watcher = new ChangeWatcher(mode, refresh, options);
    watcher.listen(true);
    await Promise.all(watcher.#spawning);
    return watcher;
  }

  /** What is watching now: 'none' while nobody listens. */
  get kind(): WatchKind {
    return this.#kind;
  }

  /**
   * Watches while someone listens. `lookNow`: refresh at once as watching begins (what changed
   * while nobody listened is unknown); by default when it has been listened to before.
   */
  listen(listened: boolean, lookNow = this.#resumed): void {
    if (listened === this.#listened || this.#stopped) return;
    this.#listened = listened;
    if (!listened) {
      this.#pause();
      return;
    }
    this.#resumed = true;
    if (this.#method === 'poll') this.#startPolling(lookNow);
    if (this.#method !== 'monitor') return;
    if (lookNow) void this.refresh().catch(() => false);
    const spawning = this.#startMonitor().finally(() => this.#spawning.delete(spawning));
    this.#spawning.add(spawning);
  }

  /** Stops the monitor or timer; resolves once every monitor process has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listened = false;
    this.#pause();
    await Promise.all(this.#spawning);
    await Promise.all(this.#ending);
  }

  #pause(): void {
    this.#kind = 'none';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const child = this.#child;
    this.#child = undefined;
    this.#forgetExitHook?.();
    this.#forgetExitHook = undefined;
    if (child) this.#end(child);
  }

  #end(child: ChildProcess): void {
    const ending = terminate(child).finally(() => this.#ending.delete(ending));
    this.#ending.add(ending);
  }

  async #startMonitor(): Promise<void> {
    let child: ChildProcess;
    try {
      child = spawn(this.options.ipCommand, monitorArguments, {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      this.#fallBack();
      return;
    }
    child.on('error', () => {}); // a failed kill must not become an uncaught 'error'
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) {
      this.#fallBack();
      return;
    }
    // Nobody listens any more (or a newer monitor was asked for meanwhile): not needed.
    if (!this.#listened || this.#stopped || this.#child || this.#kind !== 'none') {
      this.#end(child);
      return;
    }
    this.#child = child;
    this.#kind = 'monitor';
    this.#killOnExit(child);
    child.stdout?.on('data', () => this.#schedule(this.options.debounceMs));
    child.once('exit', () => this.#monitorEnded(child));
    this.#schedule(this.options.settleMs);
  }

  /** No monitor here: poll from now on (a resumed listener got its reading already). */
  #fallBack(): void {
    this.#method = 'poll';
    if (this.#listened && !this.#stopped && this.#kind === 'none') this.#startPolling(false);
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
    this.#forgetExitHook = undefined;
    this.#child = undefined;
    this.#kind = 'none';
    this.#method = 'poll';
    // What happened since the monitor stopped listening is unknown: look now.
    this.#startPolling(true);
  }

  #startPolling(now: boolean): void {
    this.#kind = 'poll';
    this.#interval = this.options.pollMinMs;
    this.#schedule(now ? 0 : this.#interval);
  }

  #schedule(delay: number): void {
    if (this.#timer || this.#stopped || this.#kind === 'none') return;
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
