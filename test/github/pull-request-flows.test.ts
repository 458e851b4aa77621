import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FakeCheckRun } from '../support/fake-github';
import { commentEvent, postWebhook, pullRequestEvent, webhookSecret } from '../support/github-webhooks';
import { viaBuiltinProxy } from '../support/manual-sandbox';
import { waitFor } from '../support/wait-for';
import { useGitHubTestBot } from '../support/github-test-bot';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

const repoName = 'acme/app';
const gh = useGitHubTestBot(
  repoName,
  ({ repoUrl, workRoot }) => `
repositories:
${sampleRepositoryYml(repoName, repoUrl, { health_timeout: '15s' })}
    settings:
      DB_PASSWORD: s3cret-db-password
      SITE_NAME: demo
    trigger:
      teams: [acme/reviewers]
${localComputeYml(workRoot)}
retention:
  min_age: 0s
github:
  throttle: false
  sync_debounce: 1s
`,
  {
    prepare: (fake, repo) => {
      fake.setPermission(repoName, 'maintainer', 'write');
      fake.addTeamMember('acme/reviewers', 'teamlead');
      // Opened while the bot was down: no webhook ever arrives for it.
      fake.setPull(repoName, { number: 40, headSha: repo.commit({ 'pr40.txt': '40\n' }) });
    },
  },
);

const store = () => gh.t.bot.provisioning.store;
const instanceOf = async (number: number) => (await store().findInstanceByPr(repoName, number))!;
const appserversOf = async (number: number) => store().listAppservers((await instanceOf(number)).id);
const sendPull = (action: string, number: number, extra: Record<string, unknown> = {}) =>
  postWebhook(gh.t.url, 'pull_request', pullRequestEvent(action, repoName, gh.fake.pullJson(repoName, number), extra), {
    secret: webhookSecret,
  });
const botComments = (number: number) =>
  gh.fake.commentsOn(repoName, number).filter((comment) => comment.type === 'Bot');
const latestRun = (sha: string): FakeCheckRun | undefined => gh.fake.checkRunsFor(sha).at(-1);

async function comment(number: number, login: string, body: string) {
  const written = gh.fake.addUserComment(repoName, number, login, body);
  expect(
    (
      await postWebhook(gh.t.url, 'issue_comment', commentEvent(repoName, number, { id: written.id, body, login }), {
        secret: webhookSecret,
      })
    ).status,
  ).toBe(200);
  return written;
}

async function waitForCheck(sha: string, conclusion: string, timeoutMs = 60_000): Promise<FakeCheckRun> {
  await waitFor(() => latestRun(sha)?.current.conclusion === conclusion, {
    timeoutMs,
    intervalMs: 100,
    what: `the check run of ${sha.slice(0, 7)} to conclude ${conclusion} (now ${JSON.stringify(latestRun(sha)?.current.status)} ${JSON.stringify(latestRun(sha)?.current.conclusion)})`,
  });
  return latestRun(sha)!;
}

async function served(host: string): Promise<{ commit: string } | null> {
  const answer = await viaProxy(host);
  return answer.status === 200 ? (JSON.parse(answer.body) as { commit: string }) : null;
}

