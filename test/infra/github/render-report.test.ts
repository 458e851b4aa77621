import { describe, expect, it } from 'vitest';
import type { Appserver, Deployment, Instance } from '../../../src/core/model';
import type { PullRequestRecord } from '../../../src/core/ports/pull-requests';
import { renderCheckRun } from '../../../src/infra/github/report/render-check-run';
import { commentMarker, maxCommentLength, renderComment } from '../../../src/infra/github/report/render-comment';
import { renderDeployment } from '../../../src/infra/github/report/render-deployment';
import { viewReport, type ReportPhase, type ReportState } from '../../../src/infra/github/report/report-state';
import { codeBlock, truncate } from '../../../src/infra/github/report/render-text';

const now = new Date('2026-01-01T12:00:00Z');
const head = 'c'.repeat(40);
const record = {
  id: 1,
  repository: 'acme/app',
  number: 7,
  state: 'open',
  draft: false,
  headSha: head,
  author: 'dev',
  fromFork: false,
  waiting: null,
  notice: null,
  deploymentId: null,
  deploymentSha: null,
} as unknown as PullRequestRecord;
const instance = {
  id: 1,
  slug: 'pr7-app',
  domain: 'pr7-app.sandbox.test',
  extraDomains: [],
  activeAppserverId: null,
  archivedAt: null,
  settingsErrors: [],
} as unknown as Instance;
const deployment = (id: number, state: Deployment['state'], commitSha = head) =>
  ({ id, commitSha, state, activateOnSuccess: true }) as unknown as Deployment;
const appserver = (number: number, state: string, extra: Partial<Appserver> = {}) =>
  ({
    id: number,
    number,
    state,
    commitSha: head,
    deploymentId: number,
    createdAt: new Date(now.getTime() - 90_000),
    readyAt: null,
    finishedAt: null,
    activatedAt: null,
    failureReason: null,
    ref: 'feature',
    ...extra,
  }) as unknown as Appserver;

function state(overrides: Partial<ReportState> = {}): ReportState {
  return {
    record,
    repository: null,
    instance,
    appservers: [],
    deployments: [],
    urls: ['https://pr7-app.sandbox.test'],
    statusUrl: 'https://bot.test/sandboxes/pr7-app',
    logTail: null,
    now,
    ...overrides,
  };
}

const running = appserver(2, 'running', {
  createdAt: new Date(now.getTime() - 10 * 60_000 - 80_000),
  readyAt: new Date(now.getTime() - 10 * 60_000),
  activatedAt: now,
});
const active = { ...instance, activeAppserverId: 2 } as Instance;

describe('the phase of the head commit', () => {
  it.each<[string, Partial<ReportState>, ReportPhase]>([
    ['closed', { record: { ...record, state: 'closed' } }, 'closed'],
    ['waiting for approval', { record: { ...record, waiting: 'approval' } }, 'waiting_approval'],
    ['a draft', { record: { ...record, waiting: 'draft' } }, 'waiting_draft'],
    [
      'a draft again, already deployed',
      {
        record: { ...record, waiting: 'draft' },
        instance: active,
        appservers: [running],
        deployments: [deployment(2, 'succeeded')],
      },
      'running',
    ],
    [
      'settings errors',
      {
        instance: {
          ...instance,
          settingsErrors: [{ code: 'settings_yaml', message: 'line 3, column 1: bad', line: 3, column: 1 }],
        } as Instance,
      },
      'settings_error',
    ],
    ['archived', { instance: { ...instance, archivedAt: now } as Instance }, 'archived'],
    ['a queued deploy', { deployments: [deployment(1, 'pending')] }, 'deploying'],
    [
      'configuring',
      { appservers: [appserver(1, 'configuring')], deployments: [deployment(1, 'running')] },
      'deploying',
    ],
    [
      'running and active',
      { instance: active, appservers: [running], deployments: [deployment(2, 'succeeded')] },
      'running',
    ],
    [
      'running, about to be activated',
      { appservers: [appserver(2, 'running', { readyAt: now })], deployments: [deployment(2, 'succeeded')] },
      'deploying',
    ],
    ['failed', { appservers: [appserver(1, 'failed')], deployments: [deployment(1, 'failed')] }, 'failed'],
    [
      'failed with attempts left',
      { appservers: [appserver(1, 'failed')], deployments: [deployment(1, 'running')] },
      'deploying',
    ],
    [
      'a newer request for the same commit',
      { instance: active, appservers: [running], deployments: [deployment(3, 'pending'), deployment(2, 'succeeded')] },
      'deploying',
    ],
    ['cancelled', { appservers: [appserver(1, 'cancelled')], deployments: [deployment(1, 'cancelled')] }, 'cancelled'],
    ['an older commit only', { appservers: [appserver(1, 'running', { commitSha: 'a'.repeat(40) })] }, 'not_deployed'],
  ])('%s', (_name, overrides, phase) => {
    expect(viewReport(state(overrides)).phase).toBe(phase);
  });
});

