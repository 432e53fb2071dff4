/**
 * `netbearer get` in process, on a simulated world this test drives: the session the access
 * manager opens roams mid-download, and the command tells so and keeps the file whole. The
 * bytes come from the real nginx of the test rig, reached on this machine's own address (a
 * loopback URL would need no session).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Nginx, startNginx } from '../../../test/src/support/http-servers/index.js';
import { run, type Terminal } from '../command-line.js';

let nginx: Nginx;
let dir: string;
const size = 3 * 1024 * 1024;

beforeAll(async () => {
  // Rate-limited under /slow/: 3 s for the file, time to roam in the middle.
  nginx = await startNginx({ host: '0.0.0.0', largeFileBytes: size });
  dir = await mkdtemp(join(tmpdir(), 'netbearer-get-roam-'));
});
afterAll(async () => {
  await nginx?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ownAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('no non-loopback IPv4 address here: no session can be shown');
  return address;
}

describe('netbearer get while the session roams', () => {
  it('moves the download to the new link: roam on stderr, the resumed range in --json, the file whole', async () => {
    const world = new SimulatedWorld({ connectDelay: 30 });
    const a = world.addAccessPoint({ name: 'A', identifier: 'sim:a', interfaceName: 'wlan0' });
    const b = world.addAccessPoint({ name: 'B', identifier: 'sim:b', interfaceName: 'wlan1' });
    const create = () => NetworkConfigurationManager.create({ engines: [world.engine()] });
    const out: string[] = [];
    const err: string[] = [];
    let roamed = false;
    // The progress bar's first drawing means bytes are flowing: offer the better link then.
    const progress = {
      columns: 80,
      write: (text: string) => {
        if (!roamed && /\d/.test(text)) {
          roamed = true;
          world.offerBetter(a, b);
        }
      },
    };
    const terminal: Terminal = {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: {},
      interrupted: new AbortController().signal,
      stdout: new PassThrough(),
      progress,
    };
    const target = join(dir, 'large.bin');
    const url = `http://${ownAddress()}:${nginx.ports.http}/slow/large.bin`;
    const code = await run(
      ['get', url, '-o', target, '--configuration', 'sim:a', '--json'],
      terminal,
      create,
    );
    expect(err).toContain('session: connected on A (sim:a)');
    expect(err).toContain('session: roamed from sim:a to B (sim:b)');
    expect(code).toBe(0);
    const summary = JSON.parse(out.join('\n'));
    expect(summary.configurations).toEqual([a, b]);
    expect(summary.resumedRanges).toHaveLength(1);
    const [range] = summary.resumedRanges;
    expect(range.from).toBeGreaterThan(0);
    expect(range.from).toBeLessThan(size);
    const large = nginx.files.find((f) => f.name === 'large.bin')!;
    expect(range.ifRange).toBe(large.etag);
    expect(
      createHash('sha256')
        .update(await readFile(target))
        .digest('hex'),
    ).toBe(large.sha256);
    expect(await readdir(dir)).toEqual(['large.bin']);
    // nginx served the rest as a 206 from exactly that offset.
    const log = await nginx.waitForAccessLog((entries) =>
      entries.some((e) => e.uri === '/slow/large.bin' && e.status === 206),
    );
    expect(log.find((e) => e.status === 206)?.range).toBe(`bytes=${range.from}-`);
  });
});