describe('pull requests drive sandboxes through a fake GitHub and the local provider', () => {
  it('a pull request opened while the bot was down is deployed by the reconcile at start', async () => {
    const sha = gh.fake.pull(repoName, 40).headSha;
    await waitForCheck(sha, 'success');
    expect((await instanceOf(40)).slug).toBe('pr40-app');
    expect(botComments(40)).toHaveLength(1);
  }, 90_000);

  it('opened → running → check run success with the status page → one comment with the URL', async () => {
    const sha = gh.repo.commit({ 'pr1.txt': 'one\n' });
    gh.fake.setPull(repoName, { number: 1, headSha: sha, body: 'A change.' });
    const answer = await sendPull('opened', 1);
    expect(answer.status).toBe(200);
    const run = await waitForCheck(sha, 'success');
    expect(run.name).toBe('sandbox');
    expect(run.current.details_url).toBe(`${gh.t.config.public_url}/sandboxes/pr1-app`);
    expect(run.history.map((state) => state.status)).toContain('in_progress');
    expect((run.current.actions as { identifier: string }[]).map((action) => action.identifier)).toEqual([
      'redeploy',
      'archive',
    ]);
    await waitFor(() => botComments(1)[0]?.body.includes('Sandbox running') ?? false, {
      what: 'the comment to say running',
    });
    expect(botComments(1)).toHaveLength(1);
    expect(botComments(1)[0]!.body).toContain('pr1-app.localhost');
    expect(botComments(1)[0]!.body).toContain(`${gh.t.config.public_url}/sandboxes/pr1-app`);
    await waitFor(async () => (await served('pr1-app.localhost'))?.commit === sha, {
      what: 'the sandbox to serve the commit',
    });
    const deployment = [...gh.fake.deployments.values()].find((d) => d.ref === sha)!;
    expect(deployment.environment).toBe('sandbox/pr-1');
    await waitFor(() => deployment.statuses.at(-1)?.state === 'success', { what: 'the deployment status' });
    expect(deployment.statuses.at(-1)).toMatchObject({
      environment_url: expect.stringContaining('pr1-app.localhost'),
      log_url: `${gh.t.config.public_url}/sandboxes/pr1-app`,
    });
  }, 90_000);

  it('a push redeploys the new commit only; the older commit’s check run is left as it was', async () => {
    const before = await appserversOf(1);
    const oldSha = gh.fake.pull(repoName, 1).headSha;
    const oldRunUpdates = latestRun(oldSha)?.history.length ?? 0;
    // content of its own, so a retry in CI pushes a commit again
    const sha = gh.repo.commit({ VERSION: `2 ${Date.now()}\n` });
    gh.fake.setPull(repoName, { number: 1, headSha: sha });
    await sendPull('synchronize', 1);
    await waitForCheck(sha, 'success');
    const after = await appserversOf(1);
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((a) => !before.some((b) => b.id === a.id)).map((a) => a.commitSha)).toEqual([sha]);
    await waitFor(async () => (await served('pr1-app.localhost'))?.commit === sha, { what: 'the new commit to serve' });
    expect(latestRun(oldSha)!.history.length).toBe(oldRunUpdates);
    expect(botComments(1)).toHaveLength(1);
  }, 90_000);

  it('20 pushes in 2 s make exactly one deploy, of the newest commit', async () => {
    const before = (await appserversOf(1)).length;
    const shas: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const sha = gh.repo.commit({ 'burst.txt': `${i}\n` });
      shas.push(sha);
      gh.fake.setPull(repoName, { number: 1, headSha: sha });
      expect((await sendPull('synchronize', 1)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const newest = shas.at(-1)!;
    await waitForCheck(newest, 'success');
    const created = (await appserversOf(1)).slice(before);
    expect(created.map((a) => a.commitSha)).toEqual([newest]);
    expect(shas.slice(0, -1).flatMap((sha) => gh.fake.checkRunsFor(sha))).toEqual([]);
  }, 90_000);

  it('broken YAML in the edited description fails with line and column, and the old appserver keeps serving', async () => {
    const sha = gh.fake.pull(repoName, 1).headSha;
    const count = (await appserversOf(1)).length;
    gh.fake.setPull(repoName, {
      number: 1,
      headSha: sha,
      body: 'A change.\n\n**Settings**\n```yaml\nFOO: [1, 2\nBAR: x\n```\n',
    });
    await sendPull('edited', 1, { changes: { body: { from: 'A change.' } } });
    const run = await waitForCheck(sha, 'failure');
    expect((run.current.output as { summary: string }).summary).toContain('line 6, column 1');
    await waitFor(() => botComments(1)[0]!.body.includes('line 6, column 1'), {
      what: 'the comment to show the error',
    });
    // The builtin proxy caches routes for a second: let the last switch settle, then it must hold.
    await waitFor(async () => (await served('pr1-app.localhost'))?.commit === sha, {
      what: 'the head commit to serve',
    });
    expect((await appserversOf(1)).length).toBe(count);

    // Fixing the block with the same settings as deployed needs no redeploy.
    gh.fake.setPull(repoName, { number: 1, headSha: sha, body: 'A change.' });
    await sendPull('edited', 1, { changes: { body: { from: 'broken' } } });
    await waitForCheck(sha, 'success');
    expect((await appserversOf(1)).length).toBe(count);
  }, 90_000);

  it('an unknown command gets help with a "did you mean" in the one comment, and a reaction', async () => {
    const written = await comment(1, 'maintainer', '/sandbox redploy');
    await waitFor(() => written.reactions.includes('confused'), { what: 'the confused reaction' });
    await waitFor(() => botComments(1)[0]!.body.includes('Did you mean `/sandbox redeploy`?'), {
      what: 'the reply in the comment',
    });
    expect(botComments(1)).toHaveLength(1);
  }, 30_000);

  it('closed → archived; reopened → restored', async () => {
    const sha = gh.fake.pull(repoName, 1).headSha;
    gh.fake.setPull(repoName, { number: 1, headSha: sha, state: 'closed', closedAt: new Date().toISOString() });
    await sendPull('closed', 1);
    await waitFor(async () => (await appserversOf(1)).every((a) => a.state === 'terminated'), {
      timeoutMs: 30_000,
      what: 'every appserver to be terminated',
    });
    expect((await instanceOf(1)).archivedAt).not.toBeNull();
    expect((await viaProxy('pr1-app.localhost')).status).toBe(404);
    await waitFor(() => botComments(1)[0]!.body.includes('pull request closed'), { what: 'the comment to say closed' });
    const deployment = [...gh.fake.deployments.values()].find((d) => d.ref === sha)!;
    await waitFor(() => deployment.statuses.at(-1)?.state === 'inactive', { what: 'the deployment to go inactive' });

    const count = (await appserversOf(1)).length;
    gh.fake.setPull(repoName, { number: 1, headSha: sha, state: 'open', closedAt: null });
    await sendPull('reopened', 1);
    await waitFor(async () => (await served('pr1-app.localhost'))?.commit === sha, {
      timeoutMs: 60_000,
      what: 'the restored sandbox to serve',
    });
    expect((await instanceOf(1)).archivedAt).toBeNull();
    expect((await appserversOf(1)).length).toBe(count + 1);
    await waitForCheck(sha, 'success');
    expect(botComments(1)).toHaveLength(1);
  }, 120_000);

  it('a pull request by a non-member waits; approve from a non-maintainer is refused, from a maintainer deploys', async () => {
    const sha = gh.repo.commit({ 'pr2.txt': 'two\n' });
    gh.fake.setPull(repoName, { number: 2, headSha: sha, author: 'stranger' });
    await sendPull('opened', 2);
    await waitFor(() => botComments(2)[0]?.body.includes('/sandbox approve') ?? false, {
      timeoutMs: 20_000,
      what: 'the waiting comment',
    });
    expect(botComments(2)[0]!.body).toContain('Thanks for the pull request, @stranger!');
    expect(latestRun(sha)?.current.status).toBe('queued');
    expect(await store().listDeployments((await instanceOf(2)).id)).toEqual([]);

    const refused = await comment(2, 'stranger', '/sandbox approve');
    await waitFor(() => refused.reactions.includes('-1'), { what: 'the refusal' });
    await waitFor(() => botComments(2)[0]!.body.includes('sorry, only'), { what: 'the refusal in the comment' });
    expect(await store().listDeployments((await instanceOf(2)).id)).toEqual([]);

    const approved = await comment(2, 'teamlead', '/sandbox approve');
    await waitFor(() => approved.reactions.includes('+1'), { what: 'the approval' });
    await waitForCheck(sha, 'success');
    expect((await instanceOf(2)).approvedBy).toBe('teamlead');
    expect(botComments(2)).toHaveLength(1);
  }, 90_000);

  it('a fork pull request waits for approval and never receives the configuration’s secrets', async () => {
    const sha = gh.repo.commit({ 'pr3.txt': 'three\n' });
    gh.fake.setPull(repoName, { number: 3, headSha: sha, author: 'maintainer', fromFork: true });
    await sendPull('opened', 3);
    await waitFor(() => botComments(3)[0]?.body.includes('pull requests from forks') ?? false, {
      timeoutMs: 20_000,
      what: 'the waiting comment',
    });
    expect(await store().listDeployments((await instanceOf(3)).id)).toEqual([]);

    await comment(3, 'maintainer', '@sandbox-bot approve');
    await waitForCheck(sha, 'success');
    const [appserver] = await appserversOf(3);
    const vars = readFileSync(join(appserver!.workDir!, 'vars.yml'), 'utf8');
    expect(vars).toContain('SITE_NAME: demo');
    expect(vars).not.toContain('s3cret-db-password');
  }, 90_000);

  it('the check run’s Redeploy button works on a fork pull request, whose events carry no PR number', async () => {
    const sha = gh.fake.pull(repoName, 3).headSha;
    const count = (await appserversOf(3)).length;
    const run = latestRun(sha)!;
    const payload = {
      action: 'requested_action',
      check_run: { id: run.id, name: 'sandbox', pull_requests: [] },
      requested_action: { identifier: 'redeploy' },
      repository: { full_name: repoName },
      installation: { id: 1 },
      sender: { login: 'maintainer', type: 'User' },
    };
    expect((await postWebhook(gh.t.url, 'check_run', payload, { secret: webhookSecret })).status).toBe(200);
    await waitFor(async () => (await appserversOf(3)).length === count + 1, {
      timeoutMs: 20_000,
      what: 'a new appserver',
    });
    const newest = Math.max(...(await appserversOf(3)).map((a) => a.number));
    // Whether GitHub saw it in progress depends on how the reports coalesced; it must end on the new appserver.
    await waitFor(
      () =>
        latestRun(sha)!.current.conclusion === 'success' &&
        JSON.stringify(latestRun(sha)!.current.output).includes(`Appserver ${newest} runs`),
      { timeoutMs: 60_000, what: `the check run to show appserver ${newest} running` },
    );
    await waitFor(() => botComments(3)[0]!.body.includes('@maintainer asked for a redeploy'), { what: 'the notice' });
  }, 90_000);

  it('the periodic reconcile archives the sandbox of a pull request closed while nobody listened', async () => {
    const sha = gh.fake.pull(repoName, 40).headSha;
    gh.fake.setPull(repoName, {
      number: 40,
      headSha: sha,
      state: 'closed',
      merged: true,
      closedAt: new Date().toISOString(),
    });
    await store().enqueue('reconcile_pull_requests', {}, { jobKey: 'reconcile_pull_requests' });
    await waitFor(async () => (await instanceOf(40)).archivedAt !== null, {
      timeoutMs: 20_000,
      what: 'the sandbox of PR 40 to be archived',
    });
    await waitFor(() => botComments(40)[0]!.body.includes('pull request closed'), {
      what: 'the comment to say closed',
    });
  }, 60_000);
});

/** GET through the bot's builtin load balancer with the sandbox's Host header. */
const viaProxy = (host: string) => viaBuiltinProxy(gh.t.url, host);
