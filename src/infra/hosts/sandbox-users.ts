import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * OS users for the sandboxes of one local work root. Every sandbox (one
 * `<root>/<slug>` directory, shared by its appservers) belongs to a user of
 * its own, `<runAs>-<n>`, in the group `<runAs>`; the owner of the directory
 * is the record of which user it has, so a removed directory frees its user
 * for the next sandbox. Users are created when missing (`useradd --system`,
 * like embedded PostgreSQL's `postgres`) and never deleted. The work root is
 * root:<runAs> mode 0710 and every sandbox directory mode 0700: a sandbox
 * reaches its own directory and nothing of the bot or of other sandboxes.
 */
export interface SandboxUsers {
  readonly root: string;
  /** The user of `<root>/<slug>`, creating the directory (mode 0700, with `home/`) and picking a free user when it is new. */
  claim(instanceDir: string): Promise<SandboxUser>;
  /** Who owns an existing directory (null when it does not exist). */
  ownerOf(path: string): Promise<SandboxUser | null>;
}

export function createSandboxUsers({ root, runAs }: { root: string; runAs: string }): SandboxUsers {
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function ensureRoot(): Promise<number> {
    const group = (await lookupUser(runAs)) ?? (await createUser(runAs, ['--user-group']));
    await mkdir(root, { recursive: true, mode: 0o710 });
    await chown(root, 0, group.gid);
    await chmod(root, 0o710);
    return group.gid;
  }

  return {
    root,
    claim(instanceDir) {
      return serialized(async () => {
        const existing = await ownerOf(instanceDir);
        if (existing && existing.uid !== 0) return existing;
        const gid = await ensureRoot();
        const taken = new Set<number>();
        for (const name of await readdir(root)) {
          const owner = await lstat(join(root, name)).catch(() => null);
          if (owner?.isDirectory()) taken.add(owner.uid);
        }
        let user: SandboxUser | null = null;
        for (let n = 1; !user; n += 1) {
          const name = `${runAs}-${n}`;
          const found = await lookupUser(name);
          if (found && (taken.has(found.uid) || found.uid === 0)) continue;
          user = found ?? (await createUser(name, ['--gid', String(gid)]));
        }
        await mkdir(instanceDir, { recursive: true, mode: 0o700 });
        const home = join(instanceDir, 'home');
        await mkdir(home, { recursive: true, mode: 0o700 });
        // Clones of file:// URLs owned by someone else (an operator's checkout) need this; the sandbox runs its own code anyway.
        await writeFile(join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n', { mode: 0o644 });
        for (const path of [instanceDir, home, join(home, '.gitconfig')]) await chown(path, user.uid, user.gid);
        await chmod(instanceDir, 0o700);
        await assertReachable(instanceDir, user);
        return user;
      });
    },
    ownerOf,
  };
}

async function ownerOf(path: string): Promise<SandboxUser | null> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return null;
  const known = await lookupUser(String(stats.uid));
  return { name: known?.name ?? String(stats.uid), uid: stats.uid, gid: known?.gid ?? stats.gid };
}

async function lookupUser(nameOrUid: string): Promise<SandboxUser | null> {
  try {
    const { stdout } = await run('getent', ['passwd', nameOrUid]);
    const [name, , uid, gid] = stdout.trim().split(':');
    return name && uid && gid ? { name, uid: Number(uid), gid: Number(gid) } : null;
  } catch {
    return null;
  }
}

async function createUser(name: string, groupArgs: string[]): Promise<SandboxUser> {
  // Another process may hold the passwd lock for a moment (useradd fails at once then).
  for (let attempt = 0; ; attempt += 1) {
    try {
      await run('useradd', [
        '--system',
        ...groupArgs,
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        name,
      ]);
    } catch (error) {
      const created = await lookupUser(name);
      if (created) return created;
      if (attempt >= 20)
        throw new Error(
          `could not create the sandbox OS user ${name}: ${(error as { stderr?: string }).stderr?.trim() || String(error)}; create it with useradd --system ${name}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      continue;
    }
    const created = await lookupUser(name);
    if (!created) throw new Error(`useradd ${name} succeeded but the user is not found`);
    return created;
  }
}

/** The sandbox user must reach its directory through every parent (o+x or the group's x). */
async function assertReachable(dir: string, user: SandboxUser): Promise<void> {
  try {
    await run('test', ['-w', dir], { uid: user.uid, gid: user.gid });
  } catch {
    throw new Error(
      `the sandbox user ${user.name} cannot reach ${dir}; give every parent directory of compute.local.work_root o+x (e.g. chmod 711), or choose another work_root`,
    );
  }
}
