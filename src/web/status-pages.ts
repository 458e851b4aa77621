import type { Surface, SurfaceContext } from '../app/surface';
import { registerActions } from './actions';
import { registerAuthRoutes } from './auth/auth-routes';
import { loadSessionSecret } from './auth/session-secret';
import { createWebAuth } from './auth/web-auth';
import { LogFeeds } from './logs/log-feeds';
import { createLogReader } from '../infra/db/log-reader';
import { registerLogRoutes } from './logs/log-routes';
import { collectProcessDefaults, observeHttpRequest } from '../infra/metrics';
import { registerMetricsRoute } from './metrics-route';
import { registerDashboard } from './pages/dashboard';
import { registerInstancePage } from './pages/instance-page';
import { registerAuditPage } from './pages/audit-page';
import { registerUsagePage } from './pages/usage-page';
import { registerCampaignsPage } from './pages/campaigns-page';
import { registerActivityCsv } from './pages/activity-csv-route';
import type { StatusDeps } from './status-deps';

export interface StatusPagesOptions {
  /** How often a followed live log is polled. */
  logPollMs?: number;
}

/**
 * The status pages surface (SPEC §6): dashboard, instance pages with live
 * logs and actions, GitHub sign-in, /metrics. Routes only exist in web
 * processes; the session secret is read (or generated) when they are registered.
 */
export function createStatusPages(options: StatusPagesOptions = {}) {
  return async (context: SurfaceContext): Promise<Surface> => {
    const { config, provisioning } = context;
    const logs = createLogReader(context.pool, provisioning.redactor.redact);
    const feeds = new LogFeeds({ reader: logs, logger: context.logger, pollMs: options.logPollMs });
    return {
      name: 'status pages',
      registerRoutes(router) {
        const deps: StatusDeps = {
          config,
          db: context.db,
          pool: context.pool,
          store: provisioning.store,
          commands: context.commands,
          redactor: provisioning.redactor,
          logger: context.logger,
          auth: createWebAuth(config, loadSessionSecret(config), Date.now, context.localToken),
          logs,
          feeds,
        };
        collectProcessDefaults();
        router.observe(observeHttpRequest);
        registerDashboard(router, deps);
        registerInstancePage(router, deps);
        registerAuditPage(router, deps);
        registerUsagePage(router, deps);
        registerCampaignsPage(router, deps);
        registerActivityCsv(router, deps);
        registerLogRoutes(router, deps);
        registerActions(router, deps);
        registerAuthRoutes(router, deps);
        registerMetricsRoute(router, context.pool, { liveLogViewers: () => feeds.followers });
      },
      async stop() {
        feeds.close();
      },
    };
  };
}
