import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFixtureRepo } from './sample-repo';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'openedx-configuration');

/** A throwaway git copy of test/fixtures/openedx-configuration, world-readable (sandbox users clone it), with extra branches. */
export function createConfigurationRepo(branches: Record<string, Record<string, string>>): {
  url: string;
  dir: string;
} {
  const { dir, git } = createFixtureRepo(fixture, {
    prefix: 'sbx-configuration-',
    branch: 'master',
    message: 'fixture',
  });
  for (const [branch, files] of Object.entries(branches)) {
    git('checkout', '--quiet', '-b', branch, 'master');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    git('commit', '--quiet', '-am', branch);
  }
  git('checkout', '--quiet', 'master');
  return { url: `file://${dir}`, dir };
}
