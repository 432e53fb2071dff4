/**
 * A real NetworkManager for integration tests: network namespaces, veth links and a private
 * D-Bus (test/nm-sandbox/nm-sandbox.sh; research/nm-sandbox.md). Never a mock, never the
 * host's network. Fails loudly, with the reason, where it cannot run: a test that needs
 * NetworkManager must not pass without one.
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface NmSandboxOptions {
  /** veth links prefix0..prefixN-1, each with a DHCP server on 10.231.(i+1).0/24. */
  readonly links?: number;
  /** Enables NM's connectivity check against an HTTP server in the router namespace. */
  readonly connectivityCheck?: boolean;
  /** Seconds between connectivity checks (NM's minimum is 1). */
  readonly connectivityInterval?: number;
  /** Only root may control networking (polkit-less NM's "root-only"). */
  readonly auth?: 'root-only';
  /** Interface and namespace prefix; unique per sandbox by default. */
  readonly prefix?: string;
  /** State directory; unique per sandbox by default. */
  readonly dir?: string;
  /** NM's carrier-wait-timeout in ms (the sandbox default is 500). */
  readonly carrierWaitMs?: number;
  /** Keep the state directory (logs) after stop. */
  readonly keep?: boolean;
}

export interface NmSandbox {
  readonly prefix: string;
  readonly dir: string;
  readonly busAddress: string;
  /** The client-side interface name of link i, e.g. 'n1abc0'. */
  linkName(index: number): string;
  /** Runs nmcli against the sandbox's NetworkManager; resolves with its stdout. */
  nmcli(...args: string[]): Promise<string>;
  /** Adds an Ethernet profile on link i with nmcli: DHCP, no IPv6, no autoconnect. */
  addDhcpProfile(name: string, link: number): Promise<string>;
  /** NetworkManager's GENERAL.STATE of link i's device, e.g. '100 (connected)'. */
  deviceState(index: number): Promise<string>;
  /**
   * Deletes a profile's keyfile behind NetworkManager's back (as an administrator would while
   * it is stopped), found by its uuid in the sandbox's keyfile directory.
   */
  deleteKeyfile(uuid: string): Promise<void>;
  /** Unplugs link i (the router side goes down, the client veth loses carrier). */
  linkDown(index: number): Promise<void>;
  linkUp(index: number): Promise<void>;
  /** SIGTERM to NetworkManager (SIGKILL with `{ kill: true }`); it leaves links configured. */
  stopNetworkManager(options?: { kill?: boolean }): Promise<void>;
  /** Starts NetworkManager again; resolves once it is ready. */
  startNetworkManager(): Promise<void>;
  /**
   * Kills the private dbus-daemon (SIGKILL: every client's socket just drops) and stops
   * NetworkManager, which cannot reconnect to a bus by itself (SIGTERM: links stay configured).
   */
  stopBus(): Promise<void>;
  /** A new dbus-daemon at the same address, then NetworkManager (re-assuming the links). */
  startBus(): Promise<void>;
  /** The body the connectivity-check endpoint serves ('NetworkManager is online' = FULL). */
  setConnectivityResponse(body: string): Promise<void>;
  /** Runs a program inside the client namespace (where NetworkManager's links are). */
  runInClient(file: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** The tail of NetworkManager's log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops everything and deletes the namespaces; safe to call twice. */
  stop(): Promise<void>;
}

export const onlineResponse = 'NetworkManager is online';

const script = fileURLToPath(new URL('../../nm-sandbox/nm-sandbox.sh', import.meta.url));
const requiredTools = [
  'NetworkManager',
  'nmcli',
  'dnsmasq',
  'dbus-daemon',
  'busctl',
  'ip',
  'unshare',
];
const running = new Set<SandboxHandle>();
let counter = 0;

/** Starts a sandbox; rejects with the reason (not root, tools missing, NM failed) otherwise. */
export async function startNmSandbox(options: NmSandboxOptions = {}): Promise<NmSandbox> {
  assertCanRun();
  const prefix = options.prefix ?? uniquePrefix();
  const dir = options.dir ?? `/tmp/nmsb-${prefix}`;
  const handle = new SandboxHandle(prefix, dir, scriptEnv(prefix, dir, options));
  running.add(handle);
  try {
    await handle.run(['start'], 30_000);
  } catch (error) {
    // A start killed by the timeout never ran its own cleanup: leave nothing behind.
    await handle.stop().catch(() => {});
    throw error;
  }
  return handle;
}

/** A vitest worker is one process: pid plus a counter keeps parallel files apart. */
function uniquePrefix(): string {
  counter += 1;
  return `n${process.pid.toString(36)}${counter.toString(36)}`;
}

function assertCanRun(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The NetworkManager sandbox needs root (network namespaces, veth links, NetworkManager). ' +
        'Run the NetworkManager suite as root.',
    );
  }
  const missing = requiredTools.filter((tool) => !onPath(tool));
  if (missing.length > 0) {
    throw new Error(
      `The NetworkManager sandbox needs ${missing.join(', ')}: run scripts/install-system-deps.sh as root.`,
    );
  }
}

