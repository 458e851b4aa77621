import { describe, expect, it } from 'vitest';
import { commentEvent, postWebhook, pullRequestEvent, webhookSecret } from '../support/github-webhooks';
import { waitFor } from '../support/wait-for';
import { useGitHubTestBot } from '../support/github-test-bot';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

// Issue 16: at most one live sandbox per author; the second PR waits with the quota, its holder and the way out.
const repoName = 'acme/app';
const gh = useGitHubTestBot(
  repoName,
  ({ repoUrl, workRoot }) => `
repositories:
${sampleRepositoryYml(repoName, repoUrl, { health_timeout: '15s' })}
    quotas:
      live_per_author: 1
quotas:
  live_per_repository: 5
${localComputeYml(workRoot)}
github:
  throttle: false
  sync_debounce: 1s
`,
  {
    prepare: (fake) => {
      fake.setPermission(repoName, 'dev', 'write');
      fake.setPermission(repoName, 'maintainer', 'write');
    },
  },
);

const store = () => gh.t.bot.provisioning.store;
const instanceOf = async (number: number) => (await store().findInstanceByPr(repoName, number))!;
const deploymentsOf = async (number: number) => store().listDeployments((await instanceOf(number)).id);
const botComment = (number: number) => gh.fake.commentsOn(repoName, number).find((c) => c.type === 'Bot')?.body ?? '';

const outputOf = (current: Record<string, unknown>) => (current.output ?? {}) as { title?: string; summary?: string };

async function open(number: number, author: string): Promise<string> {
  const sha = gh.repo.commit({ [`pr${number}.txt`]: `${number}\n` });
  gh.fake.setPull(repoName, { number, headSha: sha, author });
  const event = pullRequestEvent('opened', repoName, gh.fake.pullJson(repoName, number));
  expect((await postWebhook(gh.t.url, 'pull_request', event, { secret: webhookSecret })).status).toBe(200);
  return sha;
}

async function comment(number: number, login: string, body: string) {
  const written = gh.fake.addUserComment(repoName, number, login, body);
  const event = commentEvent(repoName, number, { id: written.id, body, login });
  expect((await postWebhook(gh.t.url, 'issue_comment', event, { secret: webhookSecret })).status).toBe(200);
  await waitFor(() => written.reactions.length > 0, { timeoutMs: 20_000, what: `a reaction to ${body}` });
  return written;
}

describe('live-sandbox quota per author on pull requests', { timeout: 120_000 }, () => {
  it('the second PR of an author waits, naming the quota and its holder, and deploys once the first is archived', async () => {
    await open(1, 'dev');
    await waitFor(
      async () => (await store().findInstanceByPr(repoName, 1)) !== null && (await deploymentsOf(1)).length > 0,
      {
        timeoutMs: 20_000,
        what: 'PR 1 to deploy',
      },
    );

    const sha2 = await open(2, 'dev');
    await waitFor(() => botComment(2).includes('over quota'), { timeoutMs: 20_000, what: 'the quota comment on PR 2' });
    const text = botComment(2);
    expect(text).toContain('the quota of 1 live sandbox per author (dev)');
    expect(text).toContain('[pr1-app](https://github.example/acme/app/pull/1)');
    expect(text).toContain('`/sandbox archive`');
    expect(text).toContain('`/sandbox approve`');
    await waitFor(
      () => gh.fake.checkRunsFor(sha2).some((run) => outputOf(run.current).title === 'Waiting: over quota'),
      {
        timeoutMs: 20_000,
        what: 'the queued check run of PR 2',
      },
    );
    const run = gh.fake.checkRunsFor(sha2).at(-1)!;
    expect(run.current).toMatchObject({ status: 'queued' });
    expect(outputOf(run.current).summary).toContain('pr1-app');
    expect(await deploymentsOf(2)).toEqual([]);
    expect((await gh.t.database.pool.query(`select waiting from github_pull_requests where number = 2`)).rows).toEqual([
      { waiting: 'quota' },
    ]);

    // Another author is not held by dev's quota.
    await open(3, 'maintainer');
    await waitFor(
      async () => (await store().findInstanceByPr(repoName, 3)) !== null && (await deploymentsOf(3)).length > 0,
      {
        timeoutMs: 20_000,
        what: 'PR 3 (another author) to deploy',
      },
    );

    // A redeploy asked on the waiting PR is refused the same way, from the shared runner.
    const redeploy = await comment(2, 'dev', '/sandbox redeploy');
    expect(redeploy.reactions).toContain('confused');
    await waitFor(() => botComment(2).includes('over the quota of 1 live sandbox per author'), {
      timeoutMs: 20_000,
      what: 'the refusal of the redeploy',
    });
    expect(await deploymentsOf(2)).toEqual([]);

    await comment(1, 'dev', '/sandbox archive');
    await waitFor(async () => (await deploymentsOf(2)).length === 1, { timeoutMs: 30_000, what: 'PR 2 to deploy' });
    expect((await deploymentsOf(2))[0]!.commitSha).toBe(sha2);
    await waitFor(() => !botComment(2).includes('over quota'), { timeoutMs: 20_000, what: 'the comment to move on' });
  });

  it("a maintainer's /sandbox approve lets a waiting PR exceed the quota", async () => {
    await open(4, 'dev');
    await waitFor(() => botComment(4).includes('over quota'), { timeoutMs: 20_000, what: 'PR 4 to wait' });
    expect(botComment(4)).toContain('[pr2-app](https://github.example/acme/app/pull/2)');
    expect((await comment(4, 'maintainer', '/sandbox approve')).reactions).toContain('+1');
    await waitFor(async () => (await deploymentsOf(4)).length === 1, { timeoutMs: 30_000, what: 'PR 4 to deploy' });
    const live = (await store().listLiveSandboxes()).filter((i) => i.prAuthor === 'dev').map((i) => i.slug);
    expect(live.sort()).toEqual(['pr2-app', 'pr4-app']);
  });
});
