import { describe, expect, it } from 'vitest';
import { requestDeployment } from '../../src/core/operations/operations';
import type { FakeSlackCall } from '../support/fake-slack';
import { messageHistory, buttonsOf, messageText, sampleRepository, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

const s = useSlackTestBot(`
repositories:${sampleRepository('acme/sample', 'REPO_URL', 'sleep 2')}${sampleRepository('acme/broken', 'REPO_URL', 'echo "about to fail"\n        exit 3')}
slack:
  permissions:
    deploy: ['*']
    activate: ['*']
    create: ['*']
  channels:
    failures: C0FAILS
retention:
  min_age: 1h
`);

const store = () => s.t.bot.provisioning.store;
const statusUrl = (slug: string) => `http://localhost:${s.t.bot.port}/sandboxes/${slug}`;

async function waitForMessage(channel: string, text: string, what: string): Promise<FakeSlackCall[]> {
  let history: FakeSlackCall[] = [];
  await waitFor(
    () => {
      history = messageHistory(s.fake, channel, what);
      return history.length > 0 && messageText(history.at(-1)!.params).includes(text);
    },
    { timeoutMs: 30_000, what: `a message in ${channel} about ${what} to say ${text}` },
  );
  return history;
}

describe('progress of a deploy started from Slack', { timeout: 60_000 }, () => {
  it('posts one message in the channel and updates it in place until the sandbox is live', async () => {
    const answer = await s.command('/sandbox', 'create demo acme/sample', { channel: 'C0TEAM' });
    expect(String(answer.json?.text)).toContain('Created *<');
    const history = await waitForMessage('C0TEAM', 'is live', 'Redeploy of');
    const [post, ...updates] = history;
    expect(post!.method).toBe('chat.postMessage');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((call) => call.method === 'chat.update')).toBe(true);
    const states = history.map((call) => String(call.params.text));
    // The deploy takes longer than the report coalescing window, so its progress shows before the end.
    expect(states.some((state) => /queued|waiting for a host|deploying/.test(state))).toBe(true);
    expect(states.at(-1)).toContain(`appserver 1 is live: demo.localhost`);
    expect(new Set(states).size).toBe(states.length);
    const final = history.at(-1)!.params;
    expect(messageText(final)).toContain(`<http://demo.localhost:${s.t.bot.port}|demo.localhost>`);
    expect(buttonsOf(final).map((b) => [b.action_id, b.url ?? b.value])).toEqual([
      ['sbx_logs', statusUrl('demo')],
      ['sbx_redeploy', String((await store().findInstanceBySlug('demo'))!.id)],
    ]);
    // The manual instance's state changes also went to the notification channel, one message updated in place.
    const notifications = s.fake.callsTo('chat.postMessage').filter((call) => call.params.channel === 'C0FAILS');
    expect(notifications).toHaveLength(1);
  });

  it('a redeploy without activation offers Activate; the button activates it with its own message', async () => {
    s.repo.commit({ VERSION: '2\n' });
    const answer = await s.command('/redeploy', 'demo --no-activate', { channel: 'C0TEAM' });
    const deployment = /deployment (\d+)/.exec(String(answer.json?.text))![1];
    const history = await waitForMessage('C0TEAM', 'not activated', `deployment ${deployment}`);
    const activate = buttonsOf(history.at(-1)!.params).find((b) => b.action_id === 'sbx_activate')!;
    const demo = (await store().findInstanceBySlug('demo'))!;
    const second = (await store().findAppserver(demo.id, 2))!;
    expect(activate).toMatchObject({ value: String(second.id), text: { text: 'Activate appserver 2' } });

    const click = await s.click('sbx_activate', activate.value, { channel: 'C0TEAM', user: 'U0DAVE' });
    expect((await s.responses(click.responseUrl))[0]).toMatchObject({ text: expect.stringContaining('switching *<') });
    await waitForMessage('C0TEAM', 'appserver 2 is live', 'Activate on');
    expect((await store().getInstance(demo.id))!.activeAppserverId).toBe(second.id);
  });

  it('a failed PR sandbox is reported in the failures channel with its log tail, once, updated in place', async () => {
    const pr = await store().insertInstance({
      slug: 'pr7-broken',
      domain: 'pr7-broken.localhost',
      kind: 'pr',
      prRepo: 'acme/broken',
      prNumber: 7,
      prUrl: 'https://github.com/acme/broken/pull/7',
      repoUrl: s.repo.url,
      ref: 'main',
    });
    await requestDeployment({ store: store() }, pr, { actor: { surface: 'github', id: 'octocat' }, attempts: 2 });
    const history = await waitForMessage('C0FAILS', 'about to fail', 'pr7-broken');
    expect(messageText(history.at(-1)!.params)).toContain('<https://github.com/acme/broken/pull/7|acme/broken#7>');
    expect(messageText(history.at(-1)!.params)).toContain('deploy phase exited with status 3');
    await waitFor(async () => (await store().listDeployments(pr.id)).at(-1)?.state === 'failed', {
      timeoutMs: 30_000,
      what: 'the PR deployment to fail',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      s.fake.callsTo('chat.postMessage').filter((call) => messageText(call.params).includes('pr7-broken')),
    ).toHaveLength(1);
    // No Slack user asked, so no progress message anywhere else.
    expect(
      s.fake
        .callsTo('chat.postMessage')
        .filter((call) => call.params.channel !== 'C0FAILS' && messageText(call.params).includes('pr7-broken')),
    ).toEqual([]);
  });

  it('a Slack error that no retry fixes (bot not in the channel) gives the message up instead of retrying forever', async () => {
    s.fake.failNext('chat.postMessage', 'not_in_channel');
    const answer = await s.command('/redeploy', 'demo', { channel: 'C0PRIVATE' });
    expect(String(answer.json?.text)).toContain('On it');
    await waitFor(
      async () => {
        const result = await s.t.database.pool.query<{ done: boolean; ts: string | null }>(
          "select done, ts from slack_messages where channel = 'C0PRIVATE'",
        );
        return result.rows[0]?.done === true && result.rows[0].ts === null;
      },
      { timeoutMs: 20_000, what: 'the message to be given up' },
    );
  });
});
