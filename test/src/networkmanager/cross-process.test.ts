/**
 * SystemSessionSupport for real: several netbearer processes (real child processes, each with
 * its own NetworkManager engine) share one count per link through the holds registry, on a
 * real NetworkManager (the sandbox). What is up is checked with nmcli, never with the engine.
 * The children run as this user (the registry is per user) from a staged copy (stage-child.ts)
 * that any user can read, so the suite also runs from a checkout under a 0700 directory.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HoldRegistry } from '@netbearer/adapter-networkmanager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JsonLineChild } from '../support/json-line-child.js';
import { nmId as id, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import { type StagedChild, stageChild } from '../support/stage-child.js';
import { waitUntil } from '../support/wait.js';

describe('SystemSessionSupport: netbearer processes share one count per link', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let staged: StagedChild;
  let shared: string;
  let userwired: string;
  const holders: JsonLineChild[] = [];
  const directories: string[] = [];

  beforeAll(async () => {
    staged = await stageChild('test/src/support/nm-holder-child.ts');
    const started = await nm.startWithProfiles({ links: 2 }, { shared: 0, userwired: 1 });
    sandbox = started.sandbox;
    shared = id(started.uuids.shared);
    userwired = id(started.uuids.userwired);
  }, 90_000);

  afterEach(async () => {
    await Promise.allSettled(holders.splice(0).map((h) => h.end()));
  });

  afterAll(async () => {
    await staged?.cleanup();
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh holds registry directory for one test (what every process of the test shares). */
  function registry(): string {
    const parent = mkdtempSync(join(tmpdir(), 'nb-cross-'));
    directories.push(parent);
    return join(parent, 'holds');
  }

  async function startHolder(
    name: string,
    holdsDirectory: string,
    op = 'start',
  ): Promise<JsonLineChild> {
    const holder = new JsonLineChild(name, [process.execPath, staged.entry], staged.dir);
    holders.push(holder);
    await holder.ready;
    const started = await holder.request<{ capabilities: string[] }>(op, {
      busAddress: sandbox.busAddress,
      holdsDirectory,
    });
    expect(started.capabilities).toContain('SystemSessionSupport');
    return holder;
  }

  /** What NetworkManager itself says, through nmcli. */
  async function isUp(profile: string): Promise<boolean> {
    const active = await sandbox.nmcli('-t', '-f', 'NAME,STATE', 'connection', 'show', '--active');
    return active.split('\n').some((line) => line === `${profile}:activated`);
  }

  function entries(dir: string): string[] {
    return readdirSync(dir).sort();
  }

  /** The entries of the holders of activation `key`, live or dead. */
  function holdersOf(dir: string, key: string): string[] {
    return entries(dir).filter((n) => n.startsWith(`${key}.h.`));
  }

  /** The one activation key the registry has entries for, read from the marker's name. */
  function markedKey(dir: string): string {
    const marker = entries(dir).find((name) => name.endsWith('.up'));
    if (!marker) throw new Error(`no marker in ${entries(dir).join(', ')}`);
    return marker.slice(0, -'.up'.length);
  }

  /** A and B, started on one fresh registry. */
  async function twoHolders(): Promise<{ dir: string; a: JsonLineChild; b: JsonLineChild }> {
    const dir = registry();
    return { dir, a: await startHolder('A', dir), b: await startHolder('B', dir) };
  }

  /** A brings `shared` up, B joins it. */
  async function upAndJoined(a: JsonLineChild, b: JsonLineChild): Promise<void> {
    expect(await a.request('connect', { identifier: shared })).toBe('started');
    expect(await b.request('connect', { identifier: shared })).toBe('joined');
  }

  /**
   * `last`, the last live holder, lets go of `shared`: down. Then `holders` end, and nothing
   * is left in the registry.
   */
  async function lastRelease(
    dir: string,
    last: JsonLineChild,
    holders: JsonLineChild[],
  ): Promise<void> {
    expect(await last.request('release', { identifier: shared })).toBe('down');
    expect(await isUp('shared')).toBe(false);
    for (const holder of holders) await holder.end();
    expect(entries(dir)).toEqual([]);
  }

  /** `body`, while the user has brought `userwired` up (nmcli); the user takes it down after. */
  async function whileUserUp(body: () => Promise<void>): Promise<void> {
    await sandbox.nmcli('--wait', '15', 'connection', 'up', 'userwired');
    try {
      await body();
    } finally {
      await sandbox.nmcli('connection', 'down', 'userwired').catch(() => '');
    }
  }

  it('(a) A brings it up, B joins, A closes: up; B closes: down', async () => {
    const { dir, a, b } = await twoHolders();
    expect(await a.request('connect', { identifier: shared })).toBe('started');
    expect(await isUp('shared')).toBe(true);
    expect(await b.request('connect', { identifier: shared })).toBe('joined');
    const key = markedKey(dir);
    expect(holdersOf(dir, key)).toHaveLength(2);

    expect(await a.request('release', { identifier: shared })).toBe('kept');
    expect(await isUp('shared')).toBe(true);
    await lastRelease(dir, b, [a, b]);
  }, 60_000);

  it('(b) the owner killed with SIGKILL: B is the only holder, and its close takes it down', async () => {
    const { dir, a, b } = await twoHolders();
    await upAndJoined(a, b);
    const key = markedKey(dir);
    await a.kill();
    expect(await isUp('shared')).toBe(true);
    // A's entry is still on disk, but it no longer counts: B is the one live holder.
    expect(holdersOf(dir, key)).toHaveLength(2);
    const seen = HoldRegistry.open({ directory: dir }).inspect(key);
    expect(seen).toMatchObject({ marker: true, doomed: false });
    expect(seen.holders).toHaveLength(1);
    expect(holdersOf(dir, key)).toHaveLength(1);

    await lastRelease(dir, b, [b]);
  }, 60_000);

  it('(c) every holder killed: the link stays up; the next process to join and close takes it down', async () => {
    const { dir, a, b } = await twoHolders();
    await upAndJoined(a, b);
    const key = markedKey(dir);
    await a.kill();
    await b.kill();
    // Nobody is left to take it down: it stays up, still marked as netbearer's.
    expect(await isUp('shared')).toBe(true);
    expect(entries(dir)).toContain(`${key}.up`);

    const c = await startHolder('C', dir);
    expect(await c.request('connect', { identifier: shared })).toBe('joined');
    // C's visit removed the dead holders' entries; C is the count.
    expect(holdersOf(dir, key)).toHaveLength(1);
    await lastRelease(dir, c, [c]);
  }, 60_000);

  it('(c) every holder killed and the user took the link down: the stale marker is swept', async () => {
    const dir = registry();
    const a = await startHolder('A', dir);
    expect(await a.request('connect', { identifier: shared })).toBe('started');
    const key = markedKey(dir);
    await a.kill();
    await sandbox.nmcli('connection', 'down', 'shared');
    expect(entries(dir)).toContain(`${key}.up`);

    // The next process brings it up anew: a new activation, and the old marker is gone.
    const d = await startHolder('D', dir);
    expect(await d.request('connect', { identifier: shared })).toBe('started');
    expect(entries(dir)).not.toContain(`${key}.up`);
    expect(entries(dir).filter((n) => n.endsWith('.up'))).toHaveLength(1);
    expect(await d.request('release', { identifier: shared })).toBe('down');
    await d.end();
    expect(entries(dir)).toEqual([]);
  }, 60_000);

  it('(d) three processes racing open/close 50 times each: consistent, nothing left behind', async () => {
    const dir = registry();
    const racers = await Promise.all(['R1', 'R2', 'R3'].map((name) => startHolder(name, dir)));
    const results = await Promise.all(
      racers.map((r) =>
        r.request<{ outcomes: Record<string, number>; failures: string[] }>(
          'race',
          { identifier: shared, cycles: 50 },
          150_000,
        ),
      ),
    );
    for (const { outcomes, failures } of results) {
      expect(failures).toEqual([]);
      expect((outcomes.started ?? 0) + (outcomes.joined ?? 0)).toBe(50);
      expect((outcomes.down ?? 0) + (outcomes.kept ?? 0)).toBe(50);
    }
    // Nobody holds it and netbearer brought it up: down.
    expect(await isUp('shared')).toBe(false);
    for (const r of racers) await r.end();
    expect(entries(dir)).toEqual([]);
  }, 180_000);

  it('a stop takes it down for everyone and clears every holder', async () => {
    const { dir, a, b } = await twoHolders();
    await upAndJoined(a, b);
    expect(await b.request('stop', { identifier: shared })).toBe('down');
    expect(await isUp('shared')).toBe(false);
    expect(entries(dir).filter((n) => n.includes('.h.') || n.endsWith('.up'))).toEqual([]);
    expect(await a.request('release', { identifier: shared })).toBe('down');
    await a.end();
    await b.end();
    expect(entries(dir)).toEqual([]);
  }, 60_000);

  it('(e) a profile the user brought up first: open/close in two processes through core leaves it up', async () => {
    const dir = registry();
    await whileUserUp(async () => {
      const p = await startHolder('P', dir, 'manager');
      const q = await startHolder('Q', dir, 'manager');
      expect(await p.request('open', { identifier: userwired, name: 's' })).toMatchObject({
        opened: true,
        state: 'Connected',
      });
      expect(await q.request('open', { identifier: userwired, name: 's' })).toMatchObject({
        opened: true,
      });
      const key = (await waitUntil(
        () =>
          entries(dir)
            .find((n) => n.includes('.h.'))
            ?.split('.h.')[0],
        'the holds of both processes',
      )) as string;
      await waitUntil(() => holdersOf(dir, key).length === 2, 'two holders');
      expect(entries(dir)).not.toContain(`${key}.up`);

      await p.request('close', { name: 's' });
      await q.request('close', { name: 's' });
      // Both let go (core's release is not awaited by close): no holder is left...
      await waitUntil(() => entries(dir).length === 0, 'every hold to be let go of');
      // ... and the user's link is still up.
      expect(await isUp('userwired')).toBe(true);
      await p.end();
      await q.end();
      expect(await isUp('userwired')).toBe(true);
      expect(entries(dir)).toEqual([]);
    });
  }, 60_000);

  it('(e) the same through the engine: joined, and a release keeps it', async () => {
    await whileUserUp(async () => {
      const { dir, a, b } = await twoHolders();
      expect(await a.request('connect', { identifier: userwired })).toBe('joined');
      await b.request('claim', { identifier: userwired });
      expect(await a.request('release', { identifier: userwired })).toBe('kept');
      expect(await b.request('release', { identifier: userwired })).toBe('kept');
      expect(await isUp('userwired')).toBe(true);
      expect(entries(dir)).toEqual([]);
    });
  }, 60_000);
});
