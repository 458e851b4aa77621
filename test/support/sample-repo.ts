import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'sample-app');

export interface SampleRepo {
  dir: string;
  url: string;
  head(): string;
  /** Commits new content (VERSION and any files) and returns the new head SHA. */
  commit(files: Record<string, string>, message?: string): string;
}

/**
 * A throwaway git repository with a copy of `fixture` committed on `branch`, world-readable (deploys clone it as a
 * sandbox user, not as the test's own user: like any repository URL, it must be readable by them), and a git
 * runner in it that returns the trimmed output.
 */
export function createFixtureRepo(
  fixture: string,
  { prefix, branch, message }: { prefix: string; branch: string; message: string },
): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
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
    }).trim();
  git('init', '--quiet', `--initial-branch=${branch}`);
  git('add', '.');
  git('commit', '--quiet', '-m', message);
  return { dir, git };
}

/** A throwaway git repository holding test/fixtures/sample-app, cloned by deploys over file:// (world-readable, as sandbox users clone it). */
export function createSampleRepo(): SampleRepo {
  const { dir, git } = createFixtureRepo(fixture, { prefix: 'sbx-repo-', branch: 'main', message: 'initial' });
  return {
    dir,
    url: `file://${dir}`,
    head: () => git('rev-parse', 'HEAD'),
    commit(files, message = 'change') {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      git('add', '.');
      git('commit', '--quiet', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}
