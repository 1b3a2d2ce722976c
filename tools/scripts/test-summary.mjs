#!/usr/bin/env node
// Reads a vitest JSON report (reporter "json") and prints one final line `N passed, N failed`,
// the closing line CI reads. Exits 1 when anything failed or the report is missing/unreadable.
// Usage: node tools/scripts/test-summary.mjs REPORT.json
import { readFileSync } from 'node:fs';

function summarize(file) {
  let report;
  try {
    if (!file) throw new Error('no report path given');
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { passed: 0, failed: 1, notes: [`cannot read the vitest report (${why}): tests did not run`] };
  }

  const passed = report.numPassedTests ?? 0;
  let failed = report.numFailedTests ?? 0;
  const notes = [];

  // A test file that failed to load (import error, syntax error, throw at top level) adds nothing to
  // numFailedTests: count each such file as one failure.
  for (const r of report.testResults ?? []) {
    const failedInFile = (r.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (r.status === 'failed' && failedInFile === 0) {
      failed += 1;
      notes.push(`${r.name} failed to run: ${(r.message ?? '').split('\n')[0]}`);
    }
  }

  // vitest also reports success=false for errors outside any test (unhandled rejections, no test files).
  if (report.success === false && failed === 0) {
    failed = 1;
    notes.push('vitest reported a failure (unhandled error or no test files) outside any test');
  }
  return { passed, failed, notes };
}

const { passed, failed, notes } = summarize(process.argv[2]);
for (const note of notes) console.error(`test-summary: ${note}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
