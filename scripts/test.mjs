#!/usr/bin/env node
// `npm test`: system prerequisites, type-check, lint, formatting, then the whole vitest suite.
// Every step runs even when an earlier one fails, so one run shows every problem;
// test-results/checks.json records the non-vitest steps for the CI summary.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const extraArgs = process.argv.slice(2);
const checks = {};

function step(name, command, args) {
  process.stdout.write(`\n▶ ${name}: ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = result.status === 0;
  checks[name] = ok;
  if (!ok) process.stdout.write(`✗ ${name} failed (exit ${result.status ?? result.signal})\n`);
  return ok;
}

const depsOk = step('system-deps', 'bash', ['scripts/install-system-deps.sh']);
if (!depsOk) {
  process.stderr.write('\nThe test suite needs the system packages listed above; nothing was tested.\n');
}
step('typecheck', 'npx', ['tsc', '--noEmit']);
step('lint', 'npx', ['eslint', '.']);
step('format', 'npx', ['prettier', '--check', '.']);
if (depsOk) step('vitest', 'npx', ['vitest', 'run', ...extraArgs]);

mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'checks.json'), JSON.stringify(checks, null, 2) + '\n');
const failed = Object.entries(checks)
  .filter(([, ok]) => !ok)
  .map(([name]) => name);
process.stdout.write(failed.length ? `\nnpm test: failed: ${failed.join(', ')}\n` : '\nnpm test: all steps passed\n');
process.exit(failed.length ? 1 : 0);
