import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slashCommandsReceived, webhooksReceived } from '../../src/infra/metrics';
import { createSampleRepo } from '../support/sample-repo';
import { seedInstance, startStatusBot, type StatusBot } from '../support/status-bot';

const planted = 'whsec-planted-789';
let t: StatusBot;

beforeAll(async () => {
  t = await startStatusBot(
    `
repositories:
  - name: acme/sample
    url: ${createSampleRepo().url}
web:
  auth:
    orgs: [acme]
    public_read: true
`,
    { WEBHOOK_SECRET: planted },
  );
  await seedInstance(t, {
    slug: 'open',
    settings: { NOTE: planted },
    appservers: [{ state: 'running' }, { state: 'failed' }, { state: 'configuring' }],
    active: 1,
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

afterEach(() => {
  expect(t.github.unexpected).toEqual([]);
});

describe('web.auth.public_read', () => {
  it('shows settings, appservers and logs without sign-in, but no actions', async () => {
    const markup = await (await fetch(`${t.url}/sandboxes/open`)).text();
    expect(markup).toContain('NOTE: ***');
    expect(markup).toContain('<h2 id="appservers">AppServers</h2>');
    expect(markup).toContain('data-stream="/sandboxes/open/appservers/3/log/stream?after=-1"');
    expect(markup).not.toContain('<button');
    expect(markup).not.toContain(planted);
    expect((await fetch(`${t.url}/sandboxes/open/appservers/1/log.txt`)).status).toBe(200);
    expect(
      (await fetch(`${t.url}/sandboxes/open/redeploy`, { method: 'POST', body: new URLSearchParams({ _csrf: 'x' }) }))
        .status,
    ).toBe(401);
  });
});

describe('/metrics', () => {
  it('reports deployments, durations, queue depth, appservers by state, counters and request durations', async () => {
    const pageViews =
      /_count\{method="GET",route="\/sandboxes\/:slug",status="200"\} (\d+)/.exec(
        await (await fetch(`${t.url}/metrics`)).text(),
      )?.[1] ?? '0';
    webhooksReceived.inc({ event: 'pull_request' });
    slashCommandsReceived.inc({ command: '/sandbox' }, 2);
    await fetch(`${t.url}/sandboxes/${planted}`);
    await fetch(`${t.url}/sandboxes/open?q=${planted}`);
    const answer = await fetch(`${t.url}/metrics`);
    expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await answer.text();
    const value = (line: string) =>
      Number(new RegExp(`^${line.replace(/[{}()[\]+.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('sbx_deployments_total{outcome="succeeded"}')).toBe(1);
    expect(value('sbx_deployments_total{outcome="failed"}')).toBe(2);
    expect(value('sbx_deploy_duration_seconds_count{outcome="succeeded"}')).toBe(1);
    expect(value('sbx_deploy_duration_seconds_bucket{le="+Inf",outcome="failed"}')).toBe(2);
    expect(value('sbx_deploy_duration_seconds_bucket{le="10",outcome="failed"}')).toBe(2);
    expect(value('sbx_appservers{state="running"}')).toBe(1);
    expect(value('sbx_appservers{state="configuring"}')).toBe(1);
    expect(value('sbx_appservers{state="terminated"}')).toBe(0);
    expect(text).toMatch(/^sbx_job_queue_depth \d+$/m);
    expect(text).toMatch(/^sbx_jobs\{status="running"\} \d+$/m);
    expect(value('sbx_webhooks_received_total{event="pull_request"}')).toBe(1);
    expect(value('sbx_slash_commands_received_total{command="/sandbox"}')).toBe(2);
    expect(value('sbx_http_request_duration_seconds_count{method="GET",route="/sandboxes/:slug",status="200"}')).toBe(
      Number(pageViews) + 1,
    );
    expect(value('sbx_http_request_duration_seconds_count{method="GET",route="/sandboxes/:slug",status="404"}')).toBe(
      1,
    );
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).not.toContain(planted);
  });
});
