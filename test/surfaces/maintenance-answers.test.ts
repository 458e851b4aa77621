import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaintenance } from '../../src/infra/db/maintenance-flag';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import {
  commentEvent,
  gitHubEnv,
  postWebhook,
  pullRequestEvent,
  testPrivateKey,
  webhookSecret,
} from '../support/github-webhooks';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { postToSlack, slashCommandForm } from '../support/slack-requests';
import { freePort } from '../support/status-bot';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';

/*
 * Issue 17, maintenance mode: deliveries and commands keep arriving while
 * the workers hold their jobs. Slack and PR comments are answered at once,
 * "in maintenance: <message>, queued", and the work waits in the queue.
 */

const repoName = 'acme/app';
const signingSecret = 'maintenance-signing-secret';
let fake: FakeGitHub;
let slack: FakeSlack;
let repo: SampleRepo;
let t: TestBot;

const store = () => t.bot.provisioning.store;
const queued = async (task: string) =>
  Number(
    (
      await t.database.pool.query(
        `select count(*) from graphile_worker._private_jobs where task_id = (select id from graphile_worker._private_tasks where identifier = $1)`,
        [task],
      )
    ).rows[0].count,
  );

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepo(repoName);
  fake.setPermission(repoName, 'maintainer', 'write');
  slack = await startFakeSlack({ allow: ['auth.test', 'chat.postMessage', 'chat.update'] });
  repo = createSampleRepo();
  const port = await freePort();
  t = await startTestBot(
    `
repositories:
  - name: ${repoName}
    url: ${repo.url}
    script:
      deploy: "true"
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 15s
slack:
  permissions:
    archive: [U0ALICE]
github:
  throttle: false
`,
    {
      ...gitHubEnv(fake.host, testPrivateKey()),
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SLACK_BOT_TOKEN: 'xoxb-m',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
    },
  );
  fake.setPull(repoName, { number: 1, headSha: repo.commit({ 'one.txt': '1\n' }), author: 'maintainer' });
  await postWebhook(t.url, 'pull_request', pullRequestEvent('opened', repoName, fake.pullJson(repoName, 1)), {
    secret: webhookSecret,
  });
  await waitFor(async () => (await store().findInstanceByPr(repoName, 1)) !== null, { what: 'the sandbox of PR 1' });
  const repository = t.config.repositories[0]!;
  await createBareSandbox(store(), { slug: 'slack-box', repository, baseDomain: t.config.base_domain });
  const idle = async () =>
    (await t.database.pool.query(`select 1 from deployments where state in ('pending', 'running') limit 1`))
      .rowCount === 0;
  await waitFor(idle, { timeoutMs: 60_000, what: 'the first deploys to end' });
  await setMaintenance(t.database.db, { on: true, message: 'upgrading the database', by: 'test' });
  await waitFor(() => t.bot.worker?.isPaused() ?? false, { timeoutMs: 3_000, what: 'the worker to pause' });
}, 120_000);

afterAll(async () => {
  if (t) await setMaintenance(t.database.db, { on: false, message: null, by: 'test' });
  const idle = async () =>
    (await t.database.pool.query(`select 1 from deployments where state in ('pending', 'running') limit 1`))
      .rowCount === 0;
  if (t) await waitFor(idle, { timeoutMs: 60_000, what: 'the deploys to end' }).catch(() => undefined);
  await t?.stop();
  await fake?.stop();
  await slack?.close();
});

describe('maintenance mode on every surface', () => {
  it('a Slack command is answered "in maintenance: …, queued" and its work waits', async () => {
    const answer = await postToSlack(
      t.url,
      signingSecret,
      slashCommandForm({
        command: '/sandbox',
        text: 'archive slack-box',
        responseUrl: slack.responseUrl(),
        user: 'U0ALICE',
      }),
    );
    expect(answer.status).toBe(200);
    expect(String(answer.json?.text)).toMatch(
      /^:construction: in maintenance: upgrading the database, queued\. :file_cabinet: On it: archiving/,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await queued('archive_instance')).toBe(1);
  });

  it('a PR comment is answered in the sticky comment, and a read is answered as usual', async () => {
    const body = '/sandbox redeploy';
    const written = fake.addUserComment(repoName, 1, 'maintainer', body);
    expect(
      (
        await postWebhook(
          t.url,
          'issue_comment',
          commentEvent(repoName, 1, { id: written.id, body, login: 'maintainer' }),
          { secret: webhookSecret },
        )
      ).status,
    ).toBe(200);
    await waitFor(() => written.reactions.length > 0, { timeoutMs: 10_000, what: 'a reaction' });
    expect(written.reactions[0]).toBe('eyes');
    await waitFor(
      () =>
        fake.commentsOn(repoName, 1).some((c) => c.body.includes('(in maintenance: upgrading the database, queued)')),
      { timeoutMs: 10_000, what: 'the sticky comment to say so' },
    );
    expect(await queued('deploy_instance')).toBeGreaterThanOrEqual(1);

    const status = await postToSlack(
      t.url,
      signingSecret,
      slashCommandForm({
        command: '/sandbox',
        text: 'status slack-box',
        responseUrl: slack.responseUrl(),
        user: 'U0ALICE',
      }),
    );
    expect(JSON.stringify(status.json)).not.toContain('in maintenance');
  });

  it('the queued work runs when maintenance ends', async () => {
    await setMaintenance(t.database.db, { on: false, message: null, by: 'test' });
    await waitFor(async () => (await queued('archive_instance')) === 0, {
      timeoutMs: 20_000,
      what: 'the archive to run',
    });
    expect((await store().findInstanceBySlug('slack-box'))?.archivedAt).not.toBeNull();
    const pr = (await store().findInstanceByPr(repoName, 1))!;
    await waitFor(
      async () =>
        (await store().listDeployments(pr.id)).length === 2 &&
        (await store().listDeployments(pr.id)).every((d) => !['pending', 'running'].includes(d.state)),
      { timeoutMs: 60_000, what: 'the queued redeploy to end' },
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}: ${JSON.stringify((await store().listDeployments(pr.id)).map((d) => d.state))}`,
      );
    });
  }, 90_000);
});
