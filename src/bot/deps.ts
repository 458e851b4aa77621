import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import type { SlackMessageRepo } from '../infra/db/slack-message-repo';
import type { Logger } from '../infra/logger';
import type { Permissions } from './permissions';

/** What the Slack listeners get, handed in by the surface factory. */
export interface SlackDeps {
  config: Config;
  /** Where a command and the record of its progress message are written together (one statement or one transaction). */
  db: Db;
  store: Store;
  /** What the command runners work with (the same for every surface). */
  commands: CommandDeps;
  messages: SlackMessageRepo;
  permissions: Permissions;
  logger: Logger;
  /** How long a handler may work before it must acknowledge (Slack allows 3 s). */
  ackDeadlineMs: number;
}

/** Who asked, and where: the user and the channel of the command or button. */
export interface SlackRequest {
  userId: string;
  channelId: string;
}
