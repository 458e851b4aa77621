#!/usr/bin/env node
// Prints the plain closing line CI reads, `N passed, N failed`, from vitest's
// JSON report plus the type-check / lint / system-deps steps of `npm test`.
import { existsSync, readFileSync } from 'node:fs';

const report = existsSync('test-results/vitest.json')
  ? JSON.parse(readFileSync('test-results/vitest.json', 'utf8'))
  : null;
const checks = existsSync('test-results/checks.json')
  ? JSON.parse(readFileSync('test-results/checks.json', 'utf8'))
  : {};

let passed = report?.numPassedTests ?? 0;
let failed = (report?.numFailedTests ?? 0) + (report ? 0 : 1);
const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
// A test file that fails to load has no failed tests but is a failure all the same.
for (const file of report?.testResults ?? []) {
  if (file.status === 'failed' && (file.assertionResults ?? []).every((a) => a.status !== 'failed')) failed += 1;
}
for (const [name, ok] of Object.entries(checks)) {
  if (name === 'vitest') continue;
  if (ok) passed += 1;
  else failed += 1;
}
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
