import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'scripts/test-summary.mjs');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netbearer-summary-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the summary script on a report; its output lines (blank ones dropped) and exit code. */
async function summary(report: unknown): Promise<{ lines: string[]; code: number }> {
  const path = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(report));
  const result = await run(process.execPath, [script, path], { cwd: dir }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  return { lines: result.stdout.split('\n').filter((l) => l !== ''), code: result.code };
}

type Status = 'passed' | 'failed' | 'skipped' | 'todo';
/** A report shaped as vitest 4's JSON reporter writes it (counts derived from the tests). */
function report(
  files: Array<{ name: string; message?: string; failed?: boolean; tests: Status[] }>,
) {
  const all = files.flatMap((f) => f.tests);
  const count = (s: Status) => all.filter((t) => t === s).length;
  const testResults = files.map((f) => ({
    name: join(dir, f.name),
    status: f.failed || f.tests.includes('failed') ? 'failed' : 'passed',
    message: f.message ?? '',
    assertionResults: f.tests.map((status, i) => ({ fullName: `t${i}`, title: `t${i}`, status })),
  }));
  const failedFiles = testResults.filter((f) => f.status === 'failed').length;
  return {
    // Every describe block and file above a failed test counts as a failed suite: never tests.
    numTotalTestSuites: files.length * 3,
    numFailedTestSuites: failedFiles * 3,
    numTotalTests: all.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: count('todo'),
    success: failedFiles === 0,
    testResults,
  };
}

describe('the test summary', () => {
  it('counts tests, not the suites and files around a failed test', async () => {
    const out = await summary(
      report([
        { name: 'a.test.ts', tests: ['passed', 'failed', 'passed'] },
        { name: 'b.test.ts', tests: ['passed', 'passed'] },
      ]),
    );
    expect(out).toEqual({ lines: ['Tests: 4 passed, 1 failed'], code: 1 });
  });

  it('passes a clean run, counting skipped and todo tests as vitest does', async () => {
    const out = await summary(
      report([{ name: 'a.test.ts', tests: ['passed', 'skipped', 'todo', 'passed'] }]),
    );
    expect(out).toEqual({ lines: ['Tests: 2 passed, 0 failed, 1 skipped, 1 todo'], code: 0 });
  });

  it('fails a run with a file that collected no test, on a line of its own', async () => {
    const out = await summary(
      report([
        { name: 'a.test.ts', tests: ['passed', 'passed'] },
        {
          name: 'b.test.ts',
          failed: true,
          message: "Cannot find module './gone.js' imported from b.test.ts\nmore",
          tests: [],
        },
      ]),
    );
    expect(out).toEqual({
      lines: [
        "Failed file, no test collected: b.test.ts: Cannot find module './gone.js' imported from b.test.ts",
        'Tests: 2 passed, 0 failed',
      ],
      code: 1,
    });
  });

  it('fails a run with no test at all, and a missing report', async () => {
    expect(await summary(report([]))).toEqual({
      lines: ['No test file ran.', 'Tests: 0 passed, 0 failed'],
      code: 1,
    });
    const missing = await run(process.execPath, [script, join(dir, 'nothing.json')]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no test report') });
  });

  it("reads a real vitest report exactly as vitest's own summary line", async () => {
    const project = join(dir, 'project');
    const files: Record<string, string> = {
      'nested.test.ts': `import { describe, expect, it } from 'vitest';
describe('outer', () => {
  describe('inner', () => {
    it('fails', () => expect(1).toBe(2));
    it('passes', () => {});
  });
  it.skip('is skipped', () => {});
  it.todo('is to do');
});
it('passes too', () => {});
`,
      'unimportable.test.ts': `import './missing-module.js';
import { it } from 'vitest';
it('is never collected', () => {});
`,
      'hook.test.ts': `import { beforeAll, describe, it } from 'vitest';
describe('hooked', () => {
  beforeAll(() => { throw new Error('the hook broke'); });
  it('never runs', () => {});
});
it('passes as well', () => {});
`,
    };
    await mkdir(project, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(project, name), text);
    await writeFile(join(project, 'package.json'), '{"type":"module"}');
    const json = join(project, 'report.json');
    const vitestRun = await run(
      process.execPath,
      [
        vitest,
        'run',
        '--root',
        project,
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${json}`,
      ],
      { cwd: project, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    // Vitest's own counts, as it prints them.
    expect(vitestRun.code).toBe(1);
    expect(vitestRun.stdout).toMatch(/Tests +1 failed \| 3 passed \| 2 skipped \| 1 todo \(7\)/);

    const out = await run(process.execPath, [script, json], { cwd: project }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(out).toMatchObject({ code: 1 });
    const lines = out.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toEqual([
      'Failed file outside its tests (a hook or the module): hook.test.ts: see the error above',
      'Failed file, no test collected: unimportable.test.ts: ' +
        "Cannot find module './missing-module.js' imported from " +
        `${join(project, 'unimportable.test.ts')}`,
      'Tests: 3 passed, 1 failed, 2 skipped, 1 todo',
    ]);
  }, 60_000);
});
