import type { DatabaseDeps } from '../databases/deps';
import type { Redactor } from '../redact';
import type { LoadBalancer } from '../ports/load-balancer';
import type { CoreLogger, DnsProvider, HealthProbe, HostDirectory, RecipeBook } from '../ports/other-ports';
import type { SandboxAccessRules } from '../ports/sandbox-access';
import type { Store } from '../ports/store';
import type { MachinePool } from '../ports/machines';
import type { RuntimeLogStore } from '../ports/runtime-log';
import type { Instance } from '../model';

/** Everything the provisioning steps touch, handed in by the composition root. */
export interface ProvisioningDeps {
  store: Store;
  hosts: HostDirectory;
  lb: LoadBalancer;
  dns: DnsProvider;
  recipes: RecipeBook;
  /** Public or basic auth, per repository (`access` in sandbox.yml). */
  access: SandboxAccessRules;
  probe: HealthProbe;
  /** Whether something already listens at address:port (placement skips such ports). */
  portTaken: (address: string, port: number) => Promise<boolean>;
  redactor: Redactor;
  logger: CoreLogger;
  now: () => Date;
  baseDomain: string;
  /** Superseded appservers older than this are terminated by retention. */
  retentionMinAgeMs: number;
  /** Failed and errored appservers are terminated this long after they failed; default: `retentionMinAgeMs`. */
  retentionFailedMinAgeMs?: number;
  /** Running appservers one sandbox may keep (`quotas.appservers_per_sandbox`); null or absent: no limit. */
  appserverLimitOf?: (instance: Instance) => number | null;
  /** How often a follow job polls the host (log bytes, exit status, health). */
  followIntervalMs: number;
  /** How long one follow job runs before handing over to the next one. */
  followBudgetMs: number;
  /** Stored log bytes kept per appserver; older chunks are dropped past it (the tail is kept). Default: no cap. */
  logMaxBytes?: number;
  /** Where a running appserver's own output is kept (`runtime_log` in sandbox.yml); absent: not kept. */
  runtimeLogs?: RuntimeLogStore;
  /** How often a running appserver's output is copied. */
  runtimeLogIntervalMs?: number;
  /** Runtime output kept per appserver. */
  runtimeLogMaxBytes?: number;
  /** Registered database servers for persistent databases; absent: an instance with persistent databases fails to deploy, saying so. */
  databases?: DatabaseDeps;
  /** compute.provider openstack: a VM per appserver instead of a place on a configured host; absent: configured hosts. */
  machines?: MachinePool;
}
