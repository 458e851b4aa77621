import { describe, expect, it } from 'vitest';
import { createBareSandbox } from '../support/manual-sandbox';
import { sampleRepository, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

const s = useSlackTestBot(
  `
repositories:${sampleRepository('acme/sample', 'REPO_URL')}
compute:
  local:
    capacity: 0
slack:
  permissions:
    deploy: ['*']
`,
  {
    setup: async (bot) => {
      const repository = bot.t.config.repositories[0]!;
      await createBareSandbox(bot.t.bot.provisioning.store, {
        slug: 'held',
        repository,
        baseDomain: bot.t.config.base_domain,
      });
    },
  },
);

describe('web and worker in one process (sbx start)', () => {
  it('takes and starts a job only once the Slack command being answered has its answer', async () => {
    const pool = s.t.database.pool;
    // The command's write waits for this lock: the request stays in flight for as long as the test holds it.
    const holder = await pool.connect();
    let answered = false;
    try {
      await holder.query('begin');
      await holder.query(`select 1 from instances where slug = 'held' for update`);
      const command = s.command('/redeploy', 'held').then((answer) => {
        answered = true;
        return answer;
      });
      await waitFor(
        async () =>
          (
            await pool.query(
              `select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
            )
          ).rowCount! > 0,
        { intervalMs: 10, what: 'the command to wait for the row lock' },
      );
      await s.t.bot.provisioning.store.enqueue('prune_logs', {});
      const job = async () =>
        (
          await pool.query<{ locked: boolean }>(
            `select locked_at is not null as locked from graphile_worker.jobs where task_identifier = 'prune_logs'`,
          )
        ).rows[0];
      // Not even taken: the worker's own statements wait for the answer too. Unheld, the job would have been taken
      // and done within a few milliseconds; held, it waits for the answer (or 500 ms).
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await job()).toEqual({ locked: false });
      expect(answered).toBe(false);
      await holder.query('commit');
      expect((await command).status).toBe(200);
      await waitFor(async () => (await job()) === undefined, { intervalMs: 10, what: 'the job to run' });
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
    }
  });
});
