import { sandboxLinks } from '../config/sandbox-links';
import type { Config } from '../config/schema';
import type { Reporter } from '../core/ports/reporter';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import { createSlackMessageRepo } from '../infra/db/slack-message-repo';
import type { GitHubApp } from '../infra/github/github-app';
import { createGitHubReporter } from '../infra/github/github-reporter';
import type { Logger } from '../infra/logger';
import { createSlackPoster, createWebClient } from '../infra/slack/slack-client';
import { selectSlackMode } from '../infra/slack/slack-mode';
import { createSlackReporter } from '../infra/slack/slack-reporter';

/**
 * The outbound adapters told about instance changes by the report_instance
 * job: Slack (progress and notification messages) and GitHub (check run,
 * deployment, sticky comment), each when it is configured. Worker processes
 * build them without building the inbound surfaces.
 */
export function createReporters({
  config,
  logger,
  db,
  store,
  github,
}: {
  config: Config;
  logger: Logger;
  db: Db;
  store: Store;
  github: GitHubApp | null;
}): Reporter[] {
  const reporters: Reporter[] = [];
  const mode = selectSlackMode(config.slack);
  if (mode.kind !== 'off') {
    const log = logger.child({ surface: 'slack' });
    const client = createWebClient({ token: mode.botToken, apiUrl: config.slack.api_url, logger: log });
    reporters.push(
      createSlackReporter({
        store,
        messages: createSlackMessageRepo(db),
        poster: createSlackPoster(client),
        links: sandboxLinks(config),
        notificationChannel: config.slack.channels.failures,
        logger: log,
      }),
    );
  }
  if (github) reporters.push(createGitHubReporter({ records: createPullRequestRecords(db), queue: store }));
  return reporters;
}
