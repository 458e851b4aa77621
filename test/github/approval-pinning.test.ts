import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import {
  commentEvent,
  gitHubEnv,
  postWebhook,
  pullRequestEvent,
  testPrivateKey,
  webhookSecret,
} from '../support/github-webhooks';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

// Issue 10 item 4: an approval belongs to the commit it was given for.
const repoName = 'acme/app';
let fake: FakeGitHub;
let repo: SampleRepo;
let t: TestBot;

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepo(repoName);
  fake.setPermission(repoName, 'maintainer', 'write');
  repo = createSampleRepo();
  const workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
  t = await startTestBot(
    `
repositories:
  - name: ${repoName}
    url: ${repo.url}
    script:
      deploy: git rev-parse HEAD > built-commit.txt
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 15s
compute:
  local:
    work_root: ${workRoot}
retention:
  min_age: 0s
github:
  throttle: false
  sync_debounce: 1s
`,
    gitHubEnv(fake.host, testPrivateKey()),
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

const number = 5;
const store = () => t.bot.provisioning.store;
const instance = async () => (await store().findInstanceByPr(repoName, number))!;
const deployedShas = async () => (await store().listDeployments((await instance()).id)).map((d) => d.commitSha);
const botComment = () => fake.commentsOn(repoName, number).find((c) => c.type === 'Bot')?.body ?? '';
const push = async (sha: string) => {
  fake.setPull(repoName, { number, headSha: sha, author: 'outsider', fromFork: true });
  expect(
    (
      await postWebhook(
        t.url,
        'pull_request',
        pullRequestEvent('synchronize', repoName, fake.pullJson(repoName, number)),
        { secret: webhookSecret },
      )
    ).status,
  ).toBe(200);
};

async function approve(createdAt?: Date) {
  const written = fake.addUserComment(repoName, number, 'maintainer', '/sandbox approve');
  const event = commentEvent(repoName, number, {
    id: written.id,
    body: '/sandbox approve',
    login: 'maintainer',
    ...(createdAt ? { createdAt } : {}),
  });
  expect((await postWebhook(t.url, 'issue_comment', event, { secret: webhookSecret })).status).toBe(200);
  await waitFor(() => written.reactions.length > 0, { timeoutMs: 20_000, what: 'a reaction to the approval' });
  return written;
}

function served(): Promise<string | null> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/',
        headers: { host: `pr${number}-app.localhost:${url.port}` },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { commit: string }).commit : null));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('an approval holds for one commit of a fork pull request', () => {
  it('opened → waits → approved at A → A deploys → push B waits with a message → approved again → B deploys', async () => {
    const shaA = repo.commit({ 'fork.txt': 'A\n' });
    fake.setPull(repoName, { number, headSha: shaA, author: 'outsider', fromFork: true });
    expect(
      (
        await postWebhook(
          t.url,
          'pull_request',
          pullRequestEvent('opened', repoName, fake.pullJson(repoName, number)),
          { secret: webhookSecret },
        )
      ).status,
    ).toBe(200);
    await waitFor(() => botComment().includes('/sandbox approve'), { timeoutMs: 20_000, what: 'the waiting comment' });
    expect(await deployedShas()).toEqual([]);

    expect((await approve()).reactions).toContain('+1');
    await waitFor(async () => (await served()) === shaA, { timeoutMs: 60_000, what: 'A to serve' });
    expect(await instance()).toMatchObject({ approvedBy: 'maintainer', approvedSha: shaA });

    const shaB = repo.commit({ 'fork.txt': 'B\n' });
    await push(shaB);
    await waitFor(() => botComment().includes(`the new commit \`${shaB.slice(0, 7)}\` waits for a new approval`), {
      timeoutMs: 20_000,
      what: 'the new-approval message',
    });
    expect(botComment()).toContain(`approved \`${shaA.slice(0, 7)}\``);
    expect(await deployedShas()).toEqual([shaA]);
    expect(await served()).toBe(shaA);

    expect((await approve()).reactions).toContain('+1');
    await waitFor(async () => (await served()) === shaB, { timeoutMs: 60_000, what: 'B to serve' });
    expect(await deployedShas()).toEqual([shaA, shaB]);
    expect((await instance()).approvedSha).toBe(shaB);
  }, 180_000);

  it('a push just before the approval is processed does not ride on it', async () => {
    const shaB = (await instance()).approvedSha!;
    // C is pushed; its sync is debounced, so the approval comment is processed while the bot still records B.
    const shaC = repo.commit({ 'fork.txt': 'C\n' });
    await push(shaC);
    const early = await approve();
    expect(early.reactions).toContain('eyes');
    await waitFor(() => botComment().includes(`the new commit \`${shaC.slice(0, 7)}\` waits for a new approval`), {
      timeoutMs: 20_000,
      what: 'C to wait',
    });
    expect((await instance()).approvedSha).toBe(shaB);

    // An approval written before the bot recorded C (the approver saw B) is refused rather than bound to C.
    const stale = await approve(new Date(Date.now() - 60_000));
    expect(stale.reactions).toContain('confused');
    await waitFor(() => botComment().includes('the pull request changed after your comment'), { what: 'the refusal' });
    expect(await deployedShas()).not.toContain(shaC);
    expect((await instance()).approvedSha).toBe(shaB);

    expect((await approve()).reactions).toContain('+1');
    await waitFor(async () => (await served()) === shaC, { timeoutMs: 60_000, what: 'C to serve' });
  }, 180_000);
});
