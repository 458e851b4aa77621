import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'openedx-configuration');

/** A throwaway git copy of test/fixtures/openedx-configuration, world-readable (sandbox users clone it), with extra branches. */
export function createConfigurationRepo(branches: Record<string, Record<string, string>>): {
  url: string;
  dir: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-configuration-'));
  chmodSync(dir, 0o755);
  cpSync(fixture, dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch=master');
  git('add', '.');
  git('commit', '--quiet', '-m', 'fixture');
  for (const [branch, files] of Object.entries(branches)) {
    git('checkout', '--quiet', '-b', branch, 'master');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    git('commit', '--quiet', '-am', branch);
  }
  git('checkout', '--quiet', 'master');
  return { url: `file://${dir}`, dir };
}
