import { z } from 'zod';
import { pruneTables } from '../../infra/db/prune-tables';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

const heartbeatMemoryMs = 86_400_000;

/** Prunes the bot's own tables past their `retention.*` ages: deploy and runtime logs, webhook deliveries, failed jobs, audit events, dead worker heartbeats. */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const { retention } = deps.config;
  const pruned = await pruneTables(
    deps.pool,
    {
      logsMs: retention.logs_max_age,
      deliveriesMs: retention.deliveries_max_age,
      failedJobsMs: retention.failed_jobs_max_age,
      auditMs: retention.audit_max_age,
      heartbeatsMs: heartbeatMemoryMs,
    },
    deps.provisioning.now(),
  );
  helpers.logger.info(
    `pruned ${Object.entries(pruned)
      .map(([table, rows]) => `${rows} ${table}`)
      .join(', ')}`,
  );
});
