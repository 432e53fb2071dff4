/**
 * The per-user holds registry behind SystemSessionSupport. NetworkManager keeps no count of
 * the programs using a link, so netbearer keeps one: every netbearer process of the user on
 * the machine writes its holds into one directory, and a release takes a link down only when
 * no live process holds it any more and a netbearer process brought it up.
 *
 * One file per fact, its name is the whole record (contents are never trusted or needed):
 * - `<key>.h.<holder>`     this holder holds the activation `key`;
 * - `<key>.up`             a netbearer process brought the activation up (the marker);
 * - `<key>.down.<holder>`  this holder is taking the activation down (a tombstone): nobody
 *                          joins it any more, a connect starts a new activation instead;
 * - `<key>.start.<holder>` this holder is starting an activation of the profile `key`: the
 *                          others wait for it and join it rather than start a second one,
 *                          which NetworkManager would let replace the first;
 * - `lock`, `lock.break`, `tmp.<holder>`  the lock (below).
 * A holder is `<pid namespace>.<pid>.<start time>.<tag>`: the start time (field 22 of
 * /proc/<pid>/stat) tells a reused pid from the process that wrote the entry, and the tag
 * tells apart several engines in one process. A holder whose process is gone, a zombie, or
 * another process under the same pid no longer counts, and any process's next visit removes
 * its files: a process that dies (SIGKILL) loses its holds by itself.
 *
 * The directory is hostile input: names that are not ours are ignored, our names on anything
 * but a regular file (a planted symlink, a FIFO) are removed, never followed; only the lock's
 * content is read, bounded, with O_NOFOLLOW|O_NONBLOCK.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmdirSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type HoldRegistryProblem =
  /** The directory (or one on its way) belongs to another user. */
  | 'NotOurs'
  /** Something that is not a directory sits where the directory should be. */
  | 'NotADirectory'
  /** A symbolic link sits where the directory should be: never followed. */
  | 'Symlink'
  /** Group or others may write into it: anyone could forge or delete holds. */
  | 'Writable'
  /** It cannot be created or read, or /proc is missing (no way to tell live holders). */
  | 'Unavailable';

/**
 * The registry cannot be used safely; the engine then counts holders in-process only. (Node
 * built-ins only in this file: the registry's own tests run it in plain child processes.)
 */
