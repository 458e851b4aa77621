import type pg from 'pg';
import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import type { Db } from '../infra/db/database';
import type { GitHubApp } from '../infra/github/github-app';
import type { Router } from '../infra/http/router';
import type { LocalToken } from '../infra/local-token';
import type { Logger } from '../infra/logger';

/** What an inbound surface (GitHub App, Slack app, status pages) gets from the composition root. */
export interface SurfaceContext {
  config: Config;
  logger: Logger;
  db: Db;
  pool: pg.Pool;
  provisioning: ProvisioningDeps;
  /** What the command runners work with (the same for every surface). */
  commands: CommandDeps;
  /** The GitHub App's API access; null when the App is not configured. */
  github: GitHubApp | null;
  env: NodeJS.ProcessEnv;
  /** The local operator's token: the `/auth/local` link and the setup code of `/probot`. */
  localToken: LocalToken;
}

/**
 * One inbound surface of the bot. Everything is optional: a surface that is
 * not configured (no credentials) returns null from its factory and the rest
 * of the bot runs without it. Outbound work (reporters) is not a surface's:
 * the composition root builds the adapters in src/infra.
 */
export interface Surface {
  name: string;
  /** Routes and mounts on the shared HTTP server (only in processes that serve web). */
  registerRoutes?(router: Router): void;
  /** Starts background connections (e.g. Slack Socket Mode) in web processes. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type SurfaceFactory = (context: SurfaceContext) => Promise<Surface | null>;
