import type { Appserver, Instance } from '../../../core/model';
import { slackActionIds } from '../action-ids';
import { actions, button, type Block } from '../blocks';

/** The buttons under a sandbox message: Activate (when a running appserver is not active), Logs, Redeploy. */
export function instanceButtons(options: {
  instance: Instance;
  statusUrl: string;
  activate: Appserver | null;
  redeploy?: boolean;
}): Block[] {
  const { instance, statusUrl, activate } = options;
  return actions([
    ...(activate
      ? [
          button({
            text: `Activate appserver ${activate.number}`,
            actionId: slackActionIds.activate,
            value: String(activate.id),
            style: 'primary',
          }),
        ]
      : []),
    button({ text: 'Logs', actionId: slackActionIds.logs, url: statusUrl }),
    ...(options.redeploy !== false && !instance.archivedAt && !instance.deletedAt
      ? [button({ text: 'Redeploy', actionId: slackActionIds.redeploy, value: String(instance.id) })]
      : []),
  ]);
}