export class HoldRegistryError extends Error {
  override name = 'HoldRegistryError';
  constructor(
    readonly problem: HoldRegistryProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface HoldRegistryOptions {
  /** The holds directory itself (tests use a temporary one); default `defaultHoldsDirectory()`. */
  readonly directory?: string;
  /** How long an operation waits for the lock before it goes ahead without it (default 2 s). */
  readonly lockTimeoutMs?: number;
  /** Tombstones older than this are removed by anyone (default 10 s). */
  readonly tombstoneMs?: number;
  /** Start turns older than this are removed by anyone (default 30 s). */
  readonly startMs?: number;
  /**
   * Whether the activation `key` is over (the engine knows its own NetworkManager), given how
   * old its marker is: the marker is removed once no live process holds it. Keys it cannot
   * judge: false.
   */
  readonly ended?: (key: string, markerAgeMs: number) => boolean;
  /** Hears what went wrong without stopping the operation (lock timeouts, unlink failures). */
  readonly problem?: (message: string) => void;
}

/** What a release decided. */
export type ReleaseVerdict =
  /** Nobody holds it and a netbearer process brought it up: the caller takes it down. */
  | 'take-down'
  /** Others hold it, or the user brought it up: it stays. */
  | 'keep'
  /** Someone is taking it down already. */
  | 'doomed';

const keyPattern = /^[A-Za-z0-9_-]{1,100}$/;
const holderPart = '(\\d{1,20}\\.\\d{1,10}\\.\\d{1,20}\\.[0-9a-f]{1,32})';
const holdName = new RegExp(`^([A-Za-z0-9_-]{1,100})\\.h\\.${holderPart}$`);
const markerName = /^([A-Za-z0-9_-]{1,100})\.up$/;
const tombstoneName = new RegExp(`^([A-Za-z0-9_-]{1,100})\\.down\\.${holderPart}$`);
const startName = new RegExp(`^([A-Za-z0-9_-]{1,100})\\.start\\.${holderPart}$`);
const tmpName = new RegExp(`^tmp\\.${holderPart}$`);
const lockName = 'lock';
const breakName = 'lock.break';
/** A live owner holds the lock for a few synchronous file operations: milliseconds. */
const staleLockMs = 10_000;
/** Breaking a stale lock takes microseconds; a breaker lock this old was left by a crash. */
const staleBreakMs = 2_000;
const maxLockBytes = 256;

/**
 * `$XDG_RUNTIME_DIR/netbearer/holds` when XDG_RUNTIME_DIR is a directory of ours (else
 * `/run/user/<uid>` when that is, so a service without the variable still meets the login
 * session's processes), else `/tmp/netbearer-<uid>/holds`. Never TMPDIR: every process of
 * the user must find the same directory.
 */
export function defaultHoldsDirectory(
  env: NodeJS.ProcessEnv = process.env,
  uid: number = currentUid(),
): string {
  for (const runtime of [env.XDG_RUNTIME_DIR, `/run/user/${uid}`]) {
    if (runtime && isAbsolute(runtime) && isOwnedDirectory(runtime, uid)) {
      return join(runtime, 'netbearer', 'holds');
    }
  }
  return join('/tmp', `netbearer-${uid}`, 'holds');
}

export class HoldRegistry {
  readonly directory: string;
  /** This registry's holder name: this process, and this engine within it. */
  readonly holder: string;
  readonly #self: ProcessIdentity;
  readonly #lockTimeoutMs: number;
  readonly #tombstoneMs: number;
  readonly #startMs: number;
  readonly #ended: (key: string, markerAgeMs: number) => boolean;
  readonly #problem: (message: string) => void;
  /** The default place: its parent is netbearer's too, and made again if removed. */
  readonly #ownParent: boolean;
  /** The lock file's inode while we hold it: we only ever unlink our own lock. */
  #lockIno: number | null = null;

  /** Creates (0700) or checks the directory; throws HoldRegistryError when it is not safe. */
  static open(options: HoldRegistryOptions = {}): HoldRegistry {
    const self = identityOf(process.pid);
    if (!self) {
      throw new HoldRegistryError('Unavailable', '/proc/self/stat is not readable.');
    }
    const directory = options.directory ?? defaultHoldsDirectory();
    if (!options.directory) ensureParents(directory);
    ensureDirectory(directory);
    return new HoldRegistry(directory, self, options);
  }

  private constructor(directory: string, self: ProcessIdentity, options: HoldRegistryOptions) {
    this.directory = directory;
    this.#ownParent = !options.directory;
    this.#self = self;
    this.holder = `${self.pidns}.${self.pid}.${self.start}.${randomBytes(4).toString('hex')}`;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 2_000;
    this.#tombstoneMs = options.tombstoneMs ?? 10_000;
    this.#startMs = options.startMs ?? 30_000;
    this.#ended = options.ended ?? (() => false);
    this.#problem = options.problem ?? (() => {});
  }

  /**
   * Counts this holder on `key`; with `broughtUp`, also records that a netbearer process
   * brought the activation up. False (nothing recorded) when someone is taking it down.
   */
  hold(key: string, broughtUp = false): boolean {
    checkKey(key);
    return this.#locked(
      (view) => {
        if (view.get(key)?.tombstones.length) return false;
        this.#create(`${key}.h.${this.holder}`);
        if (broughtUp) this.#create(`${key}.up`);
        return true;
      },
      () => {
        this.#create(`${key}.h.${this.holder}`);
        if (broughtUp) this.#create(`${key}.up`);
        return true;
      },
    );
  }

  /**
   * Lets go of `key`. When no live holder remains and the marker says a netbearer process
   * brought it up, the marker becomes this holder's tombstone and the verdict is 'take-down':
   * the caller deactivates it (and calls `restore` if that is refused). Without the lock, it
   * only lets go: never take a link down on a count that may be incomplete.
   */
  release(key: string): ReleaseVerdict {
    checkKey(key);
    return this.#locked(
      (view) => {
        this.#remove(`${key}.h.${this.holder}`);
        const entry = view.get(key);
        entry?.holders.delete(this.holder);
        if (entry?.tombstones.length) return 'doomed';
        if (!entry?.marker || entry.holders.size > 0) return 'keep';
        this.#create(`${key}.down.${this.holder}`);
        this.#remove(`${key}.up`);
        return 'take-down';
      },
      () => {
        this.#remove(`${key}.h.${this.holder}`);
        return 'keep';
      },
    );
  }

