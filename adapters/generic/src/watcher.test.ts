import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { alive, fakeIp } from './testing/fake-ip.js';
import { ChangeWatcher, type WatcherOptions } from './watcher.js';

const options: WatcherOptions = {
  ipCommand: 'ip',
  debounceMs: 30,
  settleMs: 30,
  pollMinMs: 10,
  pollMaxMs: 40,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netbearer-watcher-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('monitor', () => {
  it('runs `ip -o monitor`, gathers a burst of lines into one refresh, and stops the child', async () => {
    const ip = await fakeIp(dir, 'burst', 'sleep 0.3; echo a; echo b; echo c; exec sleep 30');
    const exitListeners = process.listenerCount('exit');
    const refresh = vi.fn(async () => true);
    const watcher = await ChangeWatcher.start('auto', refresh, { ...options, ipCommand: ip });
    expect(watcher.kind).toBe('monitor');
    await until(() => refresh.mock.calls.length === 1); // the settling reading
    await until(() => refresh.mock.calls.length === 2); // the burst
    await new Promise((r) => setTimeout(r, 100));
    expect(refresh).toHaveBeenCalledTimes(2);
    expect((await readFile(`${ip}.args`, 'utf8')).trim()).toBe('-o monitor link address route');
    const pid = Number(await readFile(`${ip}.pid`, 'utf8'));
    expect(alive(pid)).toBe(true);
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    await watcher.stop();
    expect(alive(pid)).toBe(false);
    expect(process.listenerCount('exit')).toBe(exitListeners);
    expect(watcher.kind).toBe('none');
  });

  it('reads once as it settles, then not while the monitor says nothing', async () => {
    const ip = await fakeIp(dir, 'quiet', 'exec sleep 30');
    const refresh = vi.fn(async () => true);
    const watcher = await ChangeWatcher.start('auto', refresh, { ...options, ipCommand: ip });
    await new Promise((r) => setTimeout(r, 300));
    expect(refresh).toHaveBeenCalledTimes(1);
    await watcher.stop();
  });

  it('falls back to polling when ip cannot be run', async () => {
    const refresh = vi.fn(async () => false);
    const missing = join(dir, 'no-such-ip');
    const watcher = await ChangeWatcher.start('auto', refresh, { ...options, ipCommand: missing });
    expect(watcher.kind).toBe('poll');
    await until(() => refresh.mock.calls.length >= 2);
    await watcher.stop();
  });

  it('falls back to polling, and looks at once, when the monitor dies', async () => {
    const ip = await fakeIp(dir, 'dies', 'sleep 0.1; exit 1');
    const refresh = vi.fn(async () => false);
    const watcher = await ChangeWatcher.start('auto', refresh, {
      ...options,
      ipCommand: ip,
      pollMinMs: 10_000,
      pollMaxMs: 10_000,
    });
    expect(watcher.kind).toBe('monitor');
    await until(() => refresh.mock.calls.length === 1); // the settling reading
    await until(() => watcher.kind === 'poll');
    await until(() => refresh.mock.calls.length === 2, 1000);
    await watcher.stop();
  });
});

describe('monitor, only while someone listens', () => {
  it('runs nothing until listened to', async () => {
    const ip = await fakeIp(dir, 'unheard', 'exec sleep 30');
    const refresh = vi.fn(async () => true);
    const watcher = ChangeWatcher.create('auto', refresh, { ...options, ipCommand: ip });
    await new Promise((r) => setTimeout(r, 150));
    expect(existsSync(`${ip}.pid`)).toBe(false);
    expect(watcher.kind).toBe('none');
    expect(refresh).not.toHaveBeenCalled();
    await watcher.stop();
    expect(existsSync(`${ip}.pid`)).toBe(false);
  });

  it('kills the monitor when nobody listens, starts a new one and looks at once when someone does', async () => {
    const ip = await fakeIp(dir, 'listened', 'exec sleep 30');
    const exitListeners = process.listenerCount('exit');
    const refresh = vi.fn(async () => false);
    const watcher = await ChangeWatcher.start('auto', refresh, { ...options, ipCommand: ip });
    expect(watcher.kind).toBe('monitor');
    await until(() => existsSync(`${ip}.pid`));
    const first = Number(await readFile(`${ip}.pid`, 'utf8'));
    await until(() => refresh.mock.calls.length === 1); // the settling reading

    watcher.listen(false);
    expect(watcher.kind).toBe('none');
    await until(() => !alive(first));
    expect(process.listenerCount('exit')).toBe(exitListeners);
    await new Promise((r) => setTimeout(r, 100));
    expect(refresh).toHaveBeenCalledTimes(1);

    await rm(`${ip}.pid`);
    watcher.listen(true);
    // What changed while nobody listened is unknown: one reading at once, one as it settles.
    await until(() => refresh.mock.calls.length === 2, 20);
    await until(() => existsSync(`${ip}.pid`));
    const second = Number(await readFile(`${ip}.pid`, 'utf8'));
    expect(second).not.toBe(first);
    await until(() => watcher.kind === 'monitor');
    await until(() => refresh.mock.calls.length === 3);
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);

    await watcher.stop();
    expect(alive(second)).toBe(false);
    expect(watcher.kind).toBe('none');
    expect(process.listenerCount('exit')).toBe(exitListeners);
  });

  it('does not leave a monitor behind when nobody listens any more while it starts', async () => {
    const ip = await fakeIp(dir, 'brief', 'exec sleep 30');
    const processes = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;
    const before = processes();
    const watcher = ChangeWatcher.create('auto', async () => false, { ...options, ipCommand: ip });
    watcher.listen(true);
    watcher.listen(false);
    await until(() => processes() === before);
    await new Promise((r) => setTimeout(r, 100));
    expect(processes()).toBe(before);
    expect(watcher.kind).toBe('none');
    // Whether the script got as far as writing its pid is a race; that it is gone is not.
    if (existsSync(`${ip}.pid`)) {
      expect(alive(Number(await readFile(`${ip}.pid`, 'utf8')))).toBe(false);
    }
    await watcher.stop();
  });
});

