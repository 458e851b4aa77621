import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface NextRelease {
  /** The checkout of the next version (run its `bin/sbx.js`). */
  dir: string;
  /** Tag of the migration this version adds (e.g. `0008_rollout_probe`). */
  migration: string;
  remove(): void;
}

/**
 * "The next version of the bot" for upgrade tests: a copy of this checkout
 * (the files the Docker image copies; node_modules linked) whose drizzle
 * migrations folder has one more migration, `sql`, after the real ones.
 * The real drizzle/migrations stays untouched.
 */
export function makeNextRelease(name: string, sql: string): NextRelease {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-next-release-'));
  for (const path of ['package.json', 'app.yml', 'bin', 'src', 'drizzle'])
    cpSync(join(root, path), join(dir, path), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const journalFile = join(dir, 'drizzle', 'migrations', 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1)!;
  const idx = journal.entries.length;
  const tag = `${String(idx).padStart(4, '0')}_${name}`;
  writeFileSync(join(dir, 'drizzle', 'migrations', `${tag}.sql`), sql);
  journal.entries.push({
    idx,
    version: last.version,
    when: Math.max(Date.now(), last.when + 1),
    tag,
    breakpoints: true,
  });
  writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
  return { dir, migration: tag, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
