import type { Config } from '../config/schema';
import type { LoadBalancer } from '../core/ports/load-balancer';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import { createRedactor } from '../core/redact';
import type { Db } from '../infra/db/database';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { createWildcardDns } from '../infra/dns/wildcard';
import { httpHealthProbe, tcpPortTaken } from '../infra/health-probe';
import { createHostDirectory } from '../infra/hosts/host-directory';
import { createLocalTransport } from '../infra/hosts/local-transport';
import { createBuiltinLoadBalancer } from '../infra/load-balancers/builtin';
import { createNginxLoadBalancer } from '../infra/load-balancers/nginx';
import type { Logger } from '../infra/logger';
import { createRecipeBook } from '../infra/recipes';
import { createSandboxAccessRules } from '../infra/sandbox-access';
import { collectSecrets } from './collect-secrets';
import { isolationOf } from '../infra/hosts/local-isolation';
import { syncHosts } from './sync-hosts';
import { SandboxError } from '../core/errors';

export interface Provisioning extends ProvisioningDeps {
  close(): Promise<void>;
}

/** Wires the provisioning ports to their adapters for this configuration (and records its hosts). */
export async function createProvisioning({ config, db, logger, env }: { config: Config; db: Db; logger: Logger; env: NodeJS.ProcessEnv }): Promise<Provisioning> {
  const store = createSandboxStore(db);
  const hosts = createHostDirectory({ env, logger, localRunAs: isolationOf(config).isolated ? config.compute.local.run_as : null });
  await syncHosts(store, config);
  const lb = await createLoadBalancer(config, store, hosts, logger);
  return {
    store,
    hosts,
    lb,
    dns: createWildcardDns(),
    recipes: createRecipeBook(config),
    access: createSandboxAccessRules(config, env),
    probe: httpHealthProbe,
    portTaken: tcpPortTaken,
    redactor: createRedactor(collectSecrets(config, env)),
    logger,
    now: () => new Date(),
    baseDomain: config.base_domain,
    retentionMinAgeMs: config.retention.min_age,
    followIntervalMs: 100,
    followBudgetMs: 1_500,
    logMaxBytes: config.retention.log_max_bytes,
    close: () => hosts.closeAll(),
  };
}

async function createLoadBalancer(config: Config, store: ProvisioningDeps['store'], hosts: ReturnType<typeof createHostDirectory>, logger: Logger): Promise<LoadBalancer> {
  const settings = config.load_balancer;
  if (settings.provider === 'builtin') return createBuiltinLoadBalancer(store);
  if (settings.provider === 'nginx') {
    const nginx = settings.nginx ?? { host: null, config_dir: '/etc/nginx/sites-enabled', name_prefix: 'sbx-', test_command: ['nginx', '-t'], reload_command: ['nginx', '-s', 'reload'], listen: 80 };
    let transport = createLocalTransport();
    if (nginx.host) {
      const host = (await store.listHosts()).find((h) => h.name === nginx.host);
      if (!host) throw new SandboxError('config_invalid', `load_balancer.nginx.host: no compute host named ${nginx.host}`);
      transport = hosts.transportFor(host);
    }
    return createNginxLoadBalancer({
      transport,
      configDir: nginx.config_dir,
      namePrefix: nginx.name_prefix,
      testCommand: nginx.test_command,
      reloadCommand: nginx.reload_command,
      listen: nginx.listen,
      preliminaryUrl: (slug) => `${config.public_url}/sandboxes/${slug}`,
      logger,
    });
  }
  throw new SandboxError('config_invalid', `load_balancer.provider: ${settings.provider} is not supported by this version yet; use builtin or nginx`);
}
