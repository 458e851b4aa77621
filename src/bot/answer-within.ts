import type { SlackView } from '../infra/slack/blocks';

export interface Responder {
  /** Acknowledges the request; for a slash command the view is the ephemeral reply. */
  ack(view?: SlackView): Promise<void>;
  /** Replies later through the request's response_url. */
  respond(view: SlackView): Promise<void>;
}

/**
 * Slack wants an acknowledgement within 3 seconds, always. `work` (validate,
 * authorize, enqueue in one transaction) usually finishes well before; its
 * reply then is the acknowledgement. When the database is slow, the
 * acknowledgement goes out at the deadline with `holding`, and the real
 * reply follows through response_url once the work has finished; the
 * handler still awaits it, so nothing runs unobserved. `work` must not
 * reject: it turns its errors into replies.
 */
export async function answerWithin(
  deadlineMs: number,
  work: Promise<SlackView>,
  responder: Responder,
  holding: SlackView,
): Promise<'acknowledged' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), deadlineMs);
  });
  const first = await Promise.race([work, late]);
  clearTimeout(timer);
  if (first !== null) {
    await responder.ack(first);
    return 'acknowledged';
  }
  await responder.ack(holding);
  await responder.respond(await work);
  return 'late';
}
