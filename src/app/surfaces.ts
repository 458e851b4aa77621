import type pg from 'pg';
import type { Config } from '../config/schema';
import type { Reporter } from '../core/ports/reporter';
import type { ProvisioningDeps } from '../core/provisioning/deps';
import type { Db } from '../infra/db/database';
import type { GitHubApp } from '../infra/github/github-app';
import type { Logger } from '../infra/logger';
import type { Router } from '../web/router';
import { createGitHubSurface } from '../github/github-surface';
import { createStatusPages } from '../web/status-pages';
import { createSlackSurface } from '../bot/slack-surface';

/** What a surface (GitHub App, Slack app, status pages) gets from the composition root. */
export interface SurfaceContext {
  config: Config;
  logger: Logger;
  db: Db;
  pool: pg.Pool;
  provisioning: ProvisioningDeps;
  env: NodeJS.ProcessEnv;
}

/**
 * One surface of the bot. Everything is optional: a surface that is not
 * configured (no credentials) returns null from its factory and the rest of
 * the bot runs without it.
 */
export interface Surface {
  name: string;
  /** Routes and mounts on the shared HTTP server (only in processes that serve web). */
  registerRoutes?(router: Router): void;
  /** Told about instance changes by the report_instance job (only in worker processes). */
  reporter?: Reporter;
  /** GitHub API access for the pull request jobs (the GitHub App surface only). */
  github?: GitHubApp;
  /** Starts background connections (e.g. Slack Socket Mode) in web processes. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type SurfaceFactory = (context: SurfaceContext) => Promise<Surface | null>;

/** Every surface of the bot, in the order their routes are registered. */
export const surfaceFactories: SurfaceFactory[] = [createStatusPages(), createSlackSurface, createGitHubSurface];
