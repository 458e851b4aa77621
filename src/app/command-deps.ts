import { sandboxLinks } from '../config/sandbox-links';
import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import { createMaintenanceReader } from '../infra/db/maintenance-flag';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import { createRuntimeLogStore } from '../infra/db/runtime-log-store';
import { createExpiryPolicy } from '../infra/expiry-policy';
import { createManualCatalog } from '../infra/manual-catalog';
import { quotaLimitsOf } from '../infra/quota-limits';

/** What the command runners work with, the same for every surface (GitHub, Slack, CLI, web). */
export function createCommandDeps({
  config,
  db,
  store,
  now = () => new Date(),
}: {
  config: Config;
  db: Db;
  store: Store;
  now?: () => Date;
}): CommandDeps {
  return {
    store,
    now,
    links: sandboxLinks(config),
    catalog: createManualCatalog(config),
    expiry: createExpiryPolicy(config),
    quotas: (repository) => quotaLimitsOf(config, repository),
    pullRequests: createPullRequestRecords(db),
    maintenance: createMaintenanceReader(db),
    runtimeLogs: createRuntimeLogStore(db),
  };
}
