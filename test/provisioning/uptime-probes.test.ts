import { describe, expect, it } from 'vitest';
import { statusOfInstance } from '../../src/core/instance-status';
import type { Actor, Appserver, Instance } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { stopService } from '../../src/core/provisioning/stop-appserver';
import { probeUptime } from '../../src/core/uptime/probe-uptime';
import { renderCheckRun } from '../../src/infra/github/report/render-check-run';
import { renderComment } from '../../src/infra/github/report/render-comment';
import type { ReportState } from '../../src/infra/github/report/report-state';
import { httpHealthProbe } from '../../src/infra/health-probe';
import type { FakeSlackCall } from '../support/fake-slack';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { messageText, sampleRepository, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

/*
 * Issue 16, uptime of active sandboxes: a real deploy of the sample app is
 * probed through the bot's builtin load balancer with its Host header; its
 * process is stopped and started again. Down and up are each reported once
 * (the Slack notification channel, the check run and comment words), never
 * on every probe.
 */

const actor: Actor = { surface: 'cli', id: 'tester' };
let clock = new Date('2026-03-02T10:00:00Z');

const s = useSlackTestBot(`
repositories:${sampleRepository('acme/watched', 'REPO_URL')}
slack:
  channels:
    failures: C0FAILS
uptime:
  enabled: false
`);

const store = () => s.t.bot.provisioning.store;
const fresh = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const status = async (slug: string) => {
  const instance = await fresh(slug);
  return statusOfInstance(instance, await store().listAppservers(instance.id));
};
const probe = (failures = 2) => {
  clock = new Date(clock.getTime() + 60_000);
  return probeUptime({
    store: store(),
    probe: httpHealthProbe,
    logger: s.t.bot.provisioning.logger,
    now: () => clock,
    baseUrl: s.t.url,
    failuresToDown: failures,
    timeoutMs: 2_000,
  });
};

/** Every message (post or update) sent to the channel about a sandbox, oldest first. */
const channelTexts = (slug: string): string[] =>
  s.fake.calls
    .filter(
      (call: FakeSlackCall) =>
        (call.method === 'chat.postMessage' || call.method === 'chat.update') &&
        call.params.channel === 'C0FAILS' &&
        messageText(call.params).includes(slug),
    )
    .map((call) => messageText(call.params));

async function runner(instance: Instance, phase: 'start' | 'status'): Promise<string> {
  const appserver = (await store().getAppserver(instance.activeAppserverId!))!;
  const host = (await store().getHost(appserver.hostId!))!;
  const argv = phase === 'start' ? ['setsid', '--fork', 'bash'] : ['bash'];
  const answer = await s.t.bot.provisioning.hosts
    .transportFor(host)
    .exec([...argv, `${appserver.workDir}/sbx-run.sh`, phase], { cwd: appserver.workDir!, timeoutMs: 15_000 });
  return answer.stdout;
}

function reportState(instance: Instance, appserver: Appserver): ReportState {
  const record = {
    id: 1,
    repository: 'acme/watched',
    number: 7,
    state: 'open',
    draft: false,
    headSha: appserver.commitSha,
    author: 'dev',
    fromFork: false,
    waiting: null,
    notice: null,
  } as never;
  return {
    record,
    repository: null,
    instance,
    appservers: [appserver],
    deployments: [],
    urls: [`http://${instance.domain}`],
    statusUrl: null,
    logTail: null,
    now: clock,
  };
}

describe('uptime probes', () => {
  it('report a stopped sandbox down once, and up once when it answers again', async () => {
    const created = await createConfiguredSandbox(s.t, 'watch', 'acme/watched', {}, actor);
    await requestDeployment({ store: store() }, created, { actor });
    await waitFor(async () => (await status('watch')) === 'running', { timeoutMs: 60_000, what: 'watch running' });
    const instance = await fresh('watch');
    const appserver = (await store().getAppserver(instance.activeAppserverId!))!;

    expect(await probe()).toEqual({ probed: ['watch'], down: [], up: [] });
    await waitFor(() => channelTexts('watch').some((text) => text.includes('live on appserver 1')), {
      timeoutMs: 15_000,
      what: 'the running sandbox in the notification channel',
    });

    // The app's process ends (the recipe's stop phase, as an operator or a crash would).
    await stopService(s.t.bot.provisioning, appserver);
    expect(await runner(instance, 'status')).toContain('service.pid gone');
    expect(await probe()).toMatchObject({ down: [], up: [] });
    expect((await fresh('watch')).probeFailures).toBe(1);
    expect(await status('watch')).toBe('running');
    expect(await probe()).toMatchObject({ down: ['watch'], up: [] });
    expect(await status('watch')).toBe('down');
    // Still down: nothing new is reported.
    expect(await probe()).toMatchObject({ down: [], up: [] });
    expect(await probe()).toMatchObject({ down: [], up: [] });

    await waitFor(() => channelTexts('watch').some((text) => text.includes('down: appserver 1')), {
      timeoutMs: 15_000,
      what: 'the down message in the notification channel',
    });
    const down = await fresh('watch');
    expect(down.downSince).not.toBeNull();
    const checkRun = renderCheckRun(reportState(down, appserver), clock);
    expect(checkRun.conclusion).toBe('failure');
    expect(checkRun.title).toContain('Down');
    expect(renderComment(reportState(down, appserver), clock)).toContain('**Down:**');

    await runner(instance, 'start');
    await waitFor(
      async () => (await httpHealthProbe(`http://127.0.0.1:${appserver.port}/healthz`, 1_000)).status === 200,
      {
        timeoutMs: 15_000,
        what: 'the app to answer again',
      },
    );
    expect(await probe()).toEqual({ probed: ['watch'], down: [], up: ['watch'] });
    expect(await probe()).toEqual({ probed: ['watch'], down: [], up: [] });
    expect(await status('watch')).toBe('running');
    const up = await fresh('watch');
    expect(up).toMatchObject({ downSince: null, probeFailures: 0 });
    expect(renderCheckRun(reportState(up, appserver), clock).conclusion).toBe('success');

    await waitFor(() => channelTexts('watch').at(-1)?.includes('live on appserver 1') ?? false, {
      timeoutMs: 15_000,
      what: 'the message back to live',
    });
    // Reported once each: one message said down, and the next one live again.
    const texts = channelTexts('watch');
    const downAt = texts.findIndex((text) => text.includes('down: appserver 1'));
    expect(texts.filter((text) => text.includes('down: appserver 1'))).toHaveLength(1);
    expect(texts.slice(downAt + 1).every((text) => text.includes('live on appserver 1'))).toBe(true);
    const audit = await s.t.database.pool.query<{ action: string }>(
      `select action from audit_events where instance_slug = 'watch' and action in ('down', 'up') order by id`,
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['down', 'up']);
  }, 120_000);

  it('leave sleeping and archived sandboxes alone', async () => {
    const instance = await fresh('watch');
    await store().updateInstance(instance.id, { sleepingSince: clock });
    expect((await probe()).probed).toEqual([]);
    await store().updateInstance(instance.id, { sleepingSince: null, archivedAt: clock });
    expect((await probe()).probed).toEqual([]);
  });
});