  /** A take-down was refused: the link is up as before, marked, and this holder holds it. */
  restore(key: string): void {
    checkKey(key);
    const undo = () => {
      this.#create(`${key}.h.${this.holder}`);
      this.#create(`${key}.up`);
      this.#remove(`${key}.down.${this.holder}`);
    };
    this.#locked(undo, undo);
  }

  /** A stop (down for everyone) is on its way: nobody joins `key` any more. */
  doom(key: string): void {
    checkKey(key);
    const mark = () => this.#create(`${key}.down.${this.holder}`);
    this.#locked(mark, mark);
  }

  /** The stop was refused: `key` may be joined again. */
  undoom(key: string): void {
    checkKey(key);
    const unmark = () => this.#remove(`${key}.down.${this.holder}`);
    this.#locked(unmark, unmark);
  }

  /** After a stop: every holder's entries and the marker of `key` go; the tombstone stays. */
  clear(key: string): void {
    checkKey(key);
    const wipe = (view?: RegistryView) => {
      for (const holder of view?.get(key)?.holders ?? []) this.#remove(`${key}.h.${holder}`);
      this.#remove(`${key}.h.${this.holder}`);
      this.#remove(`${key}.up`);
    };
    this.#locked(wipe, () => wipe());
  }

  /**
   * Takes the turn to start an activation of the profile `key`: false while another live
   * holder has it (then wait for that activation and join it). Ours until `endStart`.
   */
  beginStart(key: string): boolean {
    checkKey(key);
    return this.#locked(
      (view) => {
        const others = view.get(key)?.starts.filter((holder) => holder !== this.holder) ?? [];
        if (others.length > 0) return false;
        this.#create(`${key}.start.${this.holder}`);
        return true;
      },
      () => true,
    );
  }

  /** Whether another holder is starting an activation of the profile `key`. */
  starting(key: string): boolean {
    checkKey(key);
    return this.#locked(
      (view) => Boolean(view.get(key)?.starts.some((holder) => holder !== this.holder)),
      () => false,
    );
  }

  endStart(key: string): void {
    checkKey(key);
    const end = () => this.#remove(`${key}.start.${this.holder}`);
    this.#locked(end, end);
  }

  /** Lets go of `key` without deciding anything (a connect that failed or was aborted). */
  leave(key: string): void {
    checkKey(key);
    const drop = () => this.#remove(`${key}.h.${this.holder}`);
    this.#locked(drop, drop);
  }

  /**
   * The activation `key` is over (its link went down): this holder lets go, and when no live
   * holder remains its marker goes too, so a later activation is never taken for ours.
   */
  ended(key: string): void {
    checkKey(key);
    this.#locked(
      (view) => {
        this.#remove(`${key}.h.${this.holder}`);
        const entry = view.get(key);
        entry?.holders.delete(this.holder);
        if (entry && entry.holders.size === 0) this.#remove(`${key}.up`);
      },
      () => this.#remove(`${key}.h.${this.holder}`),
    );
  }

  /**
   * NetworkManager restarted and re-assumed the link under a new activation: every entry of
   * `from` (all holders, the marker) moves to `to`, so the count survives the restart.
   */
  rekey(from: string, to: string): void {
    checkKey(from);
    checkKey(to);
    this.#locked(
      (view) => {
        const entry = view.get(from);
        for (const holder of entry?.holders ?? [])
          this.#move(`${from}.h.${holder}`, `${to}.h.${holder}`);
        if (entry?.marker) this.#move(`${from}.up`, `${to}.up`);
        this.#create(`${to}.h.${this.holder}`);
      },
      () => this.#create(`${to}.h.${this.holder}`),
    );
  }

  /** Removes every entry of this holder (dispose, exit): takes nothing down. */
  leaveAll(): void {
    this.#locked(
      (view) => {
        for (const [key, entry] of view) {
          if (entry.holders.has(this.holder)) this.#remove(`${key}.h.${this.holder}`);
          if (entry.tombstones.includes(this.holder)) this.#remove(`${key}.down.${this.holder}`);
          if (entry.starts.includes(this.holder)) this.#remove(`${key}.start.${this.holder}`);
        }
      },
      // Without the lock all the same: a process that goes on after dispose() holds nothing.
      () => {
        for (const { name } of this.#list())
          if (parseName(name)?.holder?.name === this.holder) this.#remove(name);
      },
    );
  }

  /** Whether someone is taking `key` down (a tombstone of a live holder). */
  doomed(key: string): boolean {
    checkKey(key);
    return this.#locked(
      (view) => Boolean(view.get(key)?.tombstones.length),
      () => false,
    );
  }

  /** Live holders of `key` and whether it is marked (diagnostics and tests). */
  inspect(key: string): { holders: string[]; marker: boolean; doomed: boolean } {
    checkKey(key);
    const read = (view?: RegistryView) => {
      const entry = view?.get(key);
      return {
        holders: [...(entry?.holders ?? [])].sort(),
        marker: Boolean(entry?.marker),
        doomed: Boolean(entry?.tombstones.length),
      };
    };
    return this.#locked(read, () => read());
  }

  /** Runs `work` under the registry's lock, or throws if the lock cannot be had (tests). */
  exclusive<T>(work: () => T): T {
    return this.#locked(work, () => {
      throw new HoldRegistryError('Unavailable', `the lock in ${this.directory} is held`);
    });
  }

  /** Prunes what is dead or over, under the lock (every operation does it too). */
  sweep(): void {
    this.#locked(
      () => {},
      () => {},
    );
  }

  /**
   * Runs `work` on a pruned view of the directory under the lock; if the lock cannot be had
   * within the bound (its owner stuck, the directory unusable), runs `degraded` instead.
   */
  #locked<T>(work: (view: RegistryView) => T, degraded: () => T): T {
    if (!this.#lock()) {
      this.#problem(`the holds lock in ${this.directory} could not be taken; going on without it`);
      return degraded();
    }
    try {
      return work(this.#prune());
    } finally {
      this.#unlock();
    }
  }

  /**
   * Takes the lock: a temporary file with our holder name is hard-linked to `lock`, which
   * fails while `lock` exists, so the lock always has its owner's complete name inside.
   */
  #lock(): boolean {
    const tmp = this.#path(`tmp.${this.holder}`);
    if (!this.#writeTemp(tmp)) return false;
    const deadline = Date.now() + this.#lockTimeoutMs;
    let pause = 1;
    try {
      for (;;) {
        const linked = this.#tryLink(tmp);
        if (linked) return true;
        if (linked === null) break;
        this.#breakIfStale();
        if (Date.now() >= deadline) break;
        sleep(pause);
        pause = Math.min(pause * 2, 16);
      }
      this.#lockIno = null;
      return false;
    } finally {
      unlinkQuietly(tmp);
    }
  }

  #writeTemp(tmp: string): boolean {
    unlinkQuietly(tmp);
    // Removed under us (a /tmp cleaner): made again, with the same checks.
    if (!lstatQuietly(this.directory)) {
      try {
        if (this.#ownParent) ensureParents(this.directory);
        ensureDirectory(this.directory);
      } catch (error) {
        this.#problem(describe(error));
        return false;
      }
    }
    try {
      const fd = openSync(tmp, writeFlags, 0o600);
      try {
        writeSync(fd, this.holder);
        this.#lockIno = fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      this.#problem(`cannot write in ${this.directory}: ${describe(error)}`);
      return false;
    }
  }

  /** True: ours; false: someone else's; null: this directory cannot be locked at all. */
  #tryLink(tmp: string): boolean | null {
    try {
      linkSync(tmp, this.#path(lockName));
      return true;
    } catch (error) {
      if (codeOf(error) === 'EEXIST') return false;
      this.#problem(`cannot lock ${this.directory}: ${describe(error)}`);
      return null;
    }
  }

  #unlock(): void {
    const lock = this.#path(lockName);
    // Someone broke our lock as stale (we were stopped for a long time): theirs stays.
    if (lstatQuietly(lock)?.ino === this.#lockIno) unlinkQuietly(lock);
    this.#lockIno = null;
  }

  /**
   * A lock whose owner is dead, unreadable, or older than any live owner keeps it, is removed
   * by one breaker at a time (`lock.break`), who checks it is still the same file first.
   */
  #breakIfStale(): void {
    const lock = this.#path(lockName);
    const seen = readLock(lock);
    if (!seen || !this.#staleLock(seen)) return;
    const breaker = this.#path(breakName);
    if (!createExclusive(breaker)) {
      const stat = lstatQuietly(breaker);
      if (stat && Date.now() - stat.mtimeMs > staleBreakMs) unlinkQuietly(breaker);
      return;
    }
    try {
      const again = lstatQuietly(lock);
      if (again && again.ino === seen.stat.ino && again.mtimeMs === seen.stat.mtimeMs)
        unlinkQuietly(lock);
    } finally {
      unlinkQuietly(breaker);
    }
  }

  #staleLock(seen: LockSeen): boolean {
    if (Date.now() - seen.stat.mtimeMs > staleLockMs) return true;
    const owner = seen.owner ? parseHolder(seen.owner) : null;
    return !owner || !this.#alive(owner, new Map());
  }

  /**
   * Reads the directory and removes what no longer counts: files of dead holders, our names
   * on anything but a regular file, old tombstones, and markers of activations that are over
   * and held by nobody. Returns what is left, per key.
   */
  #prune(): RegistryView {
    const view: RegistryView = new Map();
    const live = new Map<string, boolean>();
    const at = (key: string) => {
      let entry = view.get(key);
      if (!entry) {
        entry = { holders: new Set(), marker: false, tombstones: [], starts: [] };
        view.set(key, entry);
      }
      return entry;
    };
    for (const item of this.#list()) {
      const parsed = parseName(item.name);
      if (!parsed) continue;
      if (!item.regular) this.#remove(item.name);
      else if (parsed.holder && !this.#alive(parsed.holder, live)) this.#remove(item.name);
      else if (parsed.kind === 'hold') at(parsed.key).holders.add(parsed.holder.name);
      else if (parsed.kind === 'marker') at(parsed.key).marker = true;
      else if (parsed.kind === 'tombstone')
        this.#keepRecent(item.name, this.#tombstoneMs, () =>
          at(parsed.key).tombstones.push(parsed.holder.name),
        );
      else if (parsed.kind === 'start')
        this.#keepRecent(item.name, this.#startMs, () =>
          at(parsed.key).starts.push(parsed.holder.name),
        );
    }
    for (const [key, entry] of view) {
      if (!entry.marker || entry.holders.size > 0) continue;
      const stat = lstatQuietly(this.#path(`${key}.up`));
      if (stat && this.#ended(key, Date.now() - stat.mtimeMs)) {
        this.#remove(`${key}.up`);
        entry.marker = false;
      }
    }
    return view;
  }

  /** Tombstones and start turns only mean something for a while. */
  #keepRecent(name: string, ms: number, keep: () => void): void {
    const stat = lstatQuietly(this.#path(name));
    if (!stat || Date.now() - stat.mtimeMs > ms) this.#remove(name);
    else keep();
  }

  #list(): { name: string; regular: boolean }[] {
    try {
      // withFileTypes: the type comes from the directory entry itself, never followed.
      return readdirSync(this.directory, { withFileTypes: true }).map((d) => ({
        name: d.name,
        regular: d.isFile(),
      }));
    } catch (error) {
      this.#problem(`cannot read ${this.directory}: ${describe(error)}`);
      return [];
    }
  }

  /**
   * Whether the holder's process still runs: same PID namespace, same pid, same start time,
   * not a zombie. One of another PID namespace cannot be checked and counts as live.
   */
  #alive(holder: Holder, cache: Map<string, boolean>): boolean {
    if (holder.pidns !== this.#self.pidns) return true;
    const id = `${holder.pid}.${holder.start}`;
    let alive = cache.get(id);
    if (alive === undefined) {
      const now = identityOf(holder.pid);
      alive = Boolean(now?.running && now.start === holder.start);
      cache.set(id, alive);
    }
    return alive;
  }

  /** Creates an empty file exclusively; an existing regular file is fine, anything else goes. */
  #create(name: string): void {
    const path = this.#path(name);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (createExclusive(path)) return;
      const stat = lstatQuietly(path);
      if (stat?.isFile()) return;
      unlinkQuietly(path);
    }
    this.#problem(`cannot create ${path}`);
  }

  #move(from: string, to: string): void {
    this.#create(to);
    this.#remove(from);
  }

  #remove(name: string): void {
    unlinkQuietly(this.#path(name));
  }

  #path(name: string): string {
    return join(this.directory, name);
  }
}

