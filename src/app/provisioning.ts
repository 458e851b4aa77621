import type { Config } from '../config/schema';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import { createRedactor } from '../core/redact';
import type { Db } from '../infra/db/database';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { httpHealthProbe, tcpPortTaken } from '../infra/health-probe';
import { createHostDirectory } from '../infra/hosts/host-directory';
import type { Logger } from '../infra/logger';
import { createRecipeBook } from '../infra/recipes';
import { createSandboxAccessRules } from '../infra/sandbox-access';
import { collectSecrets } from './collect-secrets';
import { createDns } from './create-dns';
import { createLoadBalancer } from './create-load-balancer';
import { isolationOf } from '../infra/hosts/local-isolation';
import { syncHosts } from './sync-hosts';
import { createDatabaseDeps } from './databases';

export interface Provisioning extends ProvisioningDeps {
  close(): Promise<void>;
}

/** Wires the provisioning ports to their adapters for this configuration (and records its hosts). */
export async function createProvisioning({
  config,
  db,
  logger,
  env,
}: {
  config: Config;
  db: Db;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<Provisioning> {
  const store = createSandboxStore(db);
  const hosts = createHostDirectory({
    env,
    logger,
    localRunAs: isolationOf(config).isolated ? config.compute.local.run_as : null,
  });
  await syncHosts(store, config);
  const lb = await createLoadBalancer({ config, store, hosts, logger, env });
  const databases = await createDatabaseDeps({ config, db, env });
  return {
    store,
    hosts,
    lb,
    dns: createDns(config, env, logger),
    recipes: createRecipeBook(config),
    access: createSandboxAccessRules(config, env),
    probe: httpHealthProbe,
    portTaken: tcpPortTaken,
    redactor: createRedactor(collectSecrets(config, env)),
    logger,
    now: () => new Date(),
    baseDomain: config.base_domain,
    retentionMinAgeMs: config.retention.min_age,
    retentionFailedMinAgeMs: config.retention.failed_min_age,
    followIntervalMs: 100,
    followBudgetMs: 1_500,
    logMaxBytes: config.retention.log_max_bytes,
    databases,
    close: () => hosts.closeAll(),
  };
}
