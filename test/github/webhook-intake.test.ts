import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { commentEvent, gitHubEnv, postWebhook, testPrivateKey, webhookSecret } from '../support/github-webhooks';
import { startWebOnlyBot, type WebOnlyBot } from '../support/web-only-bot';

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];
const examplesOf = (event: string) => examples.find((entry) => entry.name === event)!.examples;

/** GitHub waits 10 s for an answer before it counts a delivery as failed. */
const githubDeadlineMs = 10_000;

/** pull_request actions that lead to a sync; every other action is a documented no-op. */
const syncing = new Set([
  'opened',
  'reopened',
  'synchronize',
  'closed',
  'ready_for_review',
  'converted_to_draft',
  'labeled',
  'unlabeled',
]);

let fake: FakeGitHub;
let t: WebOnlyBot;

beforeAll(async () => {
  fake = await startFakeGitHub();
  t = await startWebOnlyBot(
    `
repositories:
  - name: Codertocat/Hello-World
    script: { start: "true" }
github:
  throttle: false
  sync_debounce: 2s
`,
    gitHubEnv(fake.host, testPrivateKey()),
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

beforeEach(async () => {
  await t.clearJobs();
});

afterEach(() => {
  // Handlers never call the GitHub API: not even an installation token.
  expect(fake.calls).toEqual([]);
});

const deliveries = async (id: string) =>
  (await t.database.pool.query('select * from webhook_deliveries where delivery_id = $1', [id])).rows;
const post = (event: string, payload: unknown, options: { deliveryId?: string; signature?: string | null } = {}) =>
  postWebhook(t.url, event, payload, { secret: webhookSecret, ...options });

describe('webhook intake with the payloads of @octokit/webhooks-examples', () => {
  it.each(examplesOf('pull_request').map((payload, i) => [`${payload.action} #${i}`, payload] as const))(
    'pull_request %s: 2xx in time, recorded, a sync or a no-op',
    async (_name, payload) => {
      const answer = await post('pull_request', payload);
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(githubDeadlineMs);
      expect(await deliveries(answer.deliveryId)).toMatchObject([
        { event: 'pull_request', action: payload.action, repository: 'Codertocat/Hello-World', pr_number: 2 },
      ]);
      const jobs = await t.jobs();
      if (!syncing.has(String(payload.action))) return expect(jobs).toEqual([]);
      const installation = (payload.installation as { id: number } | undefined)?.id ?? null;
      expect(jobs).toMatchObject([
        {
          task: 'sync_pull_request',
          key: 'pr:codertocat/hello-world#2',
          queue: 'pr:codertocat/hello-world#2',
          payload: { repository: 'Codertocat/Hello-World', number: 2, installationId: installation },
        },
      ]);
      // Pushes wait for the burst to end; everything else syncs at once.
      const delay = jobs[0]!.runAt.getTime() - Date.now();
      if (payload.action === 'synchronize') expect(delay).toBeGreaterThan(500);
      else expect(delay).toBeLessThan(500);
    },
  );

  it.each(examplesOf('issue_comment').map((payload, i) => [`${payload.action} #${i}`, payload] as const))(
    'issue_comment %s: 2xx in time, recorded, no job (comments on issues carry no commands)',
    async (_name, payload) => {
      const answer = await post('issue_comment', payload);
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(githubDeadlineMs);
      expect(await deliveries(answer.deliveryId)).toHaveLength(1);
      expect(await t.jobs()).toEqual([]);
    },
  );

  it.each(examplesOf('check_run').map((payload, i) => [`${payload.action} #${i}`, payload] as const))(
    'check_run %s: someone else’s check run is a no-op',
    async (_name, payload) => {
      const answer = await post('check_run', payload);
      expect(answer.status).toBe(200);
      expect(await deliveries(answer.deliveryId)).toHaveLength(1);
      expect(await t.jobs()).toEqual([]);
    },
  );

  it.each(
    [...examplesOf('installation'), ...examplesOf('installation_repositories')].map(
      (payload, i) => [`${payload.action} #${i}`, payload] as const,
    ),
  )('installation %s: a reconcile unless the App lost access', async (_name, payload) => {
    const event =
      'repositories_added' in payload || 'repositories_removed' in payload
        ? 'installation_repositories'
        : 'installation';
    const answer = await post(event, payload);
    expect(answer.status).toBe(200);
    const lost = ['deleted', 'suspend', 'removed'].includes(String(payload.action));
    expect((await t.jobs()).map((job) => job.task)).toEqual(lost ? [] : ['reconcile_pull_requests']);
  });
});

describe('commands, edits and check run buttons', () => {
  const onPr = (body: string, extra: Record<string, unknown> = {}) => ({
    ...commentEvent('Codertocat/Hello-World', 2, { id: 77, body, login: 'octocat' }),
    ...extra,
  });

  it('a /sandbox comment on a pull request becomes a command job in the PR queue', async () => {
    expect((await post('issue_comment', onPr('Please\n/sandbox redeploy'))).status).toBe(200);
    expect(await t.jobs()).toMatchObject([
      {
        task: 'run_pr_command',
        queue: 'pr:codertocat/hello-world#2',
        payload: { text: 'redeploy', login: 'octocat', commentId: 77, action: null },
      },
    ]);
  });

  it('an @mention works like /sandbox', async () => {
    await post('issue_comment', onPr('@sandbox-bot activate 2'));
    expect(await t.jobs()).toMatchObject([{ task: 'run_pr_command', payload: { text: 'activate 2' } }]);
  });

  it.each([
    ['plain discussion', onPr('Looks good to me')],
    [
      'a bot comment',
      {
        ...onPr('/sandbox redeploy'),
        comment: { id: 78, body: '/sandbox redeploy', user: { login: 'sandbox-bot[bot]', type: 'Bot' } },
      },
    ],
    ['an edited comment', { ...onPr('/sandbox redeploy'), action: 'edited' }],
    ['a repository not in sandbox.yml', { ...onPr('/sandbox redeploy'), repository: { full_name: 'someone/else' } }],
  ])('%s is recorded and needs no job', async (_name, payload) => {
    const answer = await post('issue_comment', payload);
    expect(answer.status).toBe(200);
    expect(await deliveries(answer.deliveryId)).toHaveLength(1);
    expect(await t.jobs()).toEqual([]);
  });

  it('an edited description syncs after the debounce; a title edit does nothing', async () => {
    const example = examplesOf('pull_request').find((payload) => payload.action === 'opened' && payload.installation)!;
    await post('pull_request', { ...example, action: 'edited', changes: { title: { from: 'old' } } });
    expect(await t.jobs()).toEqual([]);
    await post('pull_request', { ...example, action: 'edited', changes: { body: { from: 'old' } } });
    expect(await t.jobs()).toMatchObject([{ task: 'sync_pull_request' }]);
  });

  it('the sandbox check run’s buttons become commands', async () => {
    const example = examplesOf('check_run').find((payload) => payload.action === 'requested_action')!;
    const payload = {
      ...example,
      repository: { full_name: 'Codertocat/Hello-World' },
      check_run: { id: 5, name: 'sandbox', pull_requests: [{ number: 2 }] },
      requested_action: { identifier: 'activate' },
    };
    expect((await post('check_run', payload)).status).toBe(200);
    expect(await t.jobs()).toMatchObject([
      { task: 'run_pr_command', payload: { number: 2, action: 'activate', text: null, commentId: null } },
    ]);
  });
});

describe('verification and de-duplication', () => {
  // Each test its own comment: a body seen before is a duplicate whatever its delivery id.
  let commentId = 90;
  const payload = () =>
    commentEvent('Codertocat/Hello-World', 2, { id: (commentId += 1), body: '/sandbox status', login: 'octocat' });

  it.each([
    ['a wrong signature', 'sha256=' + '0'.repeat(64)],
    ['a signature made with another secret', null],
    ['no signature', undefined],
  ])('%s: 4xx and nothing recorded', async (name, signature) => {
    const body = payload();
    const options =
      name === 'no signature'
        ? { signature: null }
        : name === 'a signature made with another secret'
          ? {}
          : { signature: signature as string };
    const answer =
      name === 'a signature made with another secret'
        ? await postWebhook(t.url, 'issue_comment', body, { secret: 'not-the-secret' })
        : await post('issue_comment', body, options);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(await deliveries(answer.deliveryId)).toEqual([]);
    expect(await t.jobs()).toEqual([]);
  });

  it('the same delivery three times makes one job', async () => {
    const body = payload();
    const answers = [
      await post('issue_comment', body, { deliveryId: 'same-delivery' }),
      await post('issue_comment', body, { deliveryId: 'same-delivery' }),
      await post('issue_comment', body, { deliveryId: 'same-delivery' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await deliveries('same-delivery')).toHaveLength(1);
    expect((await t.jobs()).filter((job) => job.task === 'run_pr_command')).toHaveLength(1);
  });

  it('the same delivery three times at once still makes one job', async () => {
    const body = payload();
    const answers = await Promise.all(
      [1, 2, 3].map(() => post('issue_comment', body, { deliveryId: 'same-delivery-at-once' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await t.jobs()).filter((job) => job.task === 'run_pr_command')).toHaveLength(1);
  });

  it('a burst is written in batches: one pending sync per PR, every command its own job', async () => {
    const example = examplesOf('pull_request').find((payload) => payload.action === 'synchronize')!;
    // Forty different pushes (a new head each) to four PRs.
    const pushes = Array.from({ length: 40 }, (_, i) =>
      post('pull_request', {
        ...example,
        after: i.toString(16).padStart(40, '0'),
        pull_request: { ...(example.pull_request as object), number: 100 + (i % 4) },
      }),
    );
    const commands = Array.from({ length: 40 }, (_, i) =>
      post(
        'issue_comment',
        commentEvent('Codertocat/Hello-World', 2, { id: 1_000 + i, body: '/sandbox status', login: 'octocat' }),
      ),
    );
    const answers = await Promise.all([...pushes, ...commands]);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const jobs = await t.jobs();
    expect(
      jobs
        .filter((job) => job.task === 'sync_pull_request')
        .map((job) => job.key)
        .sort(),
    ).toEqual([100, 101, 102, 103].map((n) => `pr:codertocat/hello-world#${n}`));
    expect(jobs.filter((job) => job.task === 'run_pr_command')).toHaveLength(40);
    const rows = await t.database.pool.query(
      'select count(*)::int as n from webhook_deliveries where delivery_id = any($1)',
      [answers.map((answer) => answer.deliveryId)],
    );
    expect(rows.rows[0].n).toBe(80);
  });

  it('the same body re-sent under a new delivery id is a duplicate: recorded once, one job', async () => {
    const body = payload();
    const first = await post('issue_comment', body);
    const replayed = await post('issue_comment', body);
    expect([first.status, replayed.status]).toEqual([200, 200]);
    expect(await deliveries(first.deliveryId)).toMatchObject([
      { body_digest: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(await deliveries(replayed.deliveryId)).toEqual([]);
    expect((await t.jobs()).filter((job) => job.task === 'run_pr_command')).toHaveLength(1);
  });

  it('the same body under five new delivery ids at once (one batch) still makes one job', async () => {
    const body = payload();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => post('issue_comment', body)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const rows = await t.database.pool.query(
      'select count(*)::int as n from webhook_deliveries where delivery_id = any($1)',
      [answers.map((answer) => answer.deliveryId)],
    );
    expect(rows.rows[0].n).toBe(1);
    expect((await t.jobs()).filter((job) => job.task === 'run_pr_command')).toHaveLength(1);
  });

  it('a check run button re-sent under a new delivery id runs once', async () => {
    const example = examplesOf('check_run').find((payload) => payload.action === 'requested_action')!;
    // No pull request in the payload: the recorder looks the check run up (a path of its own).
    const body = {
      ...example,
      repository: { full_name: 'Codertocat/Hello-World' },
      check_run: { id: 6001, name: 'sandbox', pull_requests: [] },
      requested_action: { identifier: 'activate' },
    };
    const first = await post('check_run', body);
    const replayed = await post('check_run', body);
    expect([first.status, replayed.status]).toEqual([200, 200]);
    expect(await deliveries(first.deliveryId)).toHaveLength(1);
    expect(await deliveries(replayed.deliveryId)).toEqual([]);
  });
});
