import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxCommand } from '../core/commands';
import { runCommand, type CommandAnswer } from '../core/commands/runners';
import { parseDuration } from '../core/duration';
import { isSandboxError, SandboxError } from '../core/errors';
import { permissionKey, type WebAction } from './auth/access';
import { readFormOrProblem } from './auth/auth-routes';
import { sendErrorPage, sendProblem } from './error-words';
import type { Router } from '../infra/http/router';
import type { StatusDeps } from './status-deps';

/** Each web action is the command GitHub, Slack and the CLI give, run by the same runner. */
const commands: Record<
  WebAction,
  (slug: string, params: Record<string, string>, form: URLSearchParams) => Exclude<SandboxCommand, { name: 'help' }>
> = {
  deploy: (slug) => ({ name: 'redeploy', instance: slug, activate: true }),
  activate: (slug, params) => {
    const number = Number(params.n);
    if (!Number.isInteger(number) || number < 1)
      throw new SandboxError('usage', `"${params.n}" is not an appserver number`);
    return { name: 'activate', instance: slug, appserver: number };
  },
  cancel: (slug) => ({ name: 'cancel', instance: slug }),
  archive: (slug) => ({ name: 'archive', instance: slug }),
  extend: (slug, _params, form) => {
    const duration = form.get('duration') ?? '';
    if (!/^\d{1,4}[hd]$/.test(duration))
      throw new SandboxError('usage', `"${duration}" is not a duration such as 1d or 12h`);
    return { name: 'extend', instance: slug, duration, durationMs: parseDuration(duration) };
  },
  pin: (slug) => ({ name: 'pin', instance: slug }),
  unpin: (slug) => ({ name: 'unpin', instance: slug }),
};

/** The notice the instance page shows after the redirect (`?done=…`). */
function noticeQuery(answer: CommandAnswer): string {
  switch (answer.name) {
    case 'redeploy':
      return answer.restored ? 'done=restore' : 'done=deploy';
    case 'activate':
      return `done=activate&n=${answer.appserver.number}`;
    case 'archive':
      return answer.alreadyArchived ? 'done=archived' : 'done=archive';
    default:
      return `done=${answer.name}`;
  }
}

/**
 * POST /sandboxes/<slug>/redeploy | cancel | archive and
 * /sandboxes/<slug>/appservers/<n>/activate. Every one needs a session, its
 * CSRF token, a same-site Origin and the action's permission; refusals land
 * in the audit log too (the runner records them). Success redirects back to
 * the instance page (303) with a notice.
 */
export function registerActions(router: Router, deps: StatusDeps): void {
  const publicOrigin = new URL(deps.config.public_url ?? 'http://localhost').origin;
  const handle =
    (action: WebAction) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
      const back = `/sandboxes/${encodeURIComponent(params.slug ?? '')}`;
      const origin = req.headers.origin;
      if (
        origin !== undefined &&
        origin !== publicOrigin &&
        origin !== `http://${req.headers.host}` &&
        origin !== `https://${req.headers.host}`
      ) {
        sendProblem(res, 403, 'Refused', 'This form was sent from another site.', { back });
        return;
      }
      const session = deps.auth.session(req);
      const form = await readFormOrProblem(req, res);
      if (!form) return;
      if (!session) {
        sendProblem(res, 401, 'Sign in first', 'Actions need a GitHub sign-in.', {
          back: `/auth/sign-in?return_to=${encodeURIComponent(back)}`,
        });
        return;
      }
      if (!deps.auth.checkCsrf(session, form.get('_csrf'))) {
        sendProblem(
          res,
          403,
          'Refused',
          'The form was stale or not sent from this page; reload the page and try again.',
          { back },
        );
        return;
      }
      const chrome = { login: session.login, csrf: deps.auth.csrfToken(session) };
      const viewer = deps.auth.viewer(req);
      const slug = (params.slug ?? '').toLowerCase();
      try {
        const result = await runCommand(deps.commands, {
          actor: { surface: 'web', id: session.login },
          command: commands[action](slug, params, form),
          async authorize() {
            if (!viewer.can(action))
              throw new SandboxError(
                'not_permitted',
                `@${session.login} may not ${action === 'deploy' ? 'redeploy' : action} sandboxes here (web.auth.permissions.${permissionKey(action)})`,
              );
          },
        });
        if (!result.ok) throw result.error;
        res.writeHead(303, {
          location: `${back}?${noticeQuery(result.answer)}`,
          'cache-control': 'no-store',
          'content-length': 0,
        });
        res.end();
      } catch (error) {
        if (
          !sendErrorPage(res, error, {
            back: isSandboxError(error, 'not_found') ? '/' : back,
            chrome,
            redact: deps.redactor.redact,
          })
        )
          throw error;
      }
    };
  router.post('/sandboxes/:slug/redeploy', handle('deploy'));
  router.post('/sandboxes/:slug/cancel', handle('cancel'));
  router.post('/sandboxes/:slug/archive', handle('archive'));
  router.post('/sandboxes/:slug/extend', handle('extend'));
  router.post('/sandboxes/:slug/pin', handle('pin'));
  router.post('/sandboxes/:slug/unpin', handle('unpin'));
  router.post('/sandboxes/:slug/appservers/:n/activate', handle('activate'));
}
