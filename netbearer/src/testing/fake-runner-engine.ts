/**
 * For tests: a tiny runner-based engine and a scripted process runner, standing in for netsh
 * and airport where those are not wired in. The engine lists networks from
 * `fake-netsh wlan show networks` (`SSID n : name` lines; a following `BSSID n : mac` line
 * names its access point) and, while watched, reads `fake-helper watch` (`state name` lines).
 */
import type {
  Engine,
  EngineConfiguration,
  EngineSink,
  ExecOptions,
  ExecResult,
  LineProcess,
  ProcessRunner,
} from '@netbearer/core';

export const fakeNetsh = 'C:\\Windows\\System32\\fake-netsh.exe';
export const listArgs = ['wlan', 'show', 'networks', 'mode=bssid'] as const;
export const fakeHelper = 'C:\\Windows\\System32\\fake-helper.exe';
export const helperArgs = ['watch'] as const;

export function createFakeRunnerEngine(runner: ProcessRunner): Engine {
  let sink: EngineSink | undefined;
  let helper: LineProcess | undefined;
  let list: EngineConfiguration[] = [];
  const read = async () => {
    const result = await runner.exec(fakeNetsh, listArgs, { timeoutMs: 5_000, verbatim: true });
    return parseNetworks(result.stdout);
  };
  return {
    name: 'fake',
    capabilities: () => [],
    async start(s) {
      sink = s;
      list = await read();
      return list;
    },
    watch(active) {
      if (active && !helper) {
        helper = runner.spawnLines(fakeHelper, helperArgs, { stdin: 'script' });
        const mine = helper;
        void (async () => {
          try {
            for await (const line of mine.lines) {
              const [state, name] = line.toString('latin1').split(' ');
              const c = list.find((x) => x.name === name);
              if (c && (state === 'Active' || state === 'Discovered')) {
                const changed = { ...c, state } as EngineConfiguration;
                list = list.map((x) => (x === c ? changed : x));
                sink?.configurationChanged(changed);
              }
            }
          } catch {
            // A replay that cannot answer: the runner reports it.
          }
        })();
      } else if (!active && helper) {
        void helper.kill();
        helper = undefined;
      }
    },
    async requestUpdate() {
      const fresh = await read();
      for (const c of fresh) sink?.configurationChanged(c);
      list = fresh;
    },
    async connect() {
      return 'joined';
    },
    async disconnect() {
      return 'kept';
    },
    async dispose() {
      await helper?.kill();
      helper = undefined;
    },
  };
}

/** `SSID n : name`, then `BSSID n : mac`: one configuration per BSSID, named by its SSID. */
export function parseNetworks(bytes: Buffer): EngineConfiguration[] {
  const out: EngineConfiguration[] = [];
  let ssid: string | undefined;
  for (const raw of bytes.toString('latin1').split('\n')) {
    const line = raw.replace(/\r$/, '');
    const s = /^SSID \d+ : (.*)$/.exec(line);
    if (s) ssid = s[1];
    const b = /^\s+BSSID \d+\s*: (\S+)$/.exec(line);
    if (b && ssid !== undefined) {
      out.push({
        identifier: `fake:${b[1]}`,
        name: ssid,
        type: 'InternetAccessPoint',
        state: 'Discovered',
        bearerType: 'WLAN',
        purpose: 'PublicPurpose',
      });
    }
  }
  return out;
}

export interface Script {
  readonly exec: Record<string, Partial<ExecResult> & { stdout: Buffer }>;
  /** Lines of each stream with the ms to wait before each; the stream then stays open. */
  readonly streams?: Record<string, readonly [number, string][]>;
}

/** A runner that answers from a table keyed by `JSON.stringify([file, ...args])`. */
export function scriptedRunner(script: Script): ProcessRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async exec(file: string, args: readonly string[], _options: ExecOptions) {
      const key = JSON.stringify([file, ...args]);
      calls.push(key);
      const found = script.exec[key];
      if (!found) {
        return {
          stdout: Buffer.alloc(0),
          stderr: Buffer.from(`${file}: not found`),
          code: null,
          signal: null,
          timedOut: false,
          spawnError: 'ENOENT',
        };
      }
      return {
        stderr: Buffer.alloc(0),
        code: 0,
        signal: null,
        timedOut: false,
        ...found,
      };
    },
    spawnLines(file: string, args: readonly string[]) {
      const key = JSON.stringify([file, ...args]);
      calls.push(key);
      const lines = script.streams?.[key] ?? [];
      const killed = new AbortController();
      const wait = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          killed.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      return {
        lines: (async function* () {
          for (const [ms, text] of lines) {
            await wait(ms);
            if (killed.signal.aborted) return;
            yield Buffer.from(text, 'latin1');
          }
          await wait(2 ** 31 - 1);
        })(),
        async kill() {
          killed.abort();
        },
      };
    },
  };
}

export const key = (file: string, args: readonly string[]) => JSON.stringify([file, ...args]);
