import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Config } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { CliContext } from './context';

/** The OS user running sbx: the identity admin-only commands check (SBX_ACTOR only names people in the audit log). */
export function osUserOf(ctx: CliContext): { name: string; uid: number } {
  if (ctx.osUser) return ctx.osUser;
  const { username, uid } = userInfo();
  return { name: username, uid };
}

/**
 * Refuses (`not_permitted`) unless the OS user running sbx is an admin:
 * listed in `cli.admins`, or, when that list is empty, root or the owner of
 * the data directory (whoever can read the bot's secrets anyway).
 */
export function requireAdmin(ctx: CliContext, config: Config, what: string): { name: string; uid: number } {
  const user = osUserOf(ctx);
  const admins = config.cli.admins;
  if (admins.length > 0) {
    if (admins.includes(user.name)) return user;
    throw new SandboxError(
      'not_permitted',
      `${what} is for admins; ${user.name} is not in cli.admins (${admins.join(', ')}) in sandbox.yml`,
    );
  }
  if (user.uid === 0 || user.uid === dataDirOwner(config.data_dir)) return user;
  throw new SandboxError(
    'not_permitted',
    `${what} is for admins; ${user.name} is neither root nor the owner of the data directory ${config.data_dir} (list admins in cli.admins in sandbox.yml)`,
  );
}

function dataDirOwner(dataDir: string): number | null {
  try {
    return statSync(dataDir).uid;
  } catch {
    // No data directory yet: nobody owns it, so only root and cli.admins qualify.
    return null;
  }
}
