import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/schema';

export const sessionSecretFile = 'session-secret';

/**
 * The secret that signs session cookies: `web.auth.session_secret`
 * (SESSION_SECRET), else the one stored in the data directory, generated on
 * first use. Web processes on several machines need the same SESSION_SECRET.
 */
export function loadSessionSecret(config: Config): string {
  if (config.web.auth.session_secret) return config.web.auth.session_secret;
  const path = join(config.data_dir, sessionSecretFile);
  mkdirSync(config.data_dir, { recursive: true });
  // Written aside and linked into place, so a process starting at the same time never reads a half-written file.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32)
    throw new Error(
      `${path} holds a session secret shorter than 32 characters; delete the file to generate a new one, or set SESSION_SECRET`,
    );
  return secret;
}
