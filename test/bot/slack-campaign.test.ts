import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import type { FakeSlackCall } from '../support/fake-slack';
import { messageHistory, buttonsOf, messageText, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

// The whole bot against a fake Slack Web API (named as a fake; unexpected calls fail the test), with real deploys of the sample app.
const actor: Actor = { surface: 'cli', id: 'ops' };

const s = useSlackTestBot(
  `
repositories:
  - name: acme/sample
    url: REPO_URL
    script:
      deploy: |
        if [ "$SBX_FIELD_FAIL_DEPLOY" = yes ]; then echo "planted failure"; exit 3; fi
        git rev-parse HEAD > built-commit.txt
      start: "exec node server.mjs"
      health_path: /healthz
      health_timeout: 5s
slack:
  permissions:
    campaign: [U0OPS]
  channels:
    failures: C0FAILS
retention:
  min_age: 1h
`,
  { setup: deployThree, timeoutMs: 120_000 },
);

/** Three sandboxes deployed once (cmp-b's next deploy fails: the field is read by the recipe). */
async function deployThree(): Promise<void> {
  for (const [slug, release, fail] of [
    ['cmp-a', 'r1', 'no'],
    ['cmp-b', 'r1', 'yes'],
    ['cmp-c', 'r2', 'no'],
  ] as const) {
    const created = await store().insertInstance({
      slug,
      domain: `${slug}.localhost`,
      kind: 'manual',
      prRepo: 'acme/sample',
      repoUrl: s.repo.url,
      ref: 'main',
    });
    // The first deploy succeeds for every one; the campaign's redeploy of cmp-b fails (the field is read by the recipe).
    await store().updateInstance(created.id, { fields: { release } });
    await requestDeployment({ store: store() }, (await store().getInstance(created.id))!, { actor });
    await waitFor(
      async () =>
        (await store().listAppservers(created.id)).some((a) => ['running', 'failed', 'error'].includes(a.state)),
      { timeoutMs: 30_000, what: `${slug} deployed` },
    );
    const [first] = await store().listAppservers(created.id);
    expect(first!.state, first!.failureReason ?? '').toBe('running');
    await store().updateInstance(created.id, { fields: { release, fail_deploy: fail } });
  }
}

const store = () => s.t.bot.provisioning.store;

describe('/redeploy --tag from Slack', { timeout: 120_000 }, () => {
  it('asks first: how many and which, with Start and Cancel; nothing starts before Start', async () => {
    const answer = await s.command('/redeploy', '--tag S1 --filter release=r1 --batch-frequency 1s', {
      user: 'U0OPS',
      channel: 'C0TEAM',
    });
    const reply = answer.json!;
    expect(messageText(reply)).toContain('Redeploy *2* sandboxes as campaign `S1`?');
    expect(messageText(reply)).toContain('`cmp-a`, `cmp-b`');
    expect(messageText(reply)).not.toContain('cmp-c');
    const [start, cancel] = buttonsOf(reply);
    expect(start).toMatchObject({ action_id: 'sbx_campaign_start', text: { text: 'Start' } });
    expect(JSON.parse(start!.value!)).toMatchObject({ tag: 'S1', options: { filter: { release: 'r1' } } });
    expect(cancel).toMatchObject({ action_id: 'sbx_campaign_cancel' });
    expect(await store().listCampaigns()).toEqual([]);

    const cancelled = await s.click('sbx_campaign_cancel', cancel!.value, { user: 'U0OPS', channel: 'C0TEAM' });
    expect((await s.responses(cancelled.responseUrl))[0]).toMatchObject({
      text: 'Campaign S1 not started.',
      replace_original: true,
    });
    expect(await store().listCampaigns()).toEqual([]);
  });

  it('refuses people without the campaign permission, on the command and on the button', async () => {
    const answer = await s.command('/redeploy', '--tag S2 --filter release=r1', { user: 'U0EVE', channel: 'C0TEAM' });
    expect(messageText(answer.json!)).toContain('you may not start or stop campaigns');
    expect(buttonsOf(answer.json!)).toEqual([]);
    const value = JSON.stringify({
      tag: 'S2',
      options: {
        filter: { release: 'r1' },
        exclude: {},
        update: {},
        preUpgrade: [],
        batchSize: 2,
        batchFrequencyMs: 1_000,
        numAttempts: 1,
        activate: true,
      },
    });
    const click = await s.click('sbx_campaign_start', value, { user: 'U0EVE', channel: 'C0TEAM' });
    expect(messageText((await s.responses(click.responseUrl))[0]!)).toContain('you may not start or stop campaigns');
    expect(await store().listCampaigns()).toEqual([]);
  });

  it('Start starts it; one message follows its progress in place, and its failure goes to the failure channel', async () => {
    const answer = await s.command('/redeploy', '--tag S3 --filter release=r1 --batch-frequency 1s', {
      user: 'U0OPS',
      channel: 'C0TEAM',
    });
    const start = buttonsOf(answer.json!).find((b) => b.action_id === 'sbx_campaign_start')!;
    const click = await s.click('sbx_campaign_start', start.value, { user: 'U0OPS', channel: 'C0TEAM' });
    const [started] = await s.responses(click.responseUrl);
    expect(started).toMatchObject({ replace_original: true });
    const id = Number(/Started campaign (\d+)/.exec(messageText(started!))?.[1]);
    expect(messageText(started!)).toContain(`Started campaign ${id} (\`S3\`) for 2 sandboxes`);
    expect((await store().getCampaign(id))?.requestedBy).toBe('U0OPS');

    await waitFor(async () => ['succeeded', 'failed'].includes((await store().getCampaign(id))?.state ?? ''), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: 'the campaign to finish',
    });
    const items = await store().listCampaignItems(id);
    expect(items.map((i) => [i.slug, i.state])).toEqual([
      ['cmp-a', 'succeeded'],
      ['cmp-b', 'failed'],
    ]);
    // The progress message: posted once in the channel, then only updated, until it says failed (1 of 2 failed).
    let history: FakeSlackCall[] = [];
    await waitFor(
      () => {
        history = messageHistory(s.fake, 'C0TEAM', `Campaign ${id} `);
        return history.length > 0 && messageText(history.at(-1)!.params).includes('is *failed*');
      },
      { timeoutMs: 30_000, what: 'the progress message to say the campaign failed' },
    );
    expect(history[0]!.method).toBe('chat.postMessage');
    expect(history.slice(1).every((call) => call.method === 'chat.update')).toBe(true);
    expect(
      s.fake
        .callsTo('chat.postMessage')
        .filter((call) => call.params.channel === 'C0TEAM' && messageText(call.params).includes(`Campaign ${id} `)),
    ).toHaveLength(1);
    const final = messageText(history.at(-1)!.params);
    expect(final).toContain('2/2 done');
    expect(final).toContain('asked by <@U0OPS>');
    expect(final).toContain('`cmp-a` succeeded');
    expect(final).toMatch(/`cmp-b` failed \(batch 1\): .*deploy phase exited with status 3/);
    // The failure channel: one message about the campaign's failures.
    let failures: FakeSlackCall[] = [];
    await waitFor(
      () => {
        failures = messageHistory(s.fake, 'C0FAILS', `Campaign ${id} `);
        return failures.length > 0 && messageText(failures.at(-1)!.params).includes('(failed)');
      },
      { timeoutMs: 30_000, what: 'the failure channel to hear about the campaign' },
    );
    expect(messageText(failures.at(-1)!.params)).toContain('1 sandbox failed');
    expect(messageText(failures.at(-1)!.params)).toContain('`cmp-b` failed');
    expect(messageText(failures.at(-1)!.params)).not.toContain('`cmp-a`');
    expect(await store().listTags((await store().findInstanceBySlug('cmp-b'))!.id)).toEqual(['S3-failure']);
  });

  it('Pause, Resume and Cancel on the progress message control the campaign, for permitted people only', async () => {
    const answer = await s.command('/redeploy', '--tag S4 --filter release=r1 --batch-size 1 --batch-frequency 1h', {
      user: 'U0OPS',
      channel: 'C0TEAM',
    });
    const start = buttonsOf(answer.json!).find((b) => b.action_id === 'sbx_campaign_start')!;
    const startClick = await s.click('sbx_campaign_start', start.value, { user: 'U0OPS', channel: 'C0TEAM' });
    const id = Number(/Started campaign (\d+)/.exec(messageText((await s.responses(startClick.responseUrl))[0]!))?.[1]);
    expect(id).toBeGreaterThan(0);

    /** The progress message as it reads now, once it says `state` (always the one message, edited in place). */
    const progressSaying = async (state: string) => {
      let history: FakeSlackCall[] = [];
      await waitFor(
        () => {
          history = messageHistory(s.fake, 'C0TEAM', `Campaign ${id} `);
          return history.length > 0 && messageText(history.at(-1)!.params).includes(`is *${state}*`);
        },
        { timeoutMs: 30_000, what: `the progress message to say the campaign is ${state}` },
      );
      expect(history.slice(1).every((call) => call.method === 'chat.update')).toBe(true);
      return history.at(-1)!.params;
    };
    const buttonNames = (params: Record<string, unknown>) => buttonsOf(params).map((b) => [b.action_id, b.text.text]);
    const running = await progressSaying('running');
    expect(buttonNames(running)).toEqual([
      ['sbx_campaign_pause', 'Pause'],
      ['sbx_campaign_stop', 'Cancel'],
    ]);
    // Cancel asks first (Slack's confirmation dialog), as Delete does.
    expect(buttonsOf(running)[1]).toMatchObject({
      value: String(id),
      confirm: { confirm: { text: 'Cancel campaign' } },
    });

    // Someone without the campaign permission: refused on every button, and nothing changes.
    for (const actionId of ['sbx_campaign_pause', 'sbx_campaign_stop']) {
      const refused = await s.click(actionId, String(id), { user: 'U0EVE', channel: 'C0TEAM' });
      const [reply] = await s.responses(refused.responseUrl);
      expect(messageText(reply!)).toContain('you may not start or stop campaigns');
      expect(reply).toMatchObject({ replace_original: false });
    }
    expect((await store().getCampaign(id))?.state).toBe('running');

    const pause = await s.click('sbx_campaign_pause', String(id), { user: 'U0OPS', channel: 'C0TEAM' });
    expect((await s.responses(pause.responseUrl))[0]).toMatchObject({
      text: `Campaign ${id} (\`S4\`) is paused.`,
      replace_original: false,
    });
    expect((await store().getCampaign(id))?.state).toBe('paused');
    expect(buttonNames(await progressSaying('paused'))).toEqual([
      ['sbx_campaign_resume', 'Resume'],
      ['sbx_campaign_stop', 'Cancel'],
    ]);
    const refusedResume = await s.click('sbx_campaign_resume', String(id), { user: 'U0EVE', channel: 'C0TEAM' });
    expect(messageText((await s.responses(refusedResume.responseUrl))[0]!)).toContain('you may not');
    expect((await store().getCampaign(id))?.state).toBe('paused');

    const resume = await s.click('sbx_campaign_resume', String(id), { user: 'U0OPS', channel: 'C0TEAM' });
    expect((await s.responses(resume.responseUrl))[0]).toMatchObject({ text: `Campaign ${id} (\`S4\`) is running.` });
    expect((await store().getCampaign(id))?.state).toBe('running');
    expect(buttonNames(await progressSaying('running'))[0]).toEqual(['sbx_campaign_pause', 'Pause']);

    const cancel = await s.click('sbx_campaign_stop', String(id), { user: 'U0OPS', channel: 'C0TEAM' });
    expect((await s.responses(cancel.responseUrl))[0]).toMatchObject({
      text: `Campaign ${id} (\`S4\`) is cancelled.`,
    });
    expect((await store().getCampaign(id))?.state).toBe('cancelled');
    expect(buttonsOf(await progressSaying('cancelled'))).toEqual([]);
    const items = await store().listCampaignItems(id);
    expect(items.every((i) => i.state === 'cancelled' || i.state === 'succeeded' || i.state === 'failed')).toBe(true);
    expect(items.some((i) => i.state === 'cancelled')).toBe(true);

    // A button on a finished campaign says so and changes nothing.
    const late = await s.click('sbx_campaign_pause', String(id), { user: 'U0OPS', channel: 'C0TEAM' });
    expect(messageText((await s.responses(late.responseUrl))[0]!)).toContain(`campaign ${id} is cancelled`);
    expect((await store().getCampaign(id))?.state).toBe('cancelled');

    // Redeploys the campaign let go finish on their own; wait for them so nothing outlives the test.
    await waitFor(
      async () => {
        for (const slug of ['cmp-a', 'cmp-b']) {
          const instance = await store().findInstanceBySlug(slug);
          const appservers = await store().listAppservers(instance!.id);
          if (appservers.some((a) => ['new', 'waiting', 'configuring'].includes(a.state))) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the redeploys the cancelled campaign let go to finish' },
    );
  });
});
