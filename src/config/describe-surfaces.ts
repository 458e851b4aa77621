import type { Config } from './schema';

/** What is configured and what is not, for the dashboard and `sbx doctor`. */
export function describeSurfaces(config: Config): { name: string; on: boolean; detail: string }[] {
  const github = config.github;
  const slack = config.slack;
  const githubOn = Boolean(github.app_id && github.private_key && github.webhook_secret);
  const slackOn = Boolean(slack.bot_token && (slack.signing_secret || slack.app_token));
  const signInOn = Boolean(
    github.client_id && github.client_secret && (config.web.auth.orgs.length || config.web.auth.teams.length),
  );
  return [
    {
      name: 'GitHub App',
      on: githubOn,
      detail: githubOn
        ? `app ${github.app_id}`
        : 'off: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET (or register the app)',
    },
    {
      name: 'Slack app',
      on: slackOn,
      detail: slackOn
        ? slack.app_token
          ? 'Socket Mode'
          : 'HTTP at /slack/events'
        : 'off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN',
    },
    {
      name: 'Sign-in',
      on: signInOn,
      detail: signInOn
        ? `GitHub members of ${[...config.web.auth.orgs, ...config.web.auth.teams].join(', ')}`
        : 'off: set GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and web.auth.orgs or web.auth.teams',
    },
    { name: 'Compute', on: true, detail: `${config.compute.provider} provider` },
    { name: 'Load balancer', on: true, detail: `${config.load_balancer.provider}, *.${config.base_domain}` },
    {
      name: 'Repositories',
      on: config.repositories.length > 0,
      detail: config.repositories.map((r) => r.name).join(', ') || 'none configured in sandbox.yml',
    },
  ];
}