describe('polling', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('doubles the interval while nothing changes and starts over after a change', async () => {
    vi.useFakeTimers();
    const results = [false, false, false, true, false];
    const refresh = vi.fn(async () => results.shift() ?? false);
    const watcher = await ChangeWatcher.start('poll', refresh, options);
    const callsAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return refresh.mock.calls.length;
    };
    expect(await callsAfter(9)).toBe(0);
    expect(await callsAfter(1)).toBe(1); // 10
    expect(await callsAfter(19)).toBe(1);
    expect(await callsAfter(1)).toBe(2); // +20
    expect(await callsAfter(40)).toBe(3); // +40
    expect(await callsAfter(40)).toBe(4); // +40 (capped); this one found a change
    expect(await callsAfter(10)).toBe(5); // back to 10
    await watcher.stop();
    expect(await callsAfter(1000)).toBe(5);
  });

  it('polls only while someone listens, and looks at once when a listener comes', async () => {
    vi.useFakeTimers();
    const refresh = vi.fn(async () => false);
    const watcher = await ChangeWatcher.start('poll', refresh, options);
    watcher.listen(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).not.toHaveBeenCalled();
    watcher.listen(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1); // a fresh look at once, then the usual doubling
    await vi.advanceTimersByTimeAsync(20);
    expect(refresh).toHaveBeenCalledTimes(2);
    watcher.listen(false);
    expect(vi.getTimerCount()).toBe(0);
    await watcher.stop();
  });

  it('keeps polling when a refresh fails', async () => {
    vi.useFakeTimers();
    const refresh = vi.fn(async () => {
      throw new Error('boom');
    });
    const watcher = await ChangeWatcher.start('poll', refresh, options);
    await vi.advanceTimersByTimeAsync(10 + 20 + 40);
    expect(refresh).toHaveBeenCalledTimes(3);
    await watcher.stop();
  });
});

describe('none', () => {
  it('starts nothing at all', async () => {
    vi.useFakeTimers();
    const refresh = vi.fn(async () => true);
    const watcher = await ChangeWatcher.start('none', refresh, options);
    expect(vi.getTimerCount()).toBe(0);
    expect(watcher.kind).toBe('none');
    await watcher.stop();
    vi.useRealTimers();
  });
});
