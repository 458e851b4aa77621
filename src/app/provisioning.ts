import { quotaLimitsOf } from '../infra/quota-limits';
import type { Config } from '../config/schema';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import { createRedactor } from '../core/redact';
import type { Db } from '../infra/db/database';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { exclusive, exclusiveKeys } from '../infra/db/exclusive';
import { createRuntimeLogStore } from '../infra/db/runtime-log-store';
import { httpHealthProbe, tcpPortTaken } from '../infra/health-probe';
import { createHostDirectory } from '../infra/hosts/host-directory';
import type { Logger } from '../infra/logger';
import { createRecipeBook } from '../infra/recipes';
import { createSandboxAccessRules } from '../infra/sandbox-access';
import { collectSecrets } from './collect-secrets';
import { createDns } from './create-dns';
import { createLoadBalancer } from './create-load-balancer';
import { createSleepEndpoints, type SleepEndpoints } from './sleep-endpoints';
import { createCertificateSupply, type CertificateSupply } from './tls-certificates';
import type { TlsCertificate, UsesCertificate } from '../infra/load-balancers/tls-certificate';
import { isolationOf } from '../infra/hosts/local-isolation';
import { syncHosts } from './sync-hosts';
import { createDatabaseDeps } from './databases';
import { createOpenStackMachines } from '../infra/openstack/openstack-machines';

export interface Provisioning extends ProvisioningDeps {
  /** HTTPS (load_balancer.tls): where the certificate comes from, the one served at start, and the balancer that takes new ones. */
  tls: { supply: CertificateSupply; certificate: TlsCertificate; lb: UsesCertificate | null } | null;
  close(): Promise<void>;
}

/** Wires the provisioning ports to their adapters for this configuration (and records its hosts). */
export async function createProvisioning({
  config,
  db,
  logger,
  env,
  obtainCertificate = true,
  sleep = createSleepEndpoints(config),
}: {
  config: Config;
  db: Db;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** With load_balancer.tls.acme and no certificate stored yet: obtain one now (false: the balancer serves HTTP only). */
  obtainCertificate?: boolean;
  /** Where nginx/HAProxy reach the bot for sleep and wake (default: from sandbox.yml's fixed ports). */
  sleep?: SleepEndpoints;
}): Promise<Provisioning> {
  const store = createSandboxStore(db);
  const hosts = createHostDirectory({
    env,
    logger,
    localRunAs: isolationOf(config).isolated ? config.compute.local.run_as : null,
  });
  await syncHosts(store, config);
  const supply = createCertificateSupply(config, env, logger);
  // `sbx doctor` looks without ordering: with no ACME certificate stored yet, its balancer has none.
  const certificate = !supply ? null : obtainCertificate ? await supply.initial() : supply.stored();
  const lb = await createLoadBalancer({ config, store, hosts, logger, certificate, sleep: sleep.routing });
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
    appserverLimitOf: (instance) => quotaLimitsOf(config, instance.prRepo).appserversPerSandbox,
    followIntervalMs: 100,
    followBudgetMs: 1_500,
    logMaxBytes: config.retention.log_max_bytes,
    runtimeLogs: createRuntimeLogStore(db),
    runtimeLogIntervalMs: config.runtime_log.interval,
    runtimeLogMaxBytes: config.runtime_log.max_bytes,
    databases,
    ...(config.compute.openstack
      ? {
          machines: createOpenStackMachines({
            config: config.compute.openstack,
            repositories: config.repositories,
            env,
            logger,
            exclusively: exclusive(db, exclusiveKeys.openstackSecurityGroup),
          }),
        }
      : {}),
    tls:
      supply && certificate
        ? { supply, certificate, lb: lb.useCertificate ? { useCertificate: lb.useCertificate } : null }
        : null,
    close: () => hosts.closeAll(),
  };
}
