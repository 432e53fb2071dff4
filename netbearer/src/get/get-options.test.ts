import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../command-line.js';
import { recordingTerminal } from '../testing/terminal.js';
import { GetUsageError, getOptions } from './get-options.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netbearer-get-options-'));
  await writeFile(join(dir, 'body.bin'), Buffer.from([0, 1, 2, 255]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('get options', () => {
  it('takes the flags as given: verb, headers, body from a file, proxy, output beside cwd', async () => {
    const options = await getOptions(
      'http://example.test/x',
      {
        output: 'out.bin',
        request: 'PATCH',
        data: '@body.bin',
        header: ['X-A: 1', 'X-B:two  '],
        proxy: 'socks5://user:pw@127.0.0.1:1080',
        configuration: 'sim:a',
        json: true,
      },
      dir,
    );
    expect(options).toMatchObject({
      url: 'http://example.test/x',
      output: join(dir, 'out.bin'),
      verb: 'PATCH',
      headers: [
        ['X-A', '1'],
        ['X-B', 'two'],
      ],
      proxy: { type: 'Socks5Proxy', host: '127.0.0.1', port: 1080, user: 'user', password: 'pw' },
      configuration: 'sim:a',
      json: true,
    });
    expect([...(options.body ?? [])]).toEqual([0, 1, 2, 255]);
  });

  it('defaults: GET, or POST with a body; no output, no proxy', async () => {
    expect(await getOptions('http://example.test/', {})).toMatchObject({
      verb: 'GET',
      output: undefined,
      proxy: undefined,
      body: undefined,
      json: false,
    });
    const post = await getOptions('http://example.test/', { data: 'a=1' });
    expect(post.verb).toBe('POST');
    expect(Buffer.from(post.body!).toString()).toBe('a=1');
  });

  it.each([
    ['not a URL', 'not a url', {}],
    ['a header without a colon', 'http://x/', { header: ['NoColon'] }],
    ['a header with a bad name', 'http://x/', { header: ['X A: b'] }],
    ['a header with a line break', 'http://x/', { header: ['X-A: b\r\nX-Evil: c'] }],
    ['a header with NUL', 'http://x/', { header: ['X-A: b\0'] }],
    ['a bad verb', 'http://x/', { request: 'GE T' }],
    ['CONNECT', 'http://x/', { request: 'connect' }],
    ['an empty verb', 'http://x/', { request: '' }],
    ['-d @ a missing file', 'http://x/', { data: '@missing.bin' }],
    ['a bad proxy scheme', 'http://x/', { proxy: 'ftp://proxy' }],
    ['an empty output', 'http://x/', { output: '' }],
  ])('%s is a usage error', async (_, url, flags) => {
    await expect(getOptions(url, flags, dir)).rejects.toBeInstanceOf(GetUsageError);
  });
});

describe('netbearer get usage errors, in process', () => {
  const create = () =>
    NetworkConfigurationManager.create({ engines: [new SimulatedWorld().engine()] });

  it.each([
    ['no URL', ['get']],
    ['two URLs', ['get', 'http://x/a', 'http://x/b']],
    ['an unknown flag', ['get', 'http://x/', '--frobnicate']],
    ['a bad header', ['get', 'http://x/', '-H', 'nope']],
    ['a missing -d file', ['get', 'http://x/', '-d', '@/nonexistent/netbearer-body']],
    ['an unknown engine', ['get', 'http://x/', '--engine', 'carrier-pigeon']],
  ])('%s exits 2 with the usage, nothing sent', async (_, args) => {
    const { t, out, err } = recordingTerminal();
    expect(await run(args, t, create)).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(/^netbearer: .+\n\nusage: netbearer get/);
  });

  it('an output file that cannot be made exits 1 with OutputError, before anything is sent', async () => {
    const { t, err } = recordingTerminal();
    const target = join(dir, 'no-such-directory', 'out.txt');
    expect(await run(['get', 'data:,hello', '-o', target], t, create)).toBe(1);
    expect(err).toEqual([`netbearer: OutputError: cannot write ${target} (ENOENT)`]);
  });

  it('-o of a data: URL writes the file', async () => {
    const { t, err } = recordingTerminal();
    const target = join(dir, 'hello.txt');
    expect(await run(['get', 'data:text/plain,hello%20there', '-o', target], t, create)).toBe(0);
    expect(err).toEqual([]);
    expect(await readFile(target, 'utf8')).toBe('hello there');
  });

  it('an unknown configuration exits 1 with InvalidConfigurationError', async () => {
    const { t, err } = recordingTerminal();
    expect(await run(['get', 'http://x/', '--configuration', 'nowhere'], t, create)).toBe(1);
    expect(err).toEqual([
      'netbearer: InvalidConfigurationError: no configuration is named or identified "nowhere"',
    ]);
  });
});
