import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxError } from '../core/errors';
import type { Actor, Instance } from '../core/model';
import { activate, archive, cancel, requestDeployment } from '../core/operations/operations';
import type { WebAction } from './auth/access';
import { readFormOrProblem } from './auth/auth-routes';
import { sendErrorPage, sendProblem } from './error-words';
import type { Router } from './router';
import type { StatusDeps } from './status-deps';

type Run = (deps: StatusDeps, instance: Instance, actor: Actor, params: Record<string, string>) => Promise<string>;

/** Each web action calls the core operation GitHub and Slack call; the operation audits it with the GitHub login. */
const runners: Record<WebAction, Run> = {
  deploy: async (deps, instance, actor) => {
    await requestDeployment({ store: deps.store }, instance, { actor, activateOnSuccess: true });
    return 'done=deploy';
  },
  activate: async (deps, instance, actor, params) => {
    const number = Number(params.n);
    if (!Number.isInteger(number) || number < 1) throw new SandboxError('usage', `"${params.n}" is not an appserver number`);
    await activate({ store: deps.store }, instance, { actor, number });
    return `done=activate&n=${number}`;
  },
  cancel: async (deps, instance, actor) => {
    await cancel({ store: deps.store }, instance, { actor });
    return 'done=cancel';
  },
  archive: async (deps, instance, actor) => {
    await archive({ store: deps.store }, instance, { actor });
    return 'done=archive';
  },
};

/**
 * POST /sandboxes/<slug>/redeploy | cancel | archive and
 * /sandboxes/<slug>/appservers/<n>/activate. Every one needs a session, its
 * CSRF token, a same-site Origin and the action's permission; refusals land
 * in the audit log too. Success redirects back to the instance page (303).
 */
export function registerActions(router: Router, deps: StatusDeps): void {
  const publicOrigin = new URL(deps.config.public_url ?? 'http://localhost').origin;
  const handle = (action: WebAction) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    const back = `/sandboxes/${encodeURIComponent(params.slug ?? '')}`;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== publicOrigin && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
      sendProblem(res, 403, 'Refused', 'This form was sent from another site.', { back });
      return;
    }
    const session = deps.auth.session(req);
    const form = await readFormOrProblem(req, res);
    if (!form) return;
    if (!session) {
      sendProblem(res, 401, 'Sign in first', 'Actions need a GitHub sign-in.', { back: `/auth/sign-in?return_to=${encodeURIComponent(back)}` });
      return;
    }
    if (!deps.auth.checkCsrf(session, form.get('_csrf'))) {
      sendProblem(res, 403, 'Refused', 'The form was stale or not sent from this page; reload the page and try again.', { back });
      return;
    }
    const chrome = { login: session.login, csrf: deps.auth.csrfToken(session) };
    const instance = await deps.store.findInstanceBySlug((params.slug ?? '').toLowerCase());
    if (!instance || instance.deletedAt) {
      sendProblem(res, 404, 'No such sandbox', `There is no sandbox named ${params.slug}.`, { back: '/', chrome });
      return;
    }
    const viewer = deps.auth.viewer(req);
    if (!viewer.can(action)) {
      await deps.store.recordAudit({ actor: session.login, surface: 'web', action: action, instanceId: instance.id, instanceSlug: instance.slug, result: 'refused', detail: { reason: 'not permitted' } });
      sendProblem(res, 403, 'Not permitted', `@${session.login} may not ${action === 'deploy' ? 'redeploy' : action} sandboxes here (web.auth.permissions.${action}).`, { back, chrome });
      return;
    }
    try {
      const query = await runners[action](deps, instance, { surface: 'web', id: session.login }, params);
      res.writeHead(303, { location: `${back}?${query}`, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
    } catch (error) {
      if (!sendErrorPage(res, error, { back, chrome, redact: deps.redactor.redact })) throw error;
    }
  };
  router.post('/sandboxes/:slug/redeploy', handle('deploy'));
  router.post('/sandboxes/:slug/cancel', handle('cancel'));
  router.post('/sandboxes/:slug/archive', handle('archive'));
  router.post('/sandboxes/:slug/appservers/:n/activate', handle('activate'));
}
