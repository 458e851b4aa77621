import { describe, expect, it } from 'vitest';
import { postToSlack, slashCommandForm } from '../support/slack-requests';
import { waitFor } from '../support/wait-for';
import {
  buttonsOf,
  messageText,
  sampleRepository,
  signingSecret,
  botToken,
  useSlackTestBot,
} from '../support/slack-test-bot';
import { createBareSandbox } from '../support/manual-sandbox';

const s = useSlackTestBot(
  `
repositories:${sampleRepository('acme/sample', 'REPO_URL')}
slack:
  permissions:
    deploy: [U0ALICE, S0DEPLOYERS]
    activate: [U0ALICE]
    archive: [U0ALICE]
    delete: [U0ALICE]
    create: [U0ALICE]
`,
  { allow: ['usergroups.users.list'], setup: createTwoSandboxes },
);

/** `demo` and `quiet`, never deployed; U0CAROL is in the deployers' user group. */
async function createTwoSandboxes(): Promise<void> {
  s.fake.groups.S0DEPLOYERS = ['U0CAROL'];
  const repository = s.t.config.repositories[0]!;
  for (const slug of ['demo', 'quiet']) {
    await createBareSandbox(store(), { slug, repository, baseDomain: s.t.config.base_domain });
  }
}

const store = () => s.t.bot.provisioning.store;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const deploymentsOf = async (slug: string) => store().listDeployments((await instance(slug)).id);
async function auditRows(actor: string) {
  const result = await s.t.database.pool.query<{
    action: string;
    result: string;
    surface: string;
    instance_slug: string | null;
    detail: Record<string, unknown>;
  }>('select action, result, surface, instance_slug, detail from audit_events where actor = $1 order by id', [actor]);
  return result.rows;
}

describe('the /slack/events endpoint', () => {
  it('checks the bot token with auth.test when it starts', () => {
    expect(s.fake.callsTo('auth.test')).toHaveLength(1);
    expect(s.fake.callsTo('auth.test')[0]!.token).toBe(botToken);
  });

  it('answers a validly signed command with an ephemeral reply in the HTTP response', async () => {
    const answer = await s.command('/sandbox', 'help');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.json?.text)).toContain('/redeploy &lt;instance&gt; [--no-activate] [--attempts N]');
  });

  it.each([
    ['a wrong signature', { signWith: 'not-the-secret' }],
    ['no signature headers', { unsigned: true }],
    ['a timestamp older than five minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ])('refuses %s with 401 and enqueues nothing', async (_label, options) => {
    const before = (await deploymentsOf('quiet')).length;
    const answer = await postToSlack(
      s.t.url,
      signingSecret,
      slashCommandForm({ command: '/redeploy', text: 'quiet', user: 'U0MALLORY', responseUrl: s.fake.responseUrl() }),
      options,
    );
    expect(answer.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await deploymentsOf('quiet')).length).toBe(before);
    expect(await auditRows('U0MALLORY')).toEqual([]);
  });

  it('refuses a correctly signed request timestamped more than five minutes ahead', async () => {
    const before = (await deploymentsOf('quiet')).length;
    const form = slashCommandForm({ command: '/redeploy', text: 'quiet', responseUrl: s.fake.responseUrl() });
    const answer = await postToSlack(s.t.url, signingSecret, form, {
      timestamp: Math.floor(Date.now() / 1000) + 6 * 60,
    });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('more than five minutes');
    expect((await deploymentsOf('quiet')).length).toBe(before);
  });

  it('runs a signed request once: the same request replayed within the window is refused', async () => {
    const before = (await deploymentsOf('quiet')).length;
    const form = slashCommandForm({ command: '/redeploy', text: 'quiet', responseUrl: s.fake.responseUrl() });
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    const first = await postToSlack(s.t.url, signingSecret, form, { timestamp });
    expect(first.status).toBe(200);
    expect(String(first.json?.text)).toContain('On it: redeploying');
    const replays = await Promise.all([1, 2, 3].map(() => postToSlack(s.t.url, signingSecret, form, { timestamp })));
    expect(replays.map((replay) => replay.status)).toEqual([401, 401, 401]);
    expect(replays[0]!.text).toContain('already received');
    expect((await deploymentsOf('quiet')).length).toBe(before + 1);
    const seen = await s.t.database.pool.query<{ n: number }>(
      'select count(*)::int as n from slack_requests_seen where request_timestamp = $1',
      [timestamp],
    );
    expect(seen.rows[0]!.n).toBe(1);
    // A new request (its own timestamp, so its own signature) with the same text runs.
    const again = await postToSlack(s.t.url, signingSecret, form, { timestamp: timestamp + 1 });
    expect(again.status).toBe(200);
    expect((await deploymentsOf('quiet')).length).toBe(before + 2);
  });
});

