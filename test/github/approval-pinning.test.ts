import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { commentEvent, postWebhook, pullRequestEvent, webhookSecret } from '../support/github-webhooks';
import { waitFor } from '../support/wait-for';
import { useGitHubTestBot } from '../support/github-test-bot';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

// Issue 10 item 4: an approval belongs to the commit it was given for.
const repoName = 'acme/app';
const gh = useGitHubTestBot(
  repoName,
  ({ repoUrl, workRoot }) => `
repositories:
${sampleRepositoryYml(repoName, repoUrl, { health_timeout: '15s' })}
${localComputeYml(workRoot)}
retention:
  min_age: 0s
github:
  throttle: false
  # A push's sync stays pending until the test sends a label (not debounced; it replaces the pending sync):
  # what the bot had recorded when a comment is handled never depends on how fast this machine is.
  sync_debounce: 10m
`,
  {
    prepare: (fake) => {
      fake.setPermission(repoName, 'maintainer', 'write');
    },
  },
);

const number = 5;
const store = () => gh.t.bot.provisioning.store;
const instance = async () => (await store().findInstanceByPr(repoName, number))!;
const deployedShas = async () => (await store().listDeployments((await instance()).id)).map((d) => d.commitSha);
const botComment = () => gh.fake.commentsOn(repoName, number).find((c) => c.type === 'Bot')?.body ?? '';
const deliver = async (action: string, extra: Record<string, unknown> = {}) =>
  expect(
    (
      await postWebhook(
        gh.t.url,
        'pull_request',
        pullRequestEvent(action, repoName, gh.fake.pullJson(repoName, number), extra),
        {
          secret: webhookSecret,
        },
      )
    ).status,
  ).toBe(200);
/** A push: its sync is debounced (pending until `syncNow`). */
const push = async (sha: string) => {
  gh.fake.setPull(repoName, { number, headSha: sha, author: 'outsider', fromFork: true });
  await deliver('synchronize');
};
/** A label: a sync of the PR right away (it also brings a pending debounced sync forward). */
let labels = 0;
const syncNow = () => deliver('labeled', { label: { name: `qa-${(labels += 1)}` } });

async function approve(createdAt?: Date) {
  const written = gh.fake.addUserComment(repoName, number, 'maintainer', '/sandbox approve');
  const event = commentEvent(repoName, number, {
    id: written.id,
    body: '/sandbox approve',
    login: 'maintainer',
    ...(createdAt ? { createdAt } : {}),
  });
  expect((await postWebhook(gh.t.url, 'issue_comment', event, { secret: webhookSecret })).status).toBe(200);
  await waitFor(() => written.reactions.length > 0, { timeoutMs: 20_000, what: 'a reaction to the approval' });
  return written;
}

function served(): Promise<string | null> {
  const url = new URL(gh.t.url);
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
    const shaA = gh.repo.commit({ 'fork.txt': 'A\n' });
    gh.fake.setPull(repoName, { number, headSha: shaA, author: 'outsider', fromFork: true });
    expect(
      (
        await postWebhook(
          gh.t.url,
          'pull_request',
          pullRequestEvent('opened', repoName, gh.fake.pullJson(repoName, number)),
          { secret: webhookSecret },
        )
      ).status,
    ).toBe(200);
    await waitFor(() => botComment().includes('/sandbox approve'), { timeoutMs: 20_000, what: 'the waiting comment' });
    expect(await deployedShas()).toEqual([]);

    expect((await approve()).reactions).toContain('+1');
    await waitFor(async () => (await served()) === shaA, { timeoutMs: 60_000, what: 'A to serve' });
    expect(await instance()).toMatchObject({ approvedBy: 'maintainer', approvedSha: shaA });

    const shaB = gh.repo.commit({ 'fork.txt': 'B\n' });
    await push(shaB);
    await syncNow();
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
    const shaC = gh.repo.commit({ 'fork.txt': 'C\n' });
    await push(shaC);
    const early = await approve();
    expect(early.reactions).toContain('eyes');
    await syncNow();
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

  it('a sync of the same head after the comment (a label) does not refuse the approval', async () => {
    const shaD = gh.repo.commit({ 'fork.txt': 'D\n' });
    await push(shaD);
    await syncNow();
    await waitFor(() => botComment().includes(`the new commit \`${shaD.slice(0, 7)}\` waits for a new approval`), {
      timeoutMs: 20_000,
      what: 'D to wait',
    });
    // The approver looks at D and writes the comment; before the bot handles it, a label syncs the PR again (same head).
    const writtenAt = new Date();
    await syncNow();
    const syncedAt = async () =>
      (
        await gh.t.database.pool.query<{ synced_at: Date }>(
          'select synced_at from github_pull_requests where repository = $1 and number = $2',
          [repoName, number],
        )
      ).rows[0]!.synced_at;
    await waitFor(async () => (await syncedAt()) > writtenAt, { timeoutMs: 20_000, what: 'the sync after the label' });

    expect((await approve(writtenAt)).reactions).toContain('+1');
    await waitFor(async () => (await served()) === shaD, { timeoutMs: 60_000, what: 'D to serve' });
    expect((await instance()).approvedSha).toBe(shaD);
  }, 180_000);
});
