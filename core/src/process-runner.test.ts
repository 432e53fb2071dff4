import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createProcessRunner, splitLines } from './process-runner.js';

const runner = createProcessRunner();
const node = process.execPath;

describe('the process runner', () => {
  it('passes every argument as it is, with no shell, and returns raw bytes', async () => {
    const hostile = [
      '$(touch /tmp/nb-pwned)',
      '`id`',
      'a "b" c',
      '; rm -rf /',
      'é\u0000'.slice(0, 1),
    ];
    const result = await runner.exec(
      node,
      ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile],
      { timeoutMs: 10_000 },
    );
    expect(result).toMatchObject({ code: 0, signal: null, timedOut: false });
    expect(JSON.parse(result.stdout.toString('utf8'))).toEqual(hostile);
    const bytes = await runner.exec(
      node,
      ['-e', 'process.stdout.write(Buffer.from([0xff, 0x0d, 0x0a]))'],
      {
        timeoutMs: 10_000,
      },
    );
    expect([...bytes.stdout]).toEqual([0xff, 0x0d, 0x0a]);
  });

  it('reports an exit code, a timeout and a program that does not exist, never throwing', async () => {
    const failed = await runner.exec(node, ['-e', 'process.stderr.write("no"); process.exit(3)'], {
      timeoutMs: 10_000,
    });
    expect(failed).toMatchObject({ code: 3, timedOut: false });
    expect(failed.stderr.toString()).toBe('no');
    const slow = await runner.exec(node, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 });
    expect(slow).toMatchObject({ code: null, timedOut: true });
    const missing = await runner.exec('/nonexistent/netsh.exe', [], { timeoutMs: 1_000 });
    expect(missing.code).toBeNull();
    expect(missing.spawnError).toMatch(/ENOENT/);
  });

  it('reads a long-lived program line by line and kills it', async () => {
    const child = runner.spawnLines(
      node,
      [
        '-e',
        'process.stdin.on("data", (d) => process.stdout.write("got " + d + "\\r\\nnext\\n")); setInterval(() => {}, 1000)',
      ],
      { stdin: 'hello' },
    );
    const seen: string[] = [];
    for await (const line of child.lines) {
      seen.push(line.toString());
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['got hello', 'next']);
    await child.kill();
  });

  it('keeps standard input open after the write with keepStdinOpen, until kill', async () => {
    // The child reports what it read, then after a while whether its input has ended.
    const script = [
      'let ended = false;',
      'process.stdin.on("data", (d) => process.stdout.write("got " + d + "\\n"));',
      'process.stdin.on("end", () => { ended = true; process.stdout.write("ended\\n"); });',
      'setTimeout(() => process.stdout.write(ended ? "" : "still open\\n"), 300);',
      'setInterval(() => {}, 1000);',
    ].join(' ');
    const read = async (child: ReturnType<typeof runner.spawnLines>) => {
      const seen: string[] = [];
      for await (const line of child.lines) {
        seen.push(line.toString());
        if (seen.length === 2) break;
      }
      return seen;
    };
    const open = runner.spawnLines(node, ['-e', script], {
      stdin: 'n.watch',
      keepStdinOpen: true,
    });
    expect(await read(open)).toEqual(['got n.watch', 'still open']);
    await open.kill();
    // Without it, the input ends right after the write (scutil would exit there).
    const closed = runner.spawnLines(node, ['-e', script], { stdin: 'n.watch' });
    expect(await read(closed)).toEqual(['got n.watch', 'ended']);
    await closed.kill();
  });

  it('kill ends a child whose input is kept open, and its lines end', async () => {
    const child = runner.spawnLines(
      node,
      [
        '-e',
        'process.stdout.write("ready\\n"); process.stdin.resume(); setInterval(() => {}, 1000)',
      ],
      { keepStdinOpen: true },
    );
    const seen: string[] = [];
    const done = (async () => {
      for await (const line of child.lines) seen.push(line.toString());
    })();
    await vi.waitFor(() => expect(seen).toEqual(['ready']));
    await child.kill();
    await done;
    expect(seen).toEqual(['ready']);
  });

  it('splits bytes on LF across chunks, keeps invalid UTF-8, and bounds a line', async () => {
    const chunks = [Buffer.from('a\r'), Buffer.from([0x0a, 0xff, 0x0a]), Buffer.from('tail')];
    const lines: Buffer[] = [];
    for await (const line of splitLines(Readable.from(chunks))) lines.push(line);
    expect(lines.map((l) => [...l])).toEqual([[0x61], [0xff], [...Buffer.from('tail')]]);
    const long: Buffer[] = [];
    for await (const line of splitLines(Readable.from([Buffer.alloc(2 * 1024 * 1024 + 1, 0x41)]))) {
      long.push(line);
    }
    expect(long.map((l) => l.length)).toEqual([1024 * 1024, 1024 * 1024, 1]);
  });
});