interface ViewEntry {
  /** Live holders' names. */
  holders: Set<string>;
  marker: boolean;
  /** Live holders taking it down. */
  tombstones: string[];
  /** Live holders starting an activation of it (a profile's key). */
  starts: string[];
}
type RegistryView = Map<string, ViewEntry>;

interface Holder {
  readonly name: string;
  readonly pidns: string;
  readonly pid: number;
  readonly start: string;
}

interface LockSeen {
  readonly stat: Stats;
  readonly owner: string | null;
}

type ParsedName =
  | { kind: 'hold'; key: string; holder: Holder }
  | { kind: 'marker'; key: string; holder?: undefined }
  | { kind: 'tombstone'; key: string; holder: Holder }
  | { kind: 'start'; key: string; holder: Holder }
  | { kind: 'tmp'; key?: undefined; holder: Holder };

function parseName(name: string): ParsedName | null {
  let m = holdName.exec(name);
  if (m) return holderOf(m[2]) && { kind: 'hold', key: m[1]!, holder: holderOf(m[2])! };
  m = markerName.exec(name);
  if (m) return { kind: 'marker', key: m[1]! };
  m = tombstoneName.exec(name);
  if (m) return holderOf(m[2]) && { kind: 'tombstone', key: m[1]!, holder: holderOf(m[2])! };
  m = startName.exec(name);
  if (m) return holderOf(m[2]) && { kind: 'start', key: m[1]!, holder: holderOf(m[2])! };
  m = tmpName.exec(name);
  if (m) return holderOf(m[1]) && { kind: 'tmp', holder: holderOf(m[1])! };
  return null;
}

