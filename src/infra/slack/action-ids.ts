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
  /** value: the planned campaign as JSON (`{tag, options}`), started as confirmed. */
  startCampaign: 'sbx_campaign_start',
  cancelCampaign: 'sbx_campaign_cancel',
  /** On a campaign's progress message; value: the campaign id. */
  pauseCampaign: 'sbx_campaign_pause',
  resumeCampaign: 'sbx_campaign_resume',
  /** Cancel a running or paused campaign (after Slack's confirmation dialog); value: the campaign id. */
  stopCampaign: 'sbx_campaign_stop',
} as const;

export type SlackActionId = (typeof slackActionIds)[keyof typeof slackActionIds];