function onPath(tool: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      accessSync(`${dir}/${tool}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function scriptEnv(prefix: string, dir: string, options: NmSandboxOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`,
    NMSB_PREFIX: prefix,
    NMSB_DIR: dir,
    NMSB_LINKS: String(options.links ?? 2),
    NMSB_CONNCHECK: options.connectivityCheck ? 'true' : 'false',
    NMSB_CONNCHECK_INTERVAL: String(options.connectivityInterval ?? 5),
    NMSB_AUTH: options.auth ?? 'false',
    NMSB_CARRIER_WAIT_MS: String(options.carrierWaitMs ?? 500),
    NMSB_KEEP: options.keep ? '1' : '0',
  };
}

class SandboxHandle implements NmSandbox {
  readonly busAddress: string;
  #stopped = false;

  constructor(
    readonly prefix: string,
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.busAddress = `unix:path=${dir}/bus.sock`;
  }

  linkName(index: number): string {
    return `${this.prefix}${index}`;
  }

  nmcli(...args: string[]): Promise<string> {
    return execFileText(
      'nmcli',
      args,
      { ...this.env, DBUS_SYSTEM_BUS_ADDRESS: this.busAddress },
      15_000,
    );
  }

  addDhcpProfile(name: string, link: number): Promise<string> {
    return this.nmcli(
      ...['connection', 'add', 'type', 'ethernet', 'ifname', this.linkName(link), 'con-name', name],
      ...['autoconnect', 'no', 'ipv4.method', 'auto', 'ipv6.method', 'disabled'],
    );
  }

  deviceState(index: number): Promise<string> {
    return this.nmcli('-g', 'GENERAL.STATE', 'device', 'show', this.linkName(index));
  }

  async deleteKeyfile(uuid: string): Promise<void> {
    const dir = `${this.dir}/nm/connections`;
    for (const name of await readdir(dir)) {
      const text = await readFile(`${dir}/${name}`, 'utf8');
      if (text.split('\n').includes(`uuid=${uuid}`)) return unlink(`${dir}/${name}`);
    }
    throw new Error(`no keyfile for ${uuid} in ${dir}`);
  }

  async linkDown(index: number): Promise<void> {
    await this.run(['link-down', String(index)], 10_000);
  }

  async linkUp(index: number): Promise<void> {
    await this.run(['link-up', String(index)], 10_000);
  }

  async stopNetworkManager(options: { kill?: boolean } = {}): Promise<void> {
    await this.run([options.kill ? 'nm-kill' : 'nm-stop'], 15_000);
  }

  async startNetworkManager(): Promise<void> {
    await this.run(['nm-start'], 30_000);
  }

  async stopBus(): Promise<void> {
    await this.run(['bus-stop'], 15_000);
  }

  async startBus(): Promise<void> {
    await this.run(['bus-start'], 30_000);
  }

  async setConnectivityResponse(body: string): Promise<void> {
    if (this.env.NMSB_CONNCHECK !== 'true') {
      throw new Error('This sandbox was started without { connectivityCheck: true }.');
    }
    await writeFile(`${this.dir}/www/check`, body);
  }

  runInClient(file: string, args: readonly string[], timeoutMs = 15_000): Promise<string> {
    return execFileText(
      'ip',
      ['netns', 'exec', `${this.prefix}-client`, file, ...args],
      this.env,
      timeoutMs,
    );
  }

  logTail(lines = 30): string {
    try {
      return execFileSync('tail', [`-${lines}`, `${this.dir}/nm.log`], { encoding: 'utf8' });
    } catch {
      return '(no NetworkManager log)';
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    running.delete(this);
    await this.run(['stop'], 20_000);
  }

  /** For the exit hook: a worker that dies early must not leave NetworkManager running. */
  stopSync(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    execFileSync('bash', [script, 'stop'], { env: this.env, stdio: 'ignore', timeout: 20_000 });
  }

  async run(args: string[], timeoutMs: number): Promise<string> {
    return execFileText('bash', [script, ...args], this.env, timeoutMs);
  }
}

function execFileText(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const why = error.killed ? `timed out after ${timeoutMs} ms` : `exit ${String(error.code)}`;
      reject(new Error(`${file} ${args.join(' ')}: ${why}\n${stderr}${stdout}`, { cause: error }));
    });
  });
}

process.once('exit', () => {
  for (const handle of running) {
    try {
      handle.stopSync();
    } catch {
      // Best effort while exiting; the next start deletes stale namespaces of the same name.
    }
  }
});