function holderOf(text: string | undefined): Holder | null {
  return text === undefined ? null : parseHolder(text);
}

/** `<pidns>.<pid>.<start>.<tag>`, digits and hex only; anything else is not a holder. */
export function parseHolder(text: string): Holder | null {
  const m = /^(\d{1,20})\.(\d{1,10})\.(\d{1,20})\.([0-9a-f]{1,32})$/.exec(text);
  if (!m) return null;
  const pid = Number(m[2]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  return { name: text, pidns: m[1]!, pid, start: m[3]! };
}

export interface ProcessIdentity {
  readonly pidns: string;
  readonly pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  readonly start: string;
  /** False for a zombie (exited, not yet reaped) or a dead task. */
  readonly running: boolean;
}

/** The process's identity from /proc, or null when there is no such process. */
export function identityOf(pid: number): ProcessIdentity | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const parsed = parseProcStat(stat);
  if (!parsed) return null;
  return { pidns: pidNamespace(), pid, ...parsed };
}

/**
 * Fields of /proc/<pid>/stat after the command name: that name is in parentheses and may
 * itself hold spaces and ')', so the fields start after the *last* ')'. Field 3 is the
 * state, field 22 the start time.
 */
export function parseProcStat(stat: string): { start: string; running: boolean } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const start = fields[19];
  if (!state || !start || !/^\d{1,20}$/.test(start)) return null;
  return { start, running: state !== 'Z' && state !== 'X' && state !== 'x' };
}