describe('/redeploy', () => {
  it('acks after the deployment is durably queued, and audits the Slack user', async () => {
    const answer = await s.command('/redeploy', 'demo --no-activate --attempts 2');
    expect(answer.status).toBe(200);
    const deployments = await deploymentsOf('demo');
    const deployment = deployments.at(-1)!;
    expect(answer.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining(
        `redeploying *<http://localhost:${s.t.bot.port}/sandboxes/demo|demo>* (deployment ${deployment.id}, up to 2 attempts, without activating)`,
      ),
    });
    expect(deployment).toMatchObject({
      requestedBy: 'U0ALICE',
      surface: 'slack',
      attempts: 2,
      activateOnSuccess: false,
    });
    expect(await auditRows('U0ALICE')).toContainEqual(
      expect.objectContaining({ action: 'deploy', result: 'ok', surface: 'slack', instance_slug: 'demo' }),
    );
  });

  it.each([
    ['demo --frobnicate', 'unknown option --frobnicate'],
    ['demo --attempts 99', '--attempts must be a whole number from 1 to 10'],
    ['demo extra words', 'unexpected'],
  ])('answers bad flags (%s) with usage help and queues nothing', async (text, problem) => {
    const before = (await deploymentsOf('demo')).length;
    const answer = await s.command('/redeploy', text);
    expect(answer.status).toBe(200);
    expect(String(answer.json?.text)).toContain(problem);
    expect(String(answer.json?.text)).toContain('Usage: `/redeploy &lt;instance&gt;');
    expect((await deploymentsOf('demo')).length).toBe(before);
    expect((await auditRows('U0ALICE')).at(-1)).toMatchObject({
      action: 'command',
      result: 'error',
      detail: expect.objectContaining({ reason: 'usage', command: '/redeploy', text }),
    });
  });

  it('with no text, answers with its usage', async () => {
    const answer = await s.command('/redeploy', '');
    expect(String(answer.json?.text)).toContain('/redeploy &lt;instance&gt;');
  });

  it('names close matches for an unknown sandbox, and audits the miss', async () => {
    const answer = await s.command('/redeploy', 'dmeo');
    expect(answer.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('no sandbox matches "dmeo"; did you mean demo?'),
    });
    expect(await auditRows('U0ALICE')).toContainEqual(
      expect.objectContaining({ action: 'redeploy', result: 'error', instance_slug: 'dmeo' }),
    );
  });

  it('refuses someone not allowed, says who may, and audits the refusal', async () => {
    const before = (await deploymentsOf('quiet')).length;
    const answer = await s.command('/redeploy', 'quiet', { user: 'U0BOB' });
    expect(String(answer.json?.text)).toContain(
      ':no_entry: Not allowed: you may not deploy from Slack; ask <@U0ALICE> or members of <!subteam^S0DEPLOYERS>',
    );
    expect((await deploymentsOf('quiet')).length).toBe(before);
    expect(await auditRows('U0BOB')).toEqual([
      expect.objectContaining({ action: 'redeploy', result: 'refused', surface: 'slack' }),
    ]);
  });

  it("acks within Slack's 3 seconds while the database is stuck, then answers through response_url", async () => {
    const quiet = await instance('quiet');
    const blocker = await s.t.database.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from instances where id = $1 for update', [quiet.id]);
      const started = Date.now();
      const answer = await s.command('/redeploy', 'quiet');
      const ackMs = Date.now() - started;
      expect(ackMs).toBeLessThan(3_000);
      expect(answer.json).toMatchObject({
        response_type: 'ephemeral',
        text: expect.stringContaining('Working on it; the database is slow'),
      });
      expect(s.fake.responsesTo(answer.responseUrl)).toEqual([]);
      await blocker.query('commit');
      const [late] = await s.responses(answer.responseUrl);
      expect(late).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('On it: redeploying') });
    } finally {
      await blocker.query('rollback').catch(() => undefined);
      blocker.release();
    }
  });

  it('lets members of an allowed user group deploy', async () => {
    const answer = await s.command('/redeploy', 'quiet', { user: 'U0CAROL' });
    expect(String(answer.json?.text)).toContain('On it: redeploying');
    expect((await deploymentsOf('quiet')).at(-1)).toMatchObject({ requestedBy: 'U0CAROL' });
    expect(s.fake.callsTo('usergroups.users.list').map((c) => c.params.usergroup)).toContain('S0DEPLOYERS');
  });
});

