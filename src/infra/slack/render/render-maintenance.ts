import { maintenanceQueuedText } from '../../../core/maintenance';
import { escapeText, type SlackView } from '../blocks';

/** Puts ":construction: in maintenance: <message>, queued" in front of an answer whose work waits for the maintenance to end. */
export function withMaintenanceNote(view: SlackView, queued: { message: string | null } | undefined): SlackView {
  if (!queued) return view;
  return { ...view, text: `:construction: ${escapeText(maintenanceQueuedText(queued.message))}. ${view.text}` };
}