let ownPidNamespace: string | undefined;

/** The inode of our PID namespace: pids of another namespace mean other processes. */
function pidNamespace(): string {
  if (ownPidNamespace === undefined) {
    try {
      ownPidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
    } catch {
      ownPidNamespace = '0';
    }
  }
  return ownPidNamespace;
}

const writeFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function createExclusive(path: string): boolean {
  try {
    closeSync(openSync(path, writeFlags, 0o600));
    return true;
  } catch {
    return false;
  }
}

/** The lock file and its owner's name: never followed, at most 256 bytes read. */
function readLock(path: string): LockSeen | null {
  const stat = lstatQuietly(path);
  if (!stat) return null;
  if (!stat.isFile()) return { stat, owner: null };
  let fd: number;
  try {
    fd = openSync(path, readFlags);
  } catch {
    return { stat, owner: null };
  }
  try {
    const buffer = Buffer.alloc(maxLockBytes);
    const length = readSync(fd, buffer, 0, maxLockBytes, 0);
    return { stat, owner: buffer.toString('latin1', 0, length) };
  } catch {
    return { stat, owner: null };
  } finally {
    closeSync(fd);
  }
}

function lstatQuietly(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** unlink never follows a symlink; a planted empty directory is removed with rmdir. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EISDIR' || code === 'EPERM') {
      try {
        rmdirSync(path);
      } catch {
        // Not empty: left alone, and never taken for ours (only regular files count).
      }
    }
  }
}

