import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  defaultHoldsDirectory,
  HoldRegistry,
  type HoldRegistryOptions,
  identityOf,
  parseHolder,
  parseProcStat,
} from './hold-registry.js';

const key = 'aaaaaaaaaaaa-bbbbbbbbbbbb-cccccccccccccccc';
const other = 'aaaaaaaaaaaa-bbbbbbbbbbbb-dddddddddddddddd';
const isRoot = process.getuid?.() === 0;

const temporary: string[] = [];
const children: ChildProcess[] = [];
let staged: string | undefined;

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  if (staged) rmSync(staged, { recursive: true, force: true });
});

/**
 * The fixture and the registry (Node built-ins only) transpiled into a temporary directory,
 * so that plain `node` children run exactly these sources.
 */
function fixture(): string {
  if (!staged) {
    staged = mkdtempSync(join(tmpdir(), 'nb-holds-child-'));
    writeFileSync(join(staged, 'package.json'), '{"type":"module"}');
    for (const name of ['hold-registry', 'hold-registry.fixture']) {
      const from = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
      const { outputText } = ts.transpileModule(readFileSync(from, 'utf8'), {
        fileName: from,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      writeFileSync(join(staged, `${name}.js`), outputText);
    }
  }
  return join(staged, 'hold-registry.fixture.js');
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nb-holds-test-'));
  temporary.push(dir);
  return dir;
}

function registryIn(dir: string, options: Omit<HoldRegistryOptions, 'directory'> = {}) {
  return HoldRegistry.open({ directory: join(dir, 'holds'), ...options });
}

function files(registry: HoldRegistry): string[] {
  return readdirSync(registry.directory).sort();
}

/** Our pid namespace, from our own holder name. */
function pidns(registry: HoldRegistry): string {
  return registry.holder.split('.')[0] ?? '';
}

/** A pid that existed and is gone: a short-lived child's. */
function deadPid(): number {
  const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(out.toString());
}

/** A child process using the registry through the fixture; resolves with its stdout lines. */
function child(dir: string, ...args: string[]) {
  const proc = spawn(process.execPath, [fixture(), dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const line = (pattern: RegExp, ms = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + ms;
      const poll = () => {
        const found = out.split('\n').find((l) => pattern.test(l));
        if (found) return resolve(found);
        if (proc.exitCode !== null || Date.now() > deadline)
          return reject(new Error(`child ${args.join(' ')}: no ${pattern} (stderr: ${err})`));
        setTimeout(poll, 20);
      };
      poll();
    });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return { proc, line, exited };
}

describe('parsing /proc/<pid>/stat', () => {
  it('finds the start time after the last parenthesis, whatever the command name holds', () => {
    const tail = ' S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21';
    expect(parseProcStat(`42 (node)${tail}`)).toEqual({ start: '987654', running: true });
    expect(parseProcStat(`42 (a) b (c) ) d)${tail}`)).toEqual({ start: '987654', running: true });
    expect(parseProcStat(`42 (x y z)${tail}`)?.start).toBe('987654');
  });

  it('reads zombies and dead tasks as not running', () => {
    const tail = ' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 555 20';
    expect(parseProcStat(`7 (gone) Z${tail}`)).toEqual({ start: '555', running: false });
    expect(parseProcStat(`7 (gone) X${tail}`)?.running).toBe(false);
  });

  it('rejects what is not a stat line', () => {
    for (const text of ['', 'garbage', '42 (node', '42 (node) S 1 2', `1 (a) S ${'x '.repeat(30)}`])
      expect(parseProcStat(text)).toBeNull();
  });

  it('knows this process, and no process for a pid that is gone', () => {
    expect(identityOf(process.pid)).toMatchObject({ pid: process.pid, running: true });
    expect(identityOf(deadPid())).toBeNull();
  });

  it('parses holder names strictly', () => {
    expect(parseHolder('4026531836.123.456.ab12')).toMatchObject({ pid: 123, start: '456' });
    for (const text of ['1.0.2.ab', '1.2.3', '1.2.3.XYZ', '../1.2.3.ab', '1.2.3.ab.', ''])
      expect(parseHolder(text)).toBeNull();
  });
});

describe('the holds directory', () => {
  it('is created 0700, and an existing one of ours is used', () => {
    const dir = tempDir();
    const registry = registryIn(dir);
    expect(lstatSync(registry.directory).mode & 0o777).toBe(0o700);
    expect(registryIn(dir).directory).toBe(registry.directory);
  });

  it('is made again, with the same checks, when removed under a running registry', () => {
    const a = registryIn(tempDir());
    a.hold(key, true);
    rmSync(a.directory, { recursive: true });
    expect(a.hold(other)).toBe(true);
    expect(lstatSync(a.directory).mode & 0o777).toBe(0o700);
    expect(files(a)).toEqual([`${other}.h.${a.holder}`]);
  });

  it('defaults to $XDG_RUNTIME_DIR/netbearer/holds when that is a directory of ours', () => {
    const runtime = tempDir();
    const uid = process.getuid?.() ?? 0;
    expect(defaultHoldsDirectory({ XDG_RUNTIME_DIR: runtime }, uid)).toBe(
      join(runtime, 'netbearer', 'holds'),
    );
  });

  it('falls back to /tmp/netbearer-<uid>/holds otherwise (not ours, relative, a symlink)', () => {
    const runtime = tempDir();
    const link = join(tempDir(), 'runtime-link');
    symlinkSync(runtime, link);
    const uid = process.getuid?.() ?? 0;
    const stranger = 4_242_424;
    expect(defaultHoldsDirectory({ XDG_RUNTIME_DIR: runtime }, stranger)).toBe(
      `/tmp/netbearer-${stranger}/holds`,
    );
    expect(defaultHoldsDirectory({ XDG_RUNTIME_DIR: 'relative/dir' }, stranger)).toBe(
      `/tmp/netbearer-${stranger}/holds`,
    );
    expect(defaultHoldsDirectory({ XDG_RUNTIME_DIR: link }, uid)).not.toBe(
      join(link, 'netbearer', 'holds'),
    );
    expect(defaultHoldsDirectory({}, stranger)).toBe(`/tmp/netbearer-${stranger}/holds`);
  });

  it('refuses a symlink, a file, a directory of another user, and one others can write', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'), { mode: 0o700 });
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    writeFileSync(join(dir, 'file'), '');
    mkdirSync(join(dir, 'open'), { mode: 0o700 });
    chmodSync(join(dir, 'open'), 0o702);
    mkdirSync(join(dir, 'group'), { mode: 0o700 });
    chmodSync(join(dir, 'group'), 0o770);
    const open = (path: string) => () => HoldRegistry.open({ directory: path });
    expect(open(join(dir, 'link'))).toThrow(expect.objectContaining({ problem: 'Symlink' }));
    expect(open(join(dir, 'file'))).toThrow(expect.objectContaining({ problem: 'NotADirectory' }));
    expect(open(join(dir, 'open'))).toThrow(expect.objectContaining({ problem: 'Writable' }));
    expect(open(join(dir, 'group'))).toThrow(expect.objectContaining({ problem: 'Writable' }));
    expect(open(join(dir, 'missing', 'holds'))).toThrow(
      expect.objectContaining({ problem: 'Unavailable' }),
    );
    let foreign = '/usr';
    if (isRoot) {
      foreign = join(dir, 'foreign');
      mkdirSync(foreign, { mode: 0o700 });
      chownSync(foreign, 65534, 65534);
    }
    expect(open(foreign)).toThrow(expect.objectContaining({ problem: 'NotOurs' }));
    // Nothing was written through the symlink.
    expect(readdirSync(join(dir, 'real'))).toEqual([]);
  });
});

describe('holding and releasing', () => {
  it('takes down what a netbearer process brought up once its last holder lets go', () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const b = registryIn(dir);
    expect(a.holder).not.toBe(b.holder);
    expect(a.hold(key, true)).toBe(true);
    expect(b.hold(key)).toBe(true);
    expect(a.inspect(key)).toEqual({
      holders: [a.holder, b.holder].sort(),
      marker: true,
      doomed: false,
    });
    expect(a.release(key)).toBe('keep');
    expect(b.release(key)).toBe('take-down');
    // The marker became b's tombstone: nobody joins the activation while it goes down.
    expect(files(a)).toEqual([`${key}.down.${b.holder}`]);
    expect(a.hold(key)).toBe(false);
    expect(a.doomed(key)).toBe(true);
    expect(a.release(key)).toBe('doomed');
    b.leaveAll();
    expect(files(a)).toEqual([]);
  });

  it('never takes down what nobody marked as brought up (the user brought it up)', () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const b = registryIn(dir);
    a.hold(key);
    b.hold(key);
    expect(a.release(key)).toBe('keep');
    expect(b.release(key)).toBe('keep');
    expect(files(a)).toEqual([]);
  });

  it('counts a holder once however often it holds, and keeps keys apart', () => {
    const a = registryIn(tempDir());
    a.hold(key, true);
    a.hold(key);
    a.hold(other);
    expect(a.inspect(key).holders).toEqual([a.holder]);
    expect(a.release(other)).toBe('keep');
    expect(a.release(key)).toBe('take-down');
  });

  it('restores a take-down that was refused, and a stop that was refused', () => {
    const a = registryIn(tempDir());
    a.hold(key, true);
    expect(a.release(key)).toBe('take-down');
    a.restore(key);
    expect(a.inspect(key)).toEqual({ holders: [a.holder], marker: true, doomed: false });
    a.doom(key);
    expect(a.doomed(key)).toBe(true);
    a.undoom(key);
    expect(a.doomed(key)).toBe(false);
  });

  it('a stop clears every holder and the marker', () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const b = registryIn(dir);
    a.hold(key, true);
    b.hold(key);
    b.doom(key);
    b.clear(key);
    expect(files(a)).toEqual([`${key}.down.${b.holder}`]);
    expect(a.release(key)).toBe('doomed');
  });

  it('tombstones expire', async () => {
    const a = registryIn(tempDir(), { tombstoneMs: 50 });
    a.hold(key, true);
    a.release(key);
    expect(a.doomed(key)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(a.doomed(key)).toBe(false);
    expect(files(a)).toEqual([]);
  });

  it('an activation that ended loses its marker once nobody holds it', () => {
    const ended = new Set<string>();
    const dir = tempDir();
    const a = registryIn(dir, { ended: (k) => ended.has(k) });
    const b = registryIn(dir);
    a.hold(key, true);
    b.hold(key);
    a.ended(key);
    expect(a.inspect(key).marker).toBe(true);
    b.leaveAll();
    // Nobody holds it and the engine says it is over: the sweep removes the marker.
    expect(a.inspect(key).marker).toBe(true);
    ended.add(key);
    a.sweep();
    expect(files(a)).toEqual([]);
  });

  it('the engine judges a marker nobody holds knowing its age', () => {
    const ages: number[] = [];
    const a = registryIn(tempDir(), {
      ended: (_, age) => {
        ages.push(age);
        return age > 30_000;
      },
    });
    a.hold(key, true);
    a.leaveAll();
    a.sweep();
    expect(files(a)).toEqual([`${key}.up`]);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(a.directory, `${key}.up`), old, old);
    a.sweep();
    expect(files(a)).toEqual([]);
    expect(ages[0]).toBeLessThan(30_000);
    expect(ages.at(-1)).toBeGreaterThan(30_000);
  });

  it('moves every holder and the marker to the re-assumed activation', () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const b = registryIn(dir);
    a.hold(key, true);
    b.hold(key);
    a.rekey(key, other);
    expect(a.inspect(key)).toEqual({ holders: [], marker: false, doomed: false });
    expect(a.inspect(other)).toEqual({
      holders: [a.holder, b.holder].sort(),
      marker: true,
      doomed: false,
    });
    b.rekey(key, other);
    expect(b.release(other)).toBe('keep');
    expect(a.release(other)).toBe('take-down');
  });

  it('leaveAll lets go of everything and takes nothing down', () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const b = registryIn(dir);
    a.hold(key, true);
    a.hold(other);
    b.hold(other);
    a.leaveAll();
    expect(files(a)).toEqual([`${key}.up`, `${other}.h.${b.holder}`]);
    // Every holder gone, the marker stays: the next netbearer process that joins the
    // activation and lets go of it as its last holder takes it down.
    expect(b.hold(key)).toBe(true);
    expect(b.release(key)).toBe('take-down');
  });

  it('one holder at a time has the turn to start a profile; a dead one or an old turn lapses', async () => {
    const dir = tempDir();
    const a = registryIn(dir, { startMs: 100 });
    const b = registryIn(dir, { startMs: 100 });
    expect(a.beginStart(key)).toBe(true);
    expect(a.beginStart(key)).toBe(true); // its own turn still
    expect(b.starting(key)).toBe(true);
    expect(b.beginStart(key)).toBe(false);
    a.endStart(key);
    expect(b.starting(key)).toBe(false);
    expect(b.beginStart(key)).toBe(true);
    // A turn left by a process that is gone does not count; nor one that is too old.
    b.endStart(key);
    writeFileSync(join(a.directory, `${key}.start.${pidns(a)}.${deadPid()}.1.abcd`), '');
    expect(a.starting(key)).toBe(false);
    expect(b.beginStart(key)).toBe(true);
    expect(a.beginStart(key)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(a.beginStart(key)).toBe(true);
    a.leaveAll();
    expect(files(a)).toEqual([]);
  });

  it('rejects keys that are not safe file names', () => {
    const a = registryIn(tempDir());
    for (const bad of ['', '../x', 'a.b', 'a/b', 'x'.repeat(101), 'é']) {
      expect(() => a.hold(bad)).toThrow(TypeError);
    }
  });
});

