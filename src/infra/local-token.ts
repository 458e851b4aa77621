import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const localTokenFile = 'local-token';

/**
 * The local operator's token: the `/auth/local?token=…` link signs in as the
 * local operator, and the same token is the setup code of `/probot` while
 * the GitHub App is not configured. It is `web.auth.local_token`
 * (SBX_LOCAL_TOKEN) when set — web processes on several machines need the
 * same one — else a file in the data directory (mode 0600), shared by every
 * process on the machine and read again whenever it changes, so a rotation
 * in one process holds for all of them at once.
 */
export interface LocalToken {
  /** `file`: rotated by `sbx auth local --rotate`; `config`: change SBX_LOCAL_TOKEN instead. */
  readonly source: 'file' | 'config';
  readonly path: string | null;
  current(): string;
  /** A short digest of the current token: sessions carry it, so a rotation signs every local session out. */
  fingerprint(): string;
  /** True when `given` is the current token (constant time). */
  check(given: string | null | undefined): boolean;
  /** A new token (the old link and every local session stop working). */
  rotate(): string;
}

export function openLocalToken({ dataDir, fixed }: { dataDir: string; fixed?: string | null }): LocalToken {
  const path = fixed ? null : join(dataDir, localTokenFile);
  let cached: { token: string; stamp: string } | null = null;
  const current = (): string => {
    if (fixed) return fixed;
    const stamp = stampOf(path!) ?? (create(dataDir, path!), stampOf(path!)!);
    if (cached?.stamp !== stamp) cached = { token: readFileSync(path!, 'utf8').trim(), stamp };
    return cached.token;
  };
  return {
    source: fixed ? 'config' : 'file',
    path,
    current,
    fingerprint: () => createHash('sha256').update(`sbx-local:${current()}`).digest('base64url').slice(0, 16),
    check(given) {
      if (!given) return false;
      const [a, b] = [Buffer.from(current()), Buffer.from(given.trim())];
      return a.length === b.length && timingSafeEqual(a, b);
    },
    rotate() {
      if (fixed) throw new Error('the local token is set by SBX_LOCAL_TOKEN (web.auth.local_token); change it there');
      mkdirSync(dataDir, { recursive: true });
      const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(draft, `${freshToken()}\n`, { mode: 0o600 });
      renameSync(draft, path!);
      return current();
    },
  };
}

function freshToken(): string {
  return randomBytes(24).toString('base64url');
}

function stampOf(path: string): string | null {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Written aside and linked into place: processes starting together agree on one token. */
function create(dataDir: string, path: string): void {
  mkdirSync(dataDir, { recursive: true });
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${freshToken()}\n`, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The sign-in link for the local operator: on `public_url` when it is set and not a loopback name, else on `http://localhost:<port>`. */
export function localSignInUrl({
  publicUrl,
  port,
  token,
}: {
  publicUrl: string | null;
  port: number;
  token: string;
}): string {
  const base =
    publicUrl && !/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(publicUrl)
      ? publicUrl
      : `http://localhost:${port}`;
  return `${base.replace(/\/$/, '')}/auth/local?token=${encodeURIComponent(token)}`;
}
