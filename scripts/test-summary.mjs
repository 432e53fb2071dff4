// Prints vitest's JSON report as closing lines CI can read, ending with
// "Tests: N passed, N failed[, N skipped][, N todo]": exactly vitest's own test counts.
// A file that failed outside its tests (an import error, a failing hook) counts no test;
// it gets a line of its own and fails the run.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The summary of one vitest JSON report: `lines` to print and whether the run passed.
 * Counts are per test (vitest's numPassedTests, numFailedTests, numPendingTests,
 * numTodoTests), never per suite: vitest counts every describe block and file holding a
 * failed test as a failed suite too.
 */
export function summarize(report, root = process.cwd()) {
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = report.numPendingTests ?? 0;
  const todo = report.numTodoTests ?? 0;
  const lines = [];
  const files = report.testResults ?? [];
  // Failed, yet no test in it failed: the file itself or a hook broke.
  const broken = files
    .filter(
      (file) =>
        file.status === 'failed' &&
        !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const file of broken) {
    const name = relative(root, file.name) || file.name;
    const collected = (file.assertionResults ?? []).length;
    const why = file.message?.trim().split('\n')[0] || 'see the error above';
    lines.push(
      collected === 0
        ? `Failed file, no test collected: ${name}: ${why}`
        : `Failed file outside its tests (a hook or the module): ${name}: ${why}`,
    );
  }
  if (files.length === 0) lines.push('No test file ran.');
  else if (report.success === false && failed === 0 && broken.length === 0)
    lines.push('vitest reports the run as failed: see its output above.');
  const extra = `${skipped ? `, ${skipped} skipped` : ''}${todo ? `, ${todo} todo` : ''}`;
  lines.push(`Tests: ${passed} passed, ${failed} failed${extra}`);
  const ok = failed === 0 && broken.length === 0 && passed > 0 && report.success !== false;
  return { lines, ok };
}

function main(path) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`no test report at ${path}: ${error.message}`);
    return 1;
  }
  const { lines, ok } = summarize(report);
  console.log(`\n${lines.join('\n')}`);
  return ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(main(process.argv[2]));
}