describe('the check run', () => {
  it('running: success with the URLs, the appserver and the duration; Redeploy and Archive buttons', () => {
    const run = renderCheckRun(
      state({ instance: active, appservers: [running], deployments: [deployment(2, 'succeeded')] }),
      now,
    );
    expect(run).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      title: 'Running at https://pr7-app.sandbox.test',
      detailsUrl: 'https://bot.test/sandboxes/pr7-app',
    });
    expect(run.summary).toContain('Appserver 2 runs `ccccccc` and serves the sandbox');
    expect(run.summary).toContain('Deployed in 1m 20s');
    expect(run.actions.map((action) => action.identifier)).toEqual(['redeploy', 'archive']);
    for (const action of run.actions) {
      expect(action.label.length).toBeLessThanOrEqual(20);
      expect(action.description.length).toBeLessThanOrEqual(40);
    }
  });

  it('offers Activate when a newer running appserver is not the active one', () => {
    const older = appserver(1, 'running', { readyAt: now, activatedAt: now, commitSha: 'a'.repeat(40) });
    const newer = appserver(2, 'running', { readyAt: new Date(now.getTime() - 10 * 60_000) });
    const run = renderCheckRun(
      state({
        instance: { ...instance, activeAppserverId: 1 } as Instance,
        appservers: [newer, older],
        deployments: [{ ...deployment(2, 'succeeded'), activateOnSuccess: false } as Deployment],
      }),
      now,
    );
    expect(run.actions.map((action) => action.identifier)).toEqual(['redeploy', 'activate', 'archive']);
    expect(run.summary).toContain('press **Activate**');
  });

  it('failed: the reason and the last lines of the log', () => {
    const run = renderCheckRun(
      state({
        appservers: [appserver(1, 'failed', { failureReason: 'deploy phase exited with status 3\nmore' })],
        deployments: [deployment(1, 'failed')],
        logTail: 'step 1\nboom ```\n',
      }),
      now,
    );
    expect(run).toMatchObject({ conclusion: 'failure', title: 'Appserver 1 failed' });
    expect(run.summary).toContain('deploy phase exited with status 3');
    expect(run.text).toContain('````\nstep 1\nboom ```\n````');
  });

  it('waiting: queued, without buttons', () => {
    expect(renderCheckRun(state({ record: { ...record, waiting: 'approval' } }), now)).toMatchObject({
      status: 'queued',
      conclusion: null,
      title: 'Waiting for approval',
      actions: [],
    });
  });
});

describe('the sticky comment', () => {
  it('starts with the hidden marker and shows URLs, status page, appservers, customizing and commands', () => {
    const body = renderComment(
      state({ instance: active, appservers: [running], deployments: [deployment(2, 'succeeded')] }),
      now,
    );
    expect(body.startsWith(commentMarker)).toBe(true);
    expect(body).toContain('<https://pr7-app.sandbox.test>');
    expect(body).toContain('<https://bot.test/sandboxes/pr7-app>');
    expect(body).toContain('| 2 (active) | running | `ccccccc` |');
    expect(body).toContain('**Settings**');
    expect(body).toContain('`/sandbox approve`');
  });

  it('asks politely for an approval', () => {
    const body = renderComment(
      state({
        record: { ...record, waiting: 'approval', author: 'stranger' },
        repository: { name: 'acme/app', teams: ['acme/devs'], minPermission: 'write' } as never,
      }),
      now,
    );
    expect(body).toContain('Thanks for the pull request, @stranger!');
    expect(body).toContain(
      'members of acme/devs or people with write permission on acme/app can comment `/sandbox approve`',
    );
  });

  it('stays under GitHub’s limit however long the errors and the notice are', () => {
    const errors = Array.from({ length: 20 }, (_, i) => ({
      code: 'settings_yaml',
      message: `line ${i}, column 1: ${'x'.repeat(10_000)}`,
      line: i,
      column: 1,
    }));
    const body = renderComment(
      state({
        instance: { ...instance, settingsErrors: errors } as Instance,
        record: {
          ...record,
          notice: { actor: 'a', command: '/sandbox x', text: 'y'.repeat(100_000), at: now.toISOString() },
        },
      }),
      now,
    );
    expect(body.length).toBeLessThanOrEqual(maxCommentLength);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('</details>');
  });

  it('never lets a notice close the marker or start Markdown structure', () => {
    const body = renderComment(
      state({
        record: {
          ...record,
          notice: { actor: 'a', command: '/sandbox x', text: 'hi -->\n# heading <script>', at: now.toISOString() },
        },
      }),
      now,
    );
    expect(body).toContain('> hi --&gt; # heading &lt;script>');
  });
});

describe('the deployment', () => {
  it.each<[string, Partial<ReportState>, string | null]>([
    [
      'deploying',
      { appservers: [appserver(1, 'configuring')], deployments: [deployment(1, 'running')] },
      'in_progress',
    ],
    ['running', { instance: active, appservers: [running], deployments: [deployment(2, 'succeeded')] }, 'success'],
    [
      'running but down (its uptime probes fail)',
      { instance: { ...active, downSince: now }, appservers: [running], deployments: [deployment(2, 'succeeded')] },
      'failure',
    ],
    [
      'running but asleep',
      { instance: { ...active, sleepingSince: now }, appservers: [running], deployments: [deployment(2, 'succeeded')] },
      'inactive',
    ],
    ['failed', { appservers: [appserver(1, 'failed')], deployments: [deployment(1, 'failed')] }, 'failure'],
    [
      'closed with a deployment',
      { record: { ...record, state: 'closed', deploymentId: 5, deploymentSha: head } },
      'inactive',
    ],
    ['closed without one', { record: { ...record, state: 'closed' } }, null],
    ['waiting', { record: { ...record, waiting: 'approval' } }, null],
  ])('%s', (_name, overrides, expected) => {
    const content = renderDeployment(state(overrides));
    expect(content?.state ?? null).toBe(expected);
    if (content)
      expect(content).toMatchObject({ environment: 'sandbox/pr-7', logUrl: 'https://bot.test/sandboxes/pr7-app' });
  });
});

describe('text helpers', () => {
  it('fences code so that backticks inside cannot close it', () => {
    expect(codeBlock('a ``` b')).toBe('````\na ``` b\n````');
  });

  it('truncates at a line break near the end', () => {
    expect(truncate('line one\nline two\nline three', 20, '…')).toBe('line one\nline two…');
    expect(truncate('short', 20)).toBe('short');
  });
});
