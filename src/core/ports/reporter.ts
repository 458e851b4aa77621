/** A surface that shows an instance's state (GitHub check run and comment, Slack message). */
export interface Reporter {
  readonly name: string;
  /** Brings the surface up to date with the instance's current state; safe to run any number of times. */
  report(instanceId: number): Promise<void>;
  /** Brings the surface up to date with a campaign's progress (the report_campaign job); surfaces without campaign messages leave it out. */
  reportCampaign?(campaignId: number): Promise<void>;
}
