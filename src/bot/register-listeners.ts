import type { App, RespondArguments } from '@slack/bolt';
import { slackActionIds } from '../infra/slack/action-ids';
import type { SlackView } from '../infra/slack/blocks';
import { handleAction, type ActionResult } from './actions/handle-action';
import { answerWithin } from './answer-within';
import type { SlackDeps } from './deps';
import { handleCommand } from './handle-command';
import { blockActionPayload, slashCommandPayload } from './schema';

const holding: SlackView = {
  text: ':hourglass_flowing_sand: Working on it; the database is slow right now. The answer follows here in a moment.',
};

const ephemeral = (view: SlackView): RespondArguments => ({
  response_type: 'ephemeral',
  text: view.text,
  ...(view.blocks ? { blocks: view.blocks } : {}),
});

/**
 * Slash commands and buttons: parse the payload → authorize → enqueue → ack.
 * Every command (whatever a workspace named it) goes through the shared
 * parser; every button through the same permission check and core operations.
 */
export function registerListeners(app: App, deps: SlackDeps): void {
  app.command(/.*/, async ({ body, ack, respond }) => {
    const parsed = slashCommandPayload.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'malformed slash command payload');
      await ack(ephemeral({ text: 'That request from Slack was malformed; try again.' }));
      return;
    }
    const payload = parsed.data;
    const request = { userId: payload.user_id, channelId: payload.channel_id };
    const work = handleCommand(deps, request, payload.command, payload.text);
    await answerWithin(
      deps.ackDeadlineMs,
      work,
      {
        ack: async (view) => ack(view ? ephemeral(view) : undefined),
        respond: async (view) => void (await respond(ephemeral(view))),
      },
      holding,
    );
  });

  for (const actionId of Object.values(slackActionIds)) {
    app.action(actionId, async ({ body, ack, respond }) => {
      const parsed = blockActionPayload.safeParse(body);
      if (!parsed.success) {
        deps.logger.warn({ issues: parsed.error.issues }, 'malformed block action payload');
        await ack();
        return;
      }
      const payload = parsed.data;
      const channelId = payload.channel?.id ?? payload.container?.channel_id ?? '';
      const action = payload.actions.find((a) => a.action_id === actionId) ?? payload.actions[0]!;
      const work = handleAction(deps, { userId: payload.user.id, channelId }, actionId, action.value ?? '');
      // A button's acknowledgement carries no message: the reply always goes through response_url.
      const reply = async (view: ActionResult) => {
        if (!view.text) return;
        await respond({
          ...ephemeral(view),
          ...(view.replaceOriginal ? { replace_original: true } : { replace_original: false }),
        });
      };
      await answerWithin(
        deps.ackDeadlineMs,
        work,
        {
          ack: async (view) => {
            await ack();
            if (view) await reply(view);
          },
          respond: reply,
        },
        { text: '' },
      );
    });
  }
}
