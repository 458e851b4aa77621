import type pg from 'pg';
import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { Reporter } from '../core/ports/reporter';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import type { Db } from '../infra/db/database';
import type { GitHubApp } from '../infra/github/github-app';
import type { RequestsInFlight } from '../infra/http/requests-in-flight';
import type { Logger } from '../infra/logger';

/** What every task gets, handed in by the composition root (no singletons). */
export interface JobDeps {
  config: Config;
  db: Db;
  pool: pg.Pool;
  logger: Logger;
  provisioning: ProvisioningDeps;
  /** Surfaces told about instance changes by the report_instance task. */
  reporters: Reporter[];
  /** The GitHub App's API access; absent when the App is not configured. */
  github?: GitHubApp | null;
  /** What the command runners work with (pull request commands); absent only where no command runs (tests of other tasks). */
  commands?: CommandDeps;
  /** Where uptime probes reach the load balancer (src/infra/uptime-target.ts); null or absent: probes are skipped, with a warning. */
  uptimeUrl?: string | null;
  /** ACME renewal (load_balancer.tls.acme); absent or null otherwise. */
  certificates?: { renew(): Promise<'fresh' | 'renewed' | 'busy'> } | null;
  /**
   * Requests answered by this very process (web and worker in one, `sbx start`): the worker takes no job and starts
   * none until they are answered (src/infra/http/requests-in-flight.ts). Absent in a worker-only process.
   */
  requests?: Pick<RequestsInFlight, 'quiet'> | null;
}