describe('dead holders', () => {
  it('do not count: a pid that is gone, a reused pid, a zombie-free exited child', () => {
    const a = registryIn(tempDir());
    const ns = pidns(a);
    const gone = `${ns}.${deadPid()}.12345.abcd`;
    const reused = `${ns}.${process.pid}.1.abcd`; // our pid, another start time
    const unrelated = `${ns}.1.1.abcd`; // pid 1 is alive, but not since tick 1
    for (const holder of [gone, reused, unrelated])
      writeFileSync(join(a.directory, `${key}.h.${holder}`), '');
    writeFileSync(join(a.directory, `${key}.up`), '');
    expect(a.inspect(key).holders).toEqual([]);
    expect(a.release(key)).toBe('take-down');
    expect(files(a)).toEqual([`${key}.down.${a.holder}`]);
  });

  it('count when they live in another PID namespace: they cannot be checked', () => {
    const a = registryIn(tempDir());
    const foreign = `1.${process.pid}.1.abcd`;
    writeFileSync(join(a.directory, `${key}.h.${foreign}`), '');
    a.hold(key, true);
    expect(a.release(key)).toBe('keep');
  });

  it('a process killed with SIGKILL loses its holds', async () => {
    const dir = tempDir();
    const a = registryIn(dir);
    const holder = child(join(dir, 'holds'), 'hold', key, 'up');
    const line = await holder.line(/^held /);
    const theirs = line.slice('held '.length);
    a.hold(key);
    expect(a.inspect(key).holders).toEqual([a.holder, theirs].sort());
    holder.proc.kill('SIGKILL');
    await holder.exited;
    expect(a.inspect(key)).toEqual({ holders: [a.holder], marker: true, doomed: false });
    expect(a.release(key)).toBe('take-down');
  }, 30_000);
});

