import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import type { Instance } from '../../src/core/model';
import type { PullRequestRecord } from '../../src/core/ports/pull-requests';
import { renderComment } from '../../src/infra/github/report/render-comment';
import type { ReportState } from '../../src/infra/github/report/report-state';
import { renderNotification, wantsNotification } from '../../src/infra/slack/render/render-notification';
import { renderStatus } from '../../src/infra/slack/render/render-status';
import type { InstanceView } from '../../src/infra/slack/render/describe';
import type { Viewer } from '../../src/web/auth/access';
import { renderDetails } from '../../src/web/pages/instance-view';

/* Issue 16: every surface shows the expiry and the pin; the warning lands in the sticky comment and the Slack notification channel. */

const now = new Date('2026-03-02T10:00:00Z');
const expiresAt = new Date('2026-03-03T09:00:00Z');
const record = {
  id: 1,
  repository: 'acme/app',
  number: 7,
  state: 'open',
  draft: false,
  headSha: 'c'.repeat(40),
  author: 'dev',
  fromFork: false,
  waiting: null,
  notice: null,
} as unknown as PullRequestRecord;
const base = {
  id: 1,
  slug: 'pr7-app',
  domain: 'pr7-app.sandbox.test',
  extraDomains: [],
  kind: 'pr',
  prRepo: 'acme/app',
  prNumber: 7,
  prUrl: 'https://github.test/acme/app/pull/7',
  activeAppserverId: null,
  archivedAt: null,
  deletedAt: null,
  settingsErrors: [],
  pinned: false,
  expiresAt,
  expiryWarnedFor: null,
  expiredAt: null,
  accessUser: null,
  accessPassword: null,
  ref: null,
} as unknown as Instance;

const comment = (instance: Instance) =>
  renderComment(
    {
      record,
      repository: null,
      instance,
      appservers: [],
      deployments: [],
      urls: ['https://pr7-app.sandbox.test'],
      statusUrl: 'https://bot.test/sandboxes/pr7-app',
      logTail: null,
      now,
    } as ReportState,
    now,
  );
const view = (instance: Instance): InstanceView => ({
  instance,
  appservers: [],
  deployments: [],
  links: { status: 'https://bot.test/sandboxes/pr7-app', sandboxes: [] },
});
const slackText = (rendered: { blocks?: unknown[] }) => JSON.stringify(rendered.blocks);

describe('the sticky comment', () => {
  it('shows the expiry, then the warning once it went out', () => {
    expect(comment(base)).toContain('**Expires:** 2026-03-03 09:00 UTC without activity');
    const warned = comment({ ...base, expiryWarnedFor: expiresAt });
    expect(warned).toContain('⏳ **This sandbox expires on 2026-03-03 09:00 UTC** unless there is activity');
    expect(warned).toContain('`/sandbox extend 3d`');
  });

  it('shows the pin, and why a sandbox archived for inactivity is archived', () => {
    expect(comment({ ...base, pinned: true, expiresAt: null })).toContain('📌 **Pinned:**');
    const expired = comment({ ...base, archivedAt: now, expiredAt: now });
    expect(expired).toContain('archived on 2026-03-02 10:00 UTC after a while without activity');
    expect(expired).not.toContain('**Expires:**');
  });
});

describe('Slack', () => {
  it('the warning puts a PR sandbox in the notification channel, with the expiry', () => {
    expect(wantsNotification(view(base))).toBe(false);
    const warned = view({ ...base, expiryWarnedFor: expiresAt });
    expect(wantsNotification(warned)).toBe(true);
    expect(slackText(renderNotification(warned))).toContain('Expires 2026-03-03 09:00 UTC');
  });

  it('status shows the expiry or the pin', () => {
    expect(slackText(renderStatus(view(base)))).toContain('Expires 2026-03-03 09:00 UTC without activity');
    expect(slackText(renderStatus(view({ ...base, pinned: true, expiresAt: null })))).toContain(
      'Pinned: never expires',
    );
  });
});

describe('the status page', () => {
  const config = configSchema.parse({ base_domain: 'sandbox.test' });
  const page = (instance: Instance, can: (action: string) => boolean) =>
    String(
      renderDetails(
        config,
        {
          instance: { ...instance, createdAt: now, databaseMode: 'ephemeral', production: false } as Instance,
          status: 'running',
          appservers: [],
          hosts: new Map(),
          log: null,
          settingsYaml: '',
          fields: [],
        },
        { login: 'ops', canRead: true, csrf: 'x', can } as Viewer,
        now,
      ),
    );

  it('shows the expiry with an Extend form, and Pin for those who may pin', () => {
    const html = page({ ...base, expiryWarnedFor: expiresAt }, (action) => action !== 'pin');
    expect(html).toContain('expires 2026-03-03 09:00 UTC');
    expect(html).toContain('expiring soon');
    expect(html).toContain('action="/sandboxes/pr7-app/extend"');
    expect(html).not.toContain('/pin"');
    expect(page(base, () => true)).toContain('action="/sandboxes/pr7-app/pin"');
  });

  it('shows the pin with an Unpin button, and no Extend form', () => {
    const html = page({ ...base, pinned: true, expiresAt: null }, () => true);
    expect(html).toContain('pinned: never expires');
    expect(html).toContain('action="/sandboxes/pr7-app/unpin"');
    expect(html).not.toContain('/extend"');
  });
});
