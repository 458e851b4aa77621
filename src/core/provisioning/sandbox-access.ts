import { randomBytes } from 'node:crypto';
import type { Instance } from '../model';
import type { BasicCredentials } from '../ports/load-balancer';
import type { SandboxAccessRules } from '../ports/sandbox-access';
import type { Store } from '../ports/store';

/**
 * The credentials the instance's sandbox asks for, stored on the instance
 * (`access_user`/`access_password`) so every web replica, the status page and
 * Slack read the same ones: public → none (stored ones are cleared);
 * basic_auth with shared credentials → those; otherwise the stored pair, or a
 * random one generated now and kept for the instance's life. Safe to run twice.
 * Example: a first deploy of a `basic_auth` repository without
 * `access_credentials_env` stores `{ user: 'sbx-3f9a1c', password: <24 random chars> }`.
 */
export async function ensureSandboxAccess(
  deps: { store: Store; access: SandboxAccessRules },
  instance: Instance,
): Promise<BasicCredentials | null> {
  const rule = deps.access.ruleFor(instance);
  const stored =
    instance.accessUser && instance.accessPassword
      ? { user: instance.accessUser, password: instance.accessPassword }
      : null;
  const wanted = rule.kind === 'public' ? null : (rule.shared ?? stored ?? generateCredentials());
  if (wanted?.user !== stored?.user || wanted?.password !== stored?.password) {
    await deps.store.updateInstance(instance.id, {
      accessUser: wanted?.user ?? null,
      accessPassword: wanted?.password ?? null,
    });
  }
  return wanted;
}

/** A random user and password (letters, digits, `-` and `_`: safe in a URL, a header and an htpasswd file). */
export function generateCredentials(): BasicCredentials {
  return { user: `sbx-${randomBytes(3).toString('hex')}`, password: randomBytes(18).toString('base64url') };
}