describe('hostile directory contents', () => {
  it('ignores names that are not ours, and never crashes on them', () => {
    const a = registryIn(tempDir());
    const garbage = [
      'hello',
      'x.h.garbage',
      `${key}.up.extra`,
      `${key}.h.1.2.3`,
      `${key}.h.1.0.3.ab`,
      `${key}.down.`,
      'lockx',
      `tmp.${'9'.repeat(30)}`,
      'n'.repeat(255),
    ];
    for (const name of garbage) writeFileSync(join(a.directory, name), 'junk');
    mkdirSync(join(a.directory, 'a-directory'));
    a.hold(key, true);
    expect(a.release(key)).toBe('take-down');
    expect(files(a)).toEqual([...garbage, 'a-directory', `${key}.down.${a.holder}`].sort());
  });

  it('removes a symlink planted under one of our names, never following it', () => {
    const a = registryIn(tempDir());
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(a.directory, `${key}.up`));
    symlinkSync(victim, join(a.directory, `${key}.h.${a.holder}`));
    symlinkSync(victim, join(a.directory, `${key}.down.${a.holder}`));
    expect(a.inspect(key)).toEqual({ holders: [], marker: false, doomed: false });
    expect(files(a)).toEqual([]);
    // Our own entries are created as files even where a symlink was planted.
    symlinkSync(victim, join(a.directory, `${other}.h.${a.holder}`));
    symlinkSync(victim, join(a.directory, `${other}.up`));
    expect(a.hold(other, true)).toBe(true);
    expect(lstatSync(join(a.directory, `${other}.up`)).isFile()).toBe(true);
    expect(a.release(other)).toBe('take-down');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('removes a FIFO or a directory under our names without blocking on it', () => {
    const a = registryIn(tempDir());
    execFileSync('mkfifo', [join(a.directory, `${key}.up`)]);
    execFileSync('mkfifo', [join(a.directory, 'lock')]);
    mkdirSync(join(a.directory, `${other}.up`));
    const started = Date.now();
    expect(a.inspect(key).marker).toBe(false);
    expect(a.inspect(other).marker).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(files(a)).toEqual([]);
  });

  it('a huge marker is just a marker: contents are never read', () => {
    const a = registryIn(tempDir());
    writeFileSync(join(a.directory, `${key}.up`), Buffer.alloc(20 * 1024 * 1024, 0x41));
    a.hold(key);
    expect(a.release(key)).toBe('take-down');
  });
});

describe('the lock', () => {
  it('is broken when its owner is dead, unreadable, huge, or a symlink', () => {
    const a = registryIn(tempDir(), { lockTimeoutMs: 5_000 });
    const lock = join(a.directory, 'lock');
    const victim = join(tempDir(), 'victim');
    writeFileSync(victim, 'precious');
    const stale = [
      () => writeFileSync(lock, `${pidns(a)}.${deadPid()}.1.abcd`),
      () => writeFileSync(lock, 'not a holder'),
      () => writeFileSync(lock, Buffer.alloc(5 * 1024 * 1024, 0x31)),
      () => symlinkSync(victim, lock),
    ];
    for (const plant of stale) {
      plant();
      const started = Date.now();
      expect(a.hold(key)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(existsSync(lock)).toBe(false);
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('waits a bounded time for a live owner, then goes on without taking anything down', () => {
    const problems: string[] = [];
    const a = registryIn(tempDir(), {
      lockTimeoutMs: 200,
      problem: (message) => problems.push(message),
    });
    a.hold(key, true);
    // A live owner (this very process, another engine) that does not let go.
    writeFileSync(join(a.directory, 'lock'), `${a.holder.split('.').slice(0, 3).join('.')}.ffff`);
    const started = Date.now();
    expect(a.release(key)).toBe('keep');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(problems.join('\n')).toMatch(/lock/);
    // Our hold is gone all the same; the marker stays for whoever comes next.
    expect(readdirSync(a.directory).sort()).toEqual([`${key}.up`, 'lock']);
  });

  it('leaveAll lets go even when the lock cannot be had', () => {
    const a = registryIn(tempDir(), { lockTimeoutMs: 100 });
    a.hold(key, true);
    a.hold(other);
    writeFileSync(join(a.directory, 'lock'), `${a.holder.split('.').slice(0, 3).join('.')}.ffff`);
    a.leaveAll();
    expect(files(a)).toEqual([`${key}.up`, 'lock']);
  });

  it('is broken when it is older than any live owner keeps it', () => {
    const a = registryIn(tempDir(), { lockTimeoutMs: 2_000 });
    const lock = join(a.directory, 'lock');
    writeFileSync(lock, `${a.holder.split('.').slice(0, 3).join('.')}.ffff`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(a.hold(key)).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('a stale breaker lock left by a crash does not block for good', () => {
    const a = registryIn(tempDir(), { lockTimeoutMs: 5_000 });
    writeFileSync(join(a.directory, 'lock'), 'garbage');
    const breaker = join(a.directory, 'lock.break');
    writeFileSync(breaker, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(breaker, old, old);
    expect(a.hold(key)).toBe(true);
    expect(files(a)).toEqual([`${key}.h.${a.holder}`]);
  });

  it('excludes concurrent processes: four writers, 250 read-increment-writes each', async () => {
    const dir = tempDir();
    const registry = registryIn(dir);
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    const writers = Array.from({ length: 4 }, () =>
      child(registry.directory, 'count', counter, '250'),
    );
    await Promise.all(writers.map((w) => w.line(/^done$/, 60_000)));
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe('1000');
    expect(files(registry)).toEqual([]);
  }, 90_000);

  it('holders racing hold/release in three processes leave nothing behind', async () => {
    const dir = tempDir();
    const registry = registryIn(dir);
    registry.hold(key);
    const racers = Array.from({ length: 3 }, () => child(registry.directory, 'churn', key, '100'));
    const lines = await Promise.all(racers.map((r) => r.line(/^\{/, 60_000)));
    // The parent holds it throughout (and nobody marked it): every release keeps it.
    for (const line of lines) expect(JSON.parse(line)).toEqual({ keep: 100 });
    expect(files(registry)).toEqual([`${key}.h.${registry.holder}`]);
  }, 90_000);
});
