import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema';
import { createManualInstance } from '../../../src/core/operations/create-instance';
import { reservedSlugs, slugConflict } from '../../../src/core/operations/slug-conflict';
import type { PullRequestSnapshot } from '../../../src/core/ports/pull-requests';
import { syncPullRequest, type PullRequestDeps } from '../../../src/core/pull-requests/sync-pull-request';
import type { Database } from '../../../src/infra/db/database';
import { createPullRequestRecords } from '../../../src/infra/db/pull-request-records';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { policyFromConfig } from '../../../src/infra/github/policy-from-config';
import { renderComment } from '../../../src/infra/github/report/render-comment';
import { viewReport, type ReportState } from '../../../src/infra/github/report/report-state';
import { createTestDatabase } from '../../support/database';

// Issue 13: reserved slugs and domain collisions are refused for PR sandboxes too (the slug template can produce them).
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

const store = () => createSandboxStore(database.db);
const config = configSchema.parse({
  base_domain: 'sbx.test',
  public_url: 'https://bot.sbx.test',
  naming: { slug_template: '{repo}-{number}', reserved_slugs: ['app-7'] },
  repositories: [
    { name: 'acme/studio', script: { deploy: 'true', start: 'true', extra_domain_prefixes: ['studio'] } },
    { name: 'acme/app', script: { deploy: 'true', start: 'true', extra_domain_prefixes: ['studio'] } },
  ],
});
const pr = (repository: string, number: number): PullRequestSnapshot => ({
  repository,
  number,
  state: 'open',
  merged: false,
  draft: false,
  headSha: 'a'.repeat(40),
  headRef: 'feature',
  headCloneUrl: null,
  baseCloneUrl: `https://github.example/${repository}.git`,
  fromFork: false,
  author: 'dev',
  body: null,
  htmlUrl: `https://github.example/${repository}/pull/${number}`,
  closedAt: null,
  installationId: 1,
});
const depsFor = (policy = policyFromConfig(config, true), pulls: PullRequestSnapshot[] = []): PullRequestDeps => ({
  store: store(),
  records: createPullRequestRecords(database.db),
  source: {
    getPullRequest: async (repository, number) =>
      pulls.find((p) => p.repository === repository && p.number === number) ?? null,
    listOpenPullRequests: async () => pulls,
    mayTrigger: async () => true,
  },
  policy,
  logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  now: () => new Date('2026-03-02T10:00:00Z'),
});

describe('reservedSlugs', () => {
  it('holds www, the first label of the bot’s own host under the base domain, and the configured ones', () => {
    expect(
      reservedSlugs({ baseDomain: 'sbx.test', publicUrl: 'https://bot.sbx.test', configured: ['admin'] }).sort(),
    ).toEqual(['admin', 'bot', 'www']);
    expect(reservedSlugs({ baseDomain: 'sbx.test', publicUrl: 'https://bot.elsewhere.test', configured: [] })).toEqual([
      'www',
    ]);
    expect(policyFromConfig(config, true).reservedSlugs).toEqual(expect.arrayContaining(['www', 'bot', 'app-7']));
  });
});

describe('a PR sandbox whose slug is taken', () => {
  it('is not created when a manual sandbox serves its main domain (studio-5 is the Studio domain of 5); it waits with a clear report', async () => {
    const manual = await createManualInstance(store(), {
      slug: '5',
      repository: {
        name: 'acme/app',
        url: null,
        defaultSettings: {},
        defaultFields: {},
        extraDomainPrefixes: ['studio'],
      },
      ref: 'main',
      globalFields: {},
      ephemeralDatabases: true,
      baseDomain: 'sbx.test',
      actor: { surface: 'cli', id: 'ops' },
    });
    expect(manual.extraDomains).toEqual(['studio-5.sbx.test']);

    const pull = pr('acme/studio', 5);
    const outcome = await syncPullRequest(depsFor(undefined, [pull]), {
      repository: 'acme/studio',
      number: 5,
      installationId: 1,
    });
    expect(outcome).toMatchObject({ kind: 'slug_conflict', record: { waiting: 'slug', instanceId: null } });
    expect(outcome.kind === 'slug_conflict' && outcome.error.message).toBe(
      'the sandbox studio-5 would serve studio-5.sbx.test, which the sandbox 5 serves already; pick another slug',
    );
    expect(await store().findInstanceByPr('acme/studio', 5)).toBeNull();

    const record = (await createPullRequestRecords(database.db).find('acme/studio', 5))!;
    const state: ReportState = {
      record,
      repository: null,
      instance: null,
      appservers: [],
      deployments: [],
      urls: [],
      statusUrl: null,
      logTail: null,
      now: new Date(),
    };
    expect(viewReport(state).phase).toBe('waiting_slug');
    expect(renderComment(state, new Date())).toContain('⏸️ Sandbox not deployed: its name is taken');
  });

  it('is not created when its slug is reserved, and is created by the next sync once it no longer is', async () => {
    const pull = pr('acme/app', 7);
    const refused = await syncPullRequest(depsFor(undefined, [pull]), {
      repository: 'acme/app',
      number: 7,
      installationId: 1,
    });
    expect(refused).toMatchObject({ kind: 'slug_conflict', record: { waiting: 'slug' } });
    expect(refused.kind === 'slug_conflict' && refused.error.code).toBe('usage');
    expect(refused.kind === 'slug_conflict' && refused.error.message).toContain('the slug app-7 is reserved');

    const freed = { ...policyFromConfig(config, true), reservedSlugs: ['www'] };
    const created = await syncPullRequest(depsFor(freed, [pull]), {
      repository: 'acme/app',
      number: 7,
      installationId: 1,
    });
    expect(created).toMatchObject({
      kind: 'open',
      action: 'deploy',
      record: { waiting: null },
      instance: { slug: 'app-7', extraDomains: ['studio-app-7.sbx.test'] },
    });
    // Later syncs of the same PR do not see its own domains as a collision.
    expect(
      await syncPullRequest(depsFor(freed, [pull]), { repository: 'acme/app', number: 7, installationId: 1 }),
    ).toMatchObject({ kind: 'open' });
  });

  it('refuses a manual sandbox alike: reserved, the same slug, or a domain another sandbox serves', async () => {
    const claim = (slug: string) =>
      slugConflict(store(), { slug, domains: [`${slug}.sbx.test`, `studio-${slug}.sbx.test`], reservedSlugs: ['www'] });
    expect((await claim('www'))?.code).toBe('usage');
    expect((await claim('app-7'))?.message).toBe('a sandbox named app-7 exists already; pick another slug');
    expect((await claim('studio-app-7'))?.message).toBe(
      'the sandbox studio-app-7 would serve studio-app-7.sbx.test, which the sandbox app-7 serves already; pick another slug',
    );
    expect(await claim('fresh')).toBeNull();
  });
});