describe('/activate', () => {
  it('switches to the newest running appserver, or the one named, through core', async () => {
    const demo = await instance('demo');
    await waitFor(async () => (await store().listAppservers(demo.id)).some((a) => a.state === 'running'), {
      timeoutMs: 30_000,
      what: 'demo to run',
    });
    const running = (await store().listAppservers(demo.id)).filter((a) => a.state === 'running').at(-1)!;
    const answer = await s.command('/activate', `demo ${running.number}`);
    expect(answer.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining(
        `switching *<http://localhost:${s.t.bot.port}/sandboxes/demo|demo>* to appserver ${running.number}`,
      ),
    });
    expect(await auditRows('U0ALICE')).toContainEqual(
      expect.objectContaining({
        action: 'activate',
        result: 'ok',
        detail: expect.objectContaining({ appserver: running.number }),
      }),
    );
    await waitFor(async () => (await instance('demo')).activeAppserverId === running.id, { what: 'the activation' });
  });

  it('names the appservers there are when asked for one that is not', async () => {
    expect(String((await s.command('/activate', 'demo 99')).json?.text)).toMatch(
      /Not found: demo has no appserver 99 \(it has 1/,
    );
    expect(String((await s.command('/activate', 'demo two')).json?.text)).toContain('"two" is not an appserver number');
  });

  it('is refused to users without the activate permission, even deployers', async () => {
    expect(String((await s.command('/activate', 'demo', { user: 'U0CAROL' })).json?.text)).toContain(
      'you may not activate appservers from Slack; ask <@U0ALICE>',
    );
  });
});

