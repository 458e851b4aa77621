/**
 * `npm run bench`: runs every bench/cases/*.ts (or the names given as
 * arguments), writes one JSON file per case to bench/results/ and prints a table.
 * Each case exports `default async function (): Promise<BenchResult>`.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, basename } from 'node:path';
import { pathToFileURL } from 'node:url';

export type BenchResult = { metrics: Record<string, number | string>; notes?: string };

const root = join(import.meta.dirname, '..');
const casesDir = join(root, 'bench', 'cases');
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });

const wanted = process.argv.slice(2);
const files = readdirSync(casesDir)
  .filter((file) => file.endsWith('.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(basename(file, '.ts')))
  .sort();

let failed = 0;
for (const file of files) {
  const name = basename(file, '.ts');
  process.stdout.write(`\n== ${name}\n`);
  try {
    const mod = (await import(pathToFileURL(join(casesDir, file)).href)) as { default: () => Promise<BenchResult> };
    const loadBefore = loadavg()[0]!;
    const result = await mod.default();
    // Every figure is a ratio to a floor measured in the same run; the machine says how far the absolute numbers carry.
    const machine = {
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      load_average_1m: { before: loadBefore, after: loadavg()[0]! },
    };
    const record = { name, date: new Date().toISOString(), node: process.version, machine, ...result };
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
    for (const [metric, value] of Object.entries(result.metrics)) {
      process.stdout.write(`  ${metric.padEnd(44)} ${typeof value === 'number' ? value.toFixed(2) : value}\n`);
    }
    if (result.notes) process.stdout.write(`  ${result.notes}\n`);
    process.stdout.write(
      `  machine: ${machine.cpus}, load average ${loadBefore.toFixed(1)} → ${machine.load_average_1m.after.toFixed(1)}\n`,
    );
  } catch (error) {
    failed += 1;
    process.stdout.write(`  FAILED: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);
