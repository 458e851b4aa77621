import { SandboxError } from '../../core/errors';
import { droppedLogMarker } from '../../core/log-dropped-marker';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { loadInstanceView } from '../../infra/slack/load-instance-view';
import { renderLogs } from '../../infra/slack/render/render-status';
import { auditRead, instanceReference, type Runner } from './runner';

const defaultLines = 20;
/** Enough bytes for the lines asked for, within what one message shows. */
const bytesPerLine = 200;

/** `/sandbox logs <instance> [N] [--lines L]`: the last lines of appserver N's deploy log (default: the newest). */
export const logs: Runner<'logs'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'read');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  const view = await loadInstanceView(deps.store, instance, deps.links);
  const appserver = command.appserver === null ? view.appservers.at(-1) : view.appservers.find((a) => a.number === command.appserver);
  if (!appserver) {
    const numbers = view.appservers.map((a) => a.number).join(', ');
    throw new SandboxError('not_found', command.appserver === null ? `${instance.slug} has no appserver yet; deploy it with /redeploy ${instance.slug}` : `${instance.slug} has no appserver ${command.appserver} (it has ${numbers || 'none'})`);
  }
  const lines = command.lines ?? defaultLines;
  const chunks = await deps.store.readLog(appserver.id, { tailBytes: Math.min(64 * 1024, lines * bytesPerLine) });
  await auditRead(deps, request, 'logs', instance, { appserver: appserver.number });
  return renderLogs(view, appserver.number, chunks.map((chunk) => chunk.content).join(''), lines, droppedLogMarker(appserver.logDroppedBytes));
};
