import type { Router } from '../../infra/http/router';
import { sendJson } from '../../infra/http/router';
import { faviconSvg } from '../../infra/http/html';
import type { WebDeps } from '../deps';

/** `/healthz`: the process is up. `/readyz`: database reachable, migrations current, worker running. */
export function registerHealthRoutes(router: Router, deps: WebDeps): void {
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  // Browsers ask for /favicon.ico whatever the page says; both names serve the same small SVG.
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    router.get(path, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=86400',
        'content-length': Buffer.byteLength(faviconSvg),
      });
      res.end(faviconSvg);
    });
  }
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
