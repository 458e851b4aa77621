import type pg from 'pg';
import type { Config } from '../config/schema';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import type { Db } from '../infra/db/database';
import type { Logger } from '../infra/logger';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface WebDeps {
  config: Config;
  db: Db;
  pool: pg.Pool;
  logger: Logger;
  provisioning: ProvisioningDeps;
  /** Runs the readiness checks (database, migrations, worker). */
  readiness(): Promise<ReadinessCheck[]>;
}
