import { describe, expect, it } from 'vitest';
import { HostQueue } from './host-queue.js';

const signal = () => () => new AbortController().signal;

describe('HostQueue', () => {
  it('runs up to the limit per origin and queues the rest in order', async () => {
    const queue = new HostQueue(2);
    const started: string[] = [];
    const take = (name: string, origin = 'http://a') =>
      queue.acquire(origin, 'NormalPriority', signal()).then((release) => {
        started.push(name);
        return release;
      });
    const [r1] = await Promise.all([take('1'), take('2')]);
    const third = take('3');
    const other = await take('b1', 'http://b');
    expect(started).toEqual(['1', '2', 'b1']);
    expect(queue.stats('http://a')).toEqual({ running: 2, waiting: 1 });
    r1!();
    await third;
    expect(started).toEqual(['1', '2', 'b1', '3']);
    expect(queue.stats('http://a')).toEqual({ running: 2, waiting: 0 });
    other();
    expect(queue.stats('http://b')).toEqual({ running: 0, waiting: 0 });
  });

  it('higher priority waits less; equal priority keeps arrival order', async () => {
    const queue = new HostQueue(1);
    const first = await queue.acquire('o', 'NormalPriority', signal());
    const order: string[] = [];
    const wait = (name: string, priority: 'HighPriority' | 'NormalPriority' | 'LowPriority') =>
      queue.acquire('o', priority, signal()).then((release) => {
        order.push(name);
        release();
      });
    const all = [
      wait('low', 'LowPriority'),
      wait('normal-1', 'NormalPriority'),
      wait('high', 'HighPriority'),
      wait('normal-2', 'NormalPriority'),
    ];
    first();
    await Promise.all(all);
    expect(order).toEqual(['high', 'normal-1', 'normal-2', 'low']);
  });

  it('an aborted waiter leaves the queue and rejects with the reason', async () => {
    const queue = new HostQueue(1);
    const release = await queue.acquire('o', 'NormalPriority', signal());
    const controller = new AbortController();
    const waiting = queue.acquire('o', 'NormalPriority', () => controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(queue.stats('o')).toEqual({ running: 1, waiting: 0 });
    release();
    release(); // twice is harmless
    expect(queue.stats('o')).toEqual({ running: 0, waiting: 0 });
  });
});
