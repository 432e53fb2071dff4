/**
 * Network namespaces and veth pairs for the generic engine's kernel tests. Links are created
 * directly inside the namespaces (`ip link add X netns A type veth peer name Y netns B`), so
 * nothing ever appears on the host. Everything runs through argv, never a shell.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { EngineProcess, requireBuild } from './engine-process.js';

const run = promisify(execFile);

/** Fails, with the reason, where the kernel tests cannot run: they must not pass unrun. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The generic engine kernel tests need root (ip netns, veth); run them as root.',
    );
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('The generic engine kernel tests need iproute2 (`ip`) on PATH.');
  }
}

export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { timeout: 10_000 })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Deletes every namespace whose name starts with `prefix`: the last line of cleanup. */
export async function deleteNamespaces(prefix: string): Promise<void> {
  const list = await ip('netns', 'list').catch(() => '');
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    if (name?.startsWith(prefix)) await ip('netns', 'del', name).catch(() => {});
  }
}

/** Two namespaces: `engine`, where the engine runs, and `peer`, the far ends of its links. */
export class NamespacePair {
  private constructor(
    readonly engine: string,
    readonly peer: string,
  ) {}

  static async create(tag: string): Promise<NamespacePair> {
    const pair = new NamespacePair(`${tag}-e`, `${tag}-p`);
    await pair.delete();
    try {
      await ip('netns', 'add', pair.engine);
      await ip('netns', 'add', pair.peer);
    } catch (error) {
      await pair.delete();
      throw error;
    }
    return pair;
  }

  /** A veth pair: `name` in the engine namespace, `peerName` in the peer namespace; both down. */
  async veth(name: string, peerName: string): Promise<void> {
    await ip(
      'link',
      'add',
      name,
      'netns',
      this.engine,
      'type',
      'veth',
      'peer',
      'name',
      peerName,
      'netns',
      this.peer,
    );
  }

  /** `ip` inside the engine namespace. */
  inEngine(...args: string[]): Promise<string> {
    return ip('-n', this.engine, ...args);
  }

  inPeer(...args: string[]): Promise<string> {
    return ip('-n', this.peer, ...args);
  }

  /** Runs a program inside the engine namespace. */
  async execInEngine(file: string, args: readonly string[]): Promise<string> {
    return (await run('ip', ['netns', 'exec', this.engine, file, ...args], { timeout: 10_000 }))
      .stdout;
  }

  async delete(): Promise<void> {
    for (const name of [this.engine, this.peer]) {
      await ip('netns', 'del', name).catch(() => {});
    }
  }

  async exists(): Promise<boolean> {
    const list = await ip('netns', 'list');
    return list.split('\n').some((line) => line.split(' ')[0] === this.engine);
  }
}

/**
 * The namespaces of a kernel test file: before each test a fresh pair named `${prefix}n<k>` with
 * a veth nbv0 (engine side) – nbp0 (peer side), both down; after each test, a failed one too,
 * the engine child killed and the pair deleted; after all, whatever is left under `prefix`.
 * Root and a current build are checked in each test, not once: without them every test must
 * fail, none be skipped. The returned object stands for the running test's pair.
 */
export function useNamespacePairs(prefix: string): TestNamespaces {
  const namespaces = new TestNamespaces();
  let counter = 0;
  beforeEach(async () => {
    requireRoot();
    requireBuild();
    await namespaces.create(`${prefix}n${counter++}`);
  });
  afterEach(() => namespaces.release());
  afterAll(() => deleteNamespaces(prefix));
  return namespaces;
}

/** The running test's namespace pair (see useNamespacePairs) and the engine child in it. */
export class TestNamespaces {
  #pair: NamespacePair | undefined;
  #child: EngineProcess | undefined;

  get pair(): NamespacePair {
    if (!this.#pair) throw new Error('no namespace pair outside a test');
    return this.#pair;
  }

  get engine(): string {
    return this.pair.engine;
  }

  veth(name: string, peerName: string): Promise<void> {
    return this.pair.veth(name, peerName);
  }

  inEngine(...args: string[]): Promise<string> {
    return this.pair.inEngine(...args);
  }

  inPeer(...args: string[]): Promise<string> {
    return this.pair.inPeer(...args);
  }

  execInEngine(file: string, args: readonly string[]): Promise<string> {
    return this.pair.execInEngine(file, args);
  }

  /** Both ends of nbv0–nbp0 up, `${net}.1/24` on nbv0 and `${net}.2/24` on nbp0: nbv0 is Active. */
  async activeLink(net: string): Promise<void> {
    await this.inPeer('addr', 'add', `${net}.2/24`, 'dev', 'nbp0');
    await this.inPeer('link', 'set', 'nbp0', 'up');
    await this.inEngine('addr', 'add', `${net}.1/24`, 'dev', 'nbv0');
    await this.inEngine('link', 'set', 'nbv0', 'up');
  }

  /** The engine child, in the engine namespace; killed after the test. */
  engineChild(): EngineProcess {
    this.#child = new EngineProcess(this.engine);
    return this.#child;
  }

  async create(tag: string): Promise<void> {
    this.#pair = await NamespacePair.create(tag);
    await this.#pair.veth('nbv0', 'nbp0');
  }

  async release(): Promise<void> {
    this.#child?.kill();
    this.#child = undefined;
    await this.#pair?.delete();
    this.#pair = undefined;
  }
}
