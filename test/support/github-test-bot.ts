import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './fake-github';
import { gitHubEnv, testPrivateKey } from './github-webhooks';
import { createSampleRepo, type SampleRepo } from './sample-repo';
import { startTestBot, type TestBot } from './test-bot';

export interface GitHubTestBot {
  t: TestBot;
  fake: FakeGitHub;
  repo: SampleRepo;
}

/**
 * The whole bot against a fake GitHub API (with `repoName` in it) and a sample repository, for one test file: started
 * in `beforeAll` (`prepare` runs first, before the bot sees the fake), stopped in `afterAll`, and every test fails if
 * the fake saw a call it did not expect. `yaml` gets the sample repository's url and a fresh local work root. The
 * handle may be used in hooks and tests only.
 */
export function useGitHubTestBot(
  repoName: string,
  yaml: (where: { repoUrl: string; workRoot: string }) => string,
  options: { prepare?: (fake: FakeGitHub, repo: SampleRepo) => void; timeoutMs?: number } = {},
): GitHubTestBot {
  let fake: FakeGitHub | undefined;
  let repo: SampleRepo | undefined;
  let t: TestBot | undefined;
  const started = <T>(part: T | undefined): T => {
    if (part === undefined) throw new Error('test setup: the GitHub test bot is used before beforeAll started it');
    return part;
  };
  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo(repoName);
    repo = createSampleRepo();
    options.prepare?.(fake, repo);
    const workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
    t = await startTestBot(yaml({ repoUrl: repo.url, workRoot }), gitHubEnv(fake.host, testPrivateKey()));
  }, options.timeoutMs ?? 60_000);
  afterAll(async () => {
    await t?.stop();
    await fake?.stop();
  });
  afterEach(() => {
    if (fake) expect(fake.unexpected).toEqual([]);
  });
  return {
    get t() {
      return started(t);
    },
    get fake() {
      return started(fake);
    },
    get repo() {
      return started(repo);
    },
  };
}
