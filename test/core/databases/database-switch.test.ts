import { describe, expect, it } from 'vitest';
import { databaseSwitchOf, describeDatabaseSwitch } from '../../../src/core/databases/database-switch';
import type { Appserver, Deployment, Instance } from '../../../src/core/model';
import type { PullRequestRecord } from '../../../src/core/ports/pull-requests';
import { renderComment } from '../../../src/infra/github/report/render-comment';
import { renderOperation } from '../../../src/infra/slack/render/render-operation';

const head = 'c'.repeat(40);
const now = new Date('2026-01-01T12:00:00Z');
const appserver = (number: number, databaseMode: 'ephemeral' | 'persistent' | null, state = 'running') =>
  ({
    id: number,
    number,
    state,
    commitSha: head,
    deploymentId: number,
    config: databaseMode === null ? null : { databaseMode, settings: {}, fields: {} },
    createdAt: new Date(now.getTime() - 90_000),
    readyAt: now,
    finishedAt: null,
    activatedAt: now,
    failureReason: null,
    ref: 'feature',
  }) as unknown as Appserver;

describe('switching between ephemeral and persistent databases', () => {
  it.each<[string, Appserver[], number, ReturnType<typeof databaseSwitchOf>]>([
    ['the first appserver', [appserver(1, 'persistent')], 1, null],
    ['the same mode', [appserver(1, 'ephemeral'), appserver(2, 'ephemeral')], 2, null],
    [
      'ephemeral, then persistent',
      [appserver(1, 'ephemeral'), appserver(2, 'persistent')],
      2,
      { number: 2, from: 'ephemeral', to: 'persistent' },
    ],
    [
      'persistent, then ephemeral (the one just before counts)',
      [appserver(1, 'ephemeral'), appserver(2, 'persistent'), appserver(3, 'ephemeral')],
      3,
      { number: 3, from: 'persistent', to: 'ephemeral' },
    ],
    ['a row without a recorded config', [appserver(1, null), appserver(2, 'persistent')], 2, null],
  ])('%s', (_name, appservers, number, expected) => {
    expect(
      databaseSwitchOf(
        appservers,
        appservers.find((a) => a.number === number)!,
      ),
    ).toEqual(expected);
  });

  it('says what happens to the data', () => {
    expect(describeDatabaseSwitch({ number: 2, from: 'ephemeral', to: 'persistent' })).toBe(
      'appserver 2 switched from ephemeral to persistent databases: they are created empty on first use, and the throwaway data of earlier appservers is not copied',
    );
    expect(describeDatabaseSwitch({ number: 3, from: 'persistent', to: 'ephemeral' })).toContain(
      'the persistent databases are kept (only delete drops them)',
    );
  });

  const instance = {
    id: 1,
    slug: 'pr7-app',
    domain: 'pr7-app.sandbox.test',
    extraDomains: [],
    activeAppserverId: 2,
    archivedAt: null,
    settingsErrors: [],
  } as unknown as Instance;
  const appservers = [appserver(1, 'ephemeral'), appserver(2, 'persistent')];
  const deployments = [
    { id: 2, commitSha: head, state: 'succeeded', activateOnSuccess: true, attempts: 1 } as unknown as Deployment,
  ];

  it('the sticky comment says so', () => {
    const record = {
      id: 1,
      repository: 'acme/app',
      number: 7,
      state: 'open',
      headSha: head,
      author: 'dev',
      waiting: null,
      notice: null,
    } as unknown as PullRequestRecord;
    const comment = renderComment(
      { record, repository: null, instance, appservers, deployments, urls: [], statusUrl: null, logTail: null, now },
      now,
    );
    expect(comment).toContain(
      '🗄️ **Databases:** appserver 2 switched from ephemeral to persistent databases: they are created empty on first use',
    );
    const unchanged = renderComment(
      {
        record,
        repository: null,
        instance,
        appservers: [appservers[1]!],
        deployments,
        urls: [],
        statusUrl: null,
        logTail: null,
        now,
      },
      now,
    );
    expect(unchanged).not.toContain('**Databases:**');
  });

  it('the Slack message of the deploy says so', () => {
    const view = {
      instance,
      appservers,
      deployments,
      links: { status: 'https://bot.test/sandboxes/pr7-app', sandboxes: [] },
    };
    const rendered = renderOperation({ purpose: 'deploy', subjectId: 2, requestedBy: 'U1' }, view);
    expect(JSON.stringify(rendered.blocks)).toContain(
      ':card_file_box: appserver 2 switched from ephemeral to persistent databases',
    );
    expect(rendered.done).toBe(true);
  });
});