function isOwnedDirectory(path: string, uid: number): boolean {
  const stat = lstatQuietly(path);
  return Boolean(stat?.isDirectory() && stat.uid === uid);
}

/** The directories netbearer makes on the way to the default holds directory. */
function ensureParents(directory: string): void {
  const parent = join(directory, '..');
  ensureDirectory(parent);
}

/** Creates `path` as 0700, or checks that it is our own directory that nobody else can write. */
function ensureDirectory(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') {
      throw new HoldRegistryError('Unavailable', `cannot create ${path}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
  const stat = lstatQuietly(path);
  if (!stat) throw new HoldRegistryError('Unavailable', `${path} vanished while checking it.`);
  if (stat.isSymbolicLink())
    throw new HoldRegistryError('Symlink', `${path} is a symbolic link; not following it.`);
  if (!stat.isDirectory())
    throw new HoldRegistryError('NotADirectory', `${path} is not a directory.`);
  if (stat.uid !== currentUid())
    throw new HoldRegistryError('NotOurs', `${path} belongs to uid ${stat.uid}, not to us.`);
  if ((stat.mode & 0o022) !== 0) {
    throw new HoldRegistryError(
      'Writable',
      `${path} is writable by group or others (mode ${(stat.mode & 0o777).toString(8)}).`,
    );
  }
}

function checkKey(key: string): void {
  if (!keyPattern.test(key)) throw new TypeError(`not a holds key: ${JSON.stringify(key)}`);
}

function currentUid(): number {
  return process.getuid?.() ?? 0;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks for `ms`: the lock is only ever held for a few synchronous file operations. */
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: unknown })?.code as string | undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
