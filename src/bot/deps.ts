import type { Config } from '../config/schema';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import type { LinkSettings } from '../infra/slack/load-instance-view';
import type { SlackMessageRepo } from '../infra/slack/slack-message-repo';
import type { Logger } from '../infra/logger';
import type { Permissions } from './permissions';

/** What the Slack listeners get, handed in by the surface factory. */
export interface SlackDeps {
  config: Config;
  /** For transactions that start an operation and record its progress message together. */
  db: Db;
  store: Store;
  messages: SlackMessageRepo;
  permissions: Permissions;
  links: LinkSettings;
  logger: Logger;
  /** How long a handler may work before it must acknowledge (Slack allows 3 s). */
  ackDeadlineMs: number;
}

/** Who asked, and where: the user and the channel of the command or button. */
export interface SlackRequest {
  userId: string;
  channelId: string;
}
