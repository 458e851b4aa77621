import type { Router } from '../../infra/http/router';
import { sendJson } from '../../infra/http/router';
import type { WebDeps } from '../deps';

/** `/healthz`: the process is up. `/readyz`: database reachable, migrations current, worker running. */
export function registerHealthRoutes(router: Router, deps: WebDeps): void {
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const failed = checks.filter((check) => !check.ok);
    sendJson(res, failed.length ? 503 : 200, {
      status: failed.length ? 'unavailable' : 'ok',
      failed: failed.map((check) => check.name),
      checks,
    });
  });
}
