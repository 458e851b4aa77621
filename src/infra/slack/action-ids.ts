/**
 * Action ids of the bot's Block Kit buttons, shared by the renderers that put
 * them in messages and the Bolt listeners that answer them.
 */
export const slackActionIds = {
  /** value: the appserver id. */
  activate: 'sbx_activate',
  /** value: the instance id. */
  redeploy: 'sbx_redeploy',
  /** A link button (the status page); Slack still sends an action to acknowledge. */
  logs: 'sbx_logs',
  /** value: `<instance id>:<force 0|1>`. */
  confirmDelete: 'sbx_delete_confirm',
  cancelDelete: 'sbx_delete_cancel',
} as const;

export type SlackActionId = (typeof slackActionIds)[keyof typeof slackActionIds];
