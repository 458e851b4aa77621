import type pg from 'pg';
import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { Store } from '../core/ports/store';
import type { Redactor } from '../core/redact';
import type { Db } from '../infra/db/database';
import type { Logger } from '../infra/logger';
import type { WebAuth } from './auth/web-auth';
import type { LogFeeds } from './logs/log-feeds';
import type { LogReader } from '../infra/db/log-reader';

/** What the status pages (instance page, dashboard, logs, actions, sign-in, metrics) work with. */
export interface StatusDeps {
  config: Config;
  db: Db;
  pool: pg.Pool;
  store: Store;
  /** What the command runners work with (the same for every surface). */
  commands: CommandDeps;
  /** Replaces every configured secret with `***` in anything shown. */
  redactor: Redactor;
  logger: Logger;
  auth: WebAuth;
  logs: LogReader;
  feeds: LogFeeds;
}
