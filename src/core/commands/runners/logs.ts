import { SandboxError } from '../../errors';
import { loadInstanceView } from '../../instance-view';
import { droppedLogMarker } from '../../log-dropped-marker';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

const defaultLines = 20;
/** Enough bytes for the lines asked for, within what one message shows. */
const bytesPerLine = 200;

/** The last lines of appserver N's deploy log, or of its runtime log (default: the newest appserver). */
export const logs: Runner<'logs'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const { command } = request;
  const view = await loadInstanceView(deps.store, instance, deps.links);
  const appserver =
    command.appserver === null ? view.appservers.at(-1) : view.appservers.find((a) => a.number === command.appserver);
  if (!appserver) {
    const numbers = view.appservers.map((a) => a.number).join(', ');
    throw new SandboxError(
      'not_found',
      command.appserver === null
        ? `${instance.slug} has no appserver yet; redeploy it to get one`
        : `${instance.slug} has no appserver ${command.appserver} (it has ${numbers || 'none'})`,
    );
  }
  const lines = command.lines ?? defaultLines;
  const tailBytes = Math.min(64 * 1024, lines * bytesPerLine);
  const facts = { name: 'logs', sandbox: sandboxFacts(instance, deps.links), view, appserver: appserver.number, lines };
  if (command.runtime) {
    if (!deps.runtimeLogs) throw new SandboxError('usage', 'this bot keeps no runtime logs');
    const state = await deps.runtimeLogs.state(appserver.id);
    const chunks = state ? await deps.runtimeLogs.read(appserver.id, { tailBytes }) : [];
    return {
      ...facts,
      name: 'logs',
      log: 'runtime',
      text: chunks.map((chunk) => chunk.content).join(''),
      droppedMarker: droppedLogMarker(state?.droppedBytes ?? 0),
    };
  }
  const chunks = await deps.store.readLog(appserver.id, { tailBytes });
  return {
    ...facts,
    name: 'logs',
    log: 'deploy',
    text: chunks.map((chunk) => chunk.content).join(''),
    droppedMarker: droppedLogMarker(appserver.logDroppedBytes),
  };
};
