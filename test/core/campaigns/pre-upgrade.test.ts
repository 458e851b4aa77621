import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCampaign } from '../../../src/core/campaigns/start-campaign';
import type { CampaignOptions } from '../../../src/core/ports/campaigns';
import type { Actor } from '../../../src/core/model';
import { requestDeployment } from '../../../src/core/operations/operations';
import { startMariadb, type MariadbHarness } from '../../support/mariadb';
import { createSampleRepo, type SampleRepo } from '../../support/sample-repo';
import { startTestBot, type TestBot } from '../../support/test-bot';
import { loadDatabaseRows, renderDatabases } from '../../../src/web/pages/instance-databases';
import { waitFor } from '../../support/wait-for';
import { createBareSandbox } from '../../support/manual-sandbox';

// A real MariaDB (throwaway server of this file) holding the sandboxes' persistent databases.
const actor: Actor = { surface: 'cli', id: 'tester' };
let repo: SampleRepo;
let mariadb: MariadbHarness;
let t: TestBot;

beforeAll(async () => {
  mariadb = await startMariadb();
  repo = createSampleRepo();
  t = await startTestBot(
    `
repositories:
  - name: acme/sample
    url: ${repo.url}
    databases:
      mysql: [app]
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        my() { mariadb --host="$SBX_MYSQL_HOST" --port="$SBX_MYSQL_PORT" --user="$SBX_MYSQL_USER" --password="$SBX_MYSQL_PASSWORD" --batch --skip-column-names "$@"; }
        own="\${SBX_MYSQL_DATABASES%%,*}"
        my "$own" -e "CREATE TABLE IF NOT EXISTS marks (slug text)"
        echo "pre-upgraded rows: $(my "$own" -e "SELECT COUNT(*) FROM marks WHERE slug = 'pre-upgraded'")"
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 10s
databases:
  mysql:
    - { name: mysql-1, url_env: TEST_MYSQL_URL }
retention:
  min_age: 1h
`,
    { TEST_MYSQL_URL: mariadb.adminUrl },
  );
}, 90_000);

afterAll(async () => {
  await t?.stop();
  await mariadb?.stop();
}, 60_000);

const store = () => t.bot.provisioning.store;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const options = (preUpgrade: string[]): CampaignOptions => ({
  filter: {},
  exclude: {},
  update: {},
  preUpgrade,
  batchSize: 2,
  batchFrequencyMs: 1_000,
  numAttempts: 1,
  activate: true,
});

async function waitForCampaign(id: number) {
  await waitFor(async () => ['succeeded', 'failed'].includes((await store().getCampaign(id))?.state ?? ''), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `campaign ${id}`,
  });
  return { campaign: (await store().getCampaign(id))!, items: await store().listCampaignItems(id) };
}

async function logOf(slug: string, number: number): Promise<string> {
  const appserver = (await store().findAppserver((await instance(slug)).id, number))!;
  return (await store().readLog(appserver.id)).map((c) => c.content).join('');
}

describe('--pre-upgrade on persistent MySQL databases', () => {
  it('snapshots, runs the SQL just before each redeploy, and fails an item whose statement fails', async () => {
    const repository = t.config.repositories[0]!;
    const created = await createBareSandbox(store(), {
      slug: 'pre-a',
      repository: { name: repository.name, url: repository.url },
      settings: { ephemeral_databases: false },
      baseDomain: t.config.base_domain,
      actor,
    });
    expect(created.databaseMode).toBe('persistent');
    await requestDeployment({ store: store() }, created, { actor });
    await waitFor(
      async () => ['running', 'failed', 'error'].includes((await store().findAppserver(created.id, 1))?.state ?? ''),
      { timeoutMs: 30_000, what: 'first deploy' },
    );
    const first = (await store().findAppserver(created.id, 1))!;
    expect(first.state, `${first.failureReason}\n${await logOf('pre-a', 1)}`).toBe('running');
    expect(await logOf('pre-a', 1)).toContain('pre-upgraded rows: 0');

    const ok = await startCampaign(
      { store: store(), now: () => new Date() },
      { tag: 'S', options: options(["INSERT INTO marks VALUES ('pre-upgraded')"]), actor },
    );
    const done = await waitForCampaign(ok.id);
    expect(done.campaign.state).toBe('succeeded');
    expect(done.items[0]!.snapshotId).not.toBeNull();
    expect(await logOf('pre-a', 2)).toContain('pre-upgraded rows: 1');
    const audit = await t.database.pool.query(
      `select result, detail from audit_events where action = 'campaign_pre_upgrade' order by id`,
    );
    expect(audit.rows[0]).toMatchObject({
      result: 'ok',
      detail: { statements: ["INSERT INTO marks VALUES ('pre-upgraded')"] },
    });

    const bad = await startCampaign(
      { store: store(), now: () => new Date() },
      {
        tag: 'B',
        options: options(["INSERT INTO marks VALUES ('pre-upgraded')", 'SELECT * FROM no_such_table']),
        actor,
      },
    );
    const failed = await waitForCampaign(bad.id);
    expect(failed.campaign.state).toBe('failed');
    expect(failed.items[0]).toMatchObject({ state: 'failed', deploymentId: null });
    expect(failed.items[0]!.failureReason).toMatch(
      /--pre-upgrade failed: statement 2 \(SELECT \* FROM no_such_table\) failed/,
    );
    // The failure names the snapshot taken just before, and how to restore it.
    const snapshotId = failed.items[0]!.snapshotId;
    expect(snapshotId).not.toBeNull();
    expect(failed.items[0]!.failureReason).toContain(
      `snapshot ${snapshotId} holds its databases from before: npx sbx db restore pre-a ${snapshotId}`,
    );
    expect(await store().listTags(created.id)).toEqual(['B-failure', 'S-success']);

    // The status page's Databases section: server, names and user, the password masked; the snapshots, newest first.
    const records = t.bot.provisioning.databases!.records;
    const { databases, snapshots } = await loadDatabaseRows(records, created.id);
    const [placement] = await records.listForInstance(created.id);
    expect(databases).toEqual([
      {
        kind: 'mysql',
        server: 'mysql-1',
        names: placement!.names.map((n) => n.actual),
        user: placement!.username,
        state: 'ready',
      },
    ]);
    expect(snapshots.map((s) => s.id)).toEqual([snapshotId, done.items[0]!.snapshotId]);
    expect(snapshots[0]).toMatchObject({ reason: `campaign ${bad.id} (B)`, requestedBy: 'cli:tester' });
    const section = String(renderDatabases('pre-a', databases, snapshots));
    expect(section).toContain(
      `<td>mysql</td><td>mysql-1</td><td><code>${placement!.names[0]!.actual}</code></td><td><code>${placement!.username}</code></td><td>***</td><td>ready</td>`,
    );
    expect(section).toContain(`<code>npx sbx db restore pre-a ${snapshotId}</code>`);
    expect(section).not.toContain(placement!.password);
    expect((await store().listAppservers(created.id)).length).toBe(2);
  }, 150_000);
});