describe('/sandbox', () => {
  it('answers unknown subcommands with "did you mean" and help', async () => {
    const answer = await s.command('/sandbox', 'stauts demo');
    expect(String(answer.json?.text)).toContain("I don't know the command `stauts`. Did you mean `/sandbox status`?");
  });

  it('status shows the URLs, the appservers and the buttons', async () => {
    await waitFor(
      async () => (await store().listAppservers((await instance('demo')).id)).some((a) => a.state === 'running'),
      { timeoutMs: 30_000, what: 'demo to run' },
    );
    const answer = await s.command('/sandbox', 'status demo.localhost');
    const text = messageText(answer.json ?? {});
    expect(text).toContain(`<http://demo.localhost:${s.t.bot.port}|demo.localhost>`);
    expect(text).toContain('live on appserver 1');
    expect(text).toContain('appserver 1 running, *active*');
    expect(buttonsOf(answer.json ?? {}).map((b) => b.action_id)).toEqual(['sbx_logs', 'sbx_redeploy']);
  });

  it('list filters by mine, failed and text', async () => {
    expect(messageText((await s.command('/sandbox', 'list')).json ?? {})).toMatch(/demo[\s\S]*quiet/);
    const mine = messageText((await s.command('/sandbox', 'list mine', { user: 'U0CAROL' })).json ?? {});
    expect(mine).toContain('quiet');
    expect(mine).not.toContain('|demo>');
    expect(String((await s.command('/sandbox', 'list failed')).json?.text)).toBe(
      'No sandboxes whose last deploy failed.',
    );
    expect(messageText((await s.command('/sandbox', 'list dem')).json ?? {})).toContain('|demo>');
  });

  it('logs shows the last lines of the newest appserver', async () => {
    const answer = await s.command('/sandbox', 'logs demo --lines 3');
    const text = messageText(answer.json ?? {});
    expect(text).toContain('last 3 lines');
    expect(text).toContain('```');
  });

  it('archive is refused without the permission and queued with it', async () => {
    expect(String((await s.command('/sandbox', 'archive quiet', { user: 'U0CAROL' })).json?.text)).toContain(
      'you may not archive sandboxes from Slack; ask <@U0ALICE>',
    );
    const answer = await s.command('/sandbox', 'archive quiet');
    expect(String(answer.json?.text)).toContain('On it: archiving');
    expect((await instance('quiet')).archivedAt).not.toBeNull();
  });

  it('create makes a manual sandbox from a configured repository and deploys it', async () => {
    const answer = await s.command('/sandbox', 'create fresh --repo-url https://github.com/acme/sample.git --ref main');
    expect(String(answer.json?.text)).toContain('Created *<');
    const fresh = await instance('fresh');
    expect(fresh).toMatchObject({ kind: 'manual', ref: 'main', prRepo: 'acme/sample' });
    expect(await deploymentsOf('fresh')).toHaveLength(1);
    const refused = await s.command('/sandbox', 'create other --repo-url https://evil.example/x.git');
    expect(String(refused.json?.text)).toContain('is not the URL of a configured repository');
    expect(await store().findInstanceBySlug('other')).toBeNull();
  });

  it('delete asks for confirmation; the button deletes', async () => {
    const answer = await s.command('/sandbox', 'delete fresh');
    const confirm = buttonsOf(answer.json ?? {}).find((b) => b.action_id === 'sbx_delete_confirm')!;
    expect(confirm.value).toBe(`${(await instance('fresh')).id}:0`);
    expect((await instance('fresh')).archivedAt).toBeNull();

    const refused = await s.click('sbx_delete_confirm', confirm.value, { user: 'U0CAROL' });
    expect(refused.status).toBe(200);
    expect((await s.responses(refused.responseUrl))[0]).toMatchObject({
      text: expect.stringContaining('you may not delete sandboxes'),
    });
    expect((await instance('fresh')).archivedAt).toBeNull();

    const cancel = await s.click('sbx_delete_cancel', String((await instance('fresh')).id));
    expect((await s.responses(cancel.responseUrl))[0]).toMatchObject({ replace_original: true, text: 'Not deleted.' });
    expect((await instance('fresh')).archivedAt).toBeNull();

    const click = await s.click('sbx_delete_confirm', confirm.value);
    expect(click.status).toBe(200);
    expect((await s.responses(click.responseUrl))[0]).toMatchObject({
      replace_original: true,
      text: expect.stringContaining('On it: deleting'),
    });
    await waitFor(async () => (await instance('fresh')).deletedAt !== null, {
      timeoutMs: 20_000,
      what: 'fresh to be deleted',
    });
  });
});

describe('buttons', () => {
  it('Redeploy goes through the permission check and core', async () => {
    const demo = await instance('demo');
    const before = (await deploymentsOf('demo')).length;
    const refused = await s.click('sbx_redeploy', String(demo.id), { user: 'U0BOB' });
    expect((await s.responses(refused.responseUrl))[0]).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Not allowed'),
    });
    const click = await s.click('sbx_redeploy', String(demo.id), { user: 'U0CAROL' });
    expect(click.status).toBe(200);
    expect((await s.responses(click.responseUrl))[0]).toMatchObject({
      text: expect.stringContaining('On it: redeploying'),
    });
    expect((await deploymentsOf('demo')).length).toBe(before + 1);
    expect((await deploymentsOf('demo')).at(-1)).toMatchObject({
      requestedBy: 'U0CAROL',
      surface: 'slack',
      activateOnSuccess: true,
    });
  });

  it('Logs is a link: acknowledged, nothing said', async () => {
    const click = await s.click('sbx_logs', undefined, { url: 'http://localhost/sandboxes/demo' });
    expect(click.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(s.fake.responsesTo(click.responseUrl)).toEqual([]);
  });
});
