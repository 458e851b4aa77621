import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/model';
import { sleepSandbox } from '../../src/core/sleep/sleep-sandboxes';
import { stopService } from '../../src/core/provisioning/stop-appserver';
import { probeUptime } from '../../src/core/uptime/probe-uptime';
import { httpHealthProbe } from '../../src/infra/health-probe';
import { postWebhook, pullRequestEvent, webhookSecret } from '../support/github-webhooks';
import { useGitHubTestBot } from '../support/github-test-bot';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';
import { waitFor } from '../support/wait-for';

/*
 * The pull request's GitHub deployment says what the sandbox really does: a
 * real deploy of the sample app through a fake GitHub shows `success`; when
 * its process ends and the uptime probe finds it down the deployment shows
 * `failure`, when it answers again `success`, and when it is put to sleep
 * `inactive` (a visit wakes it). Uptime probes run here only when the test
 * runs them.
 */

const repoName = 'acme/app';
const gh = useGitHubTestBot(
  repoName,
  ({ repoUrl, workRoot }) => `
repositories:
${sampleRepositoryYml(repoName, repoUrl, { health_timeout: '15s' })}
${localComputeYml(workRoot)}
uptime:
  enabled: false
github:
  throttle: false
`,
  { prepare: (fake) => fake.setPermission(repoName, 'maintainer', 'write') },
);

const store = () => gh.t.bot.provisioning.store;
const probe = () =>
  probeUptime({
    store: store(),
    probe: httpHealthProbe,
    logger: gh.t.bot.provisioning.logger,
    now: () => new Date(),
    baseUrl: gh.t.url,
    failuresToDown: 1,
    timeoutMs: 2_000,
  });

async function startAgain(instance: Instance): Promise<void> {
  const appserver = (await store().getAppserver(instance.activeAppserverId!))!;
  const host = (await store().getHost(appserver.hostId!))!;
  await gh.t.bot.provisioning.hosts
    .transportFor(host)
    .exec(['setsid', '--fork', 'bash', `${appserver.workDir}/sbx-run.sh`, 'start'], {
      cwd: appserver.workDir!,
      timeoutMs: 15_000,
    });
}

describe('the GitHub deployment of a pull request', () => {
  it('is success while the sandbox answers, failure while it is down, inactive while it sleeps', async () => {
    const sha = gh.repo.commit({ 'pr5.txt': 'five\n' });
    gh.fake.setPull(repoName, { number: 5, headSha: sha });
    const opened = await postWebhook(
      gh.t.url,
      'pull_request',
      pullRequestEvent('opened', repoName, gh.fake.pullJson(repoName, 5)),
      { secret: webhookSecret },
    );
    expect(opened.status).toBe(200);
    await waitFor(() => [...gh.fake.deployments.values()].some((d) => d.ref === sha), {
      timeoutMs: 60_000,
      what: 'the deployment',
    });
    const deployment = [...gh.fake.deployments.values()].find((d) => d.ref === sha)!;
    const last = () => deployment.statuses.at(-1) ?? {};
    await waitFor(() => last().state === 'success', { timeoutMs: 60_000, what: 'the deployment to succeed' });
    const instance = (await store().findInstanceByPr(repoName, 5))!;

    // Its process ends: the probe finds it down.
    await stopService(gh.t.bot.provisioning, (await store().getAppserver(instance.activeAppserverId!))!);
    expect(await probe()).toMatchObject({ down: [instance.slug] });
    await waitFor(() => last().state === 'failure', { timeoutMs: 30_000, what: 'the deployment to show the failure' });
    expect(last()).toMatchObject({ description: expect.stringContaining('down') });

    await startAgain(instance);
    await waitFor(async () => (await probe()).up.includes(instance.slug), {
      timeoutMs: 30_000,
      what: 'the sandbox to answer again',
    });
    await waitFor(() => last().state === 'success', { timeoutMs: 30_000, what: 'the deployment to succeed again' });

    // Put to sleep (as after sleep_after without requests): inactive until a visit wakes it.
    expect(await sleepSandbox(gh.t.bot.provisioning, { sleepAfterOf: () => 0 }, instance.id)).toBe(true);
    expect((await store().getInstance(instance.id))!.sleepingSince).not.toBeNull();
    await waitFor(() => last().state === 'inactive', { timeoutMs: 30_000, what: 'the deployment to go inactive' });
    expect(last()).toMatchObject({
      description: expect.stringContaining('asleep'),
      environment_url: expect.stringContaining(instance.slug),
    });
    // The same deployment all along: a state change is a new status, not a new deployment.
    expect([...gh.fake.deployments.values()].filter((d) => d.ref === sha)).toHaveLength(1);
  }, 150_000);
});
