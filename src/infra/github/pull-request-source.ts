import { z } from 'zod';
import { SandboxError } from '../../core/errors';
import type {
  PermissionLevel,
  PullRequestSnapshot,
  PullRequestSource,
  TriggerPolicy,
} from '../../core/ports/pull-requests';
import { permissionAtLeast } from '../../core/pull-requests/policy';
import type { InstallationAccess, Octokit } from './octokit';

const repo = z.object({ full_name: z.string(), clone_url: z.string() });

/** The parts of GitHub's pull request object the bot reads; parsed once, here. */
const pullRequestSchema = z.object({
  number: z.number().int(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().nullish(),
  merged_at: z.string().nullish(),
  draft: z.boolean().nullish(),
  body: z.string().nullish(),
  html_url: z.string(),
  closed_at: z.string().nullish(),
  user: z.object({ login: z.string() }),
  head: z.object({ sha: z.string(), ref: z.string(), repo: repo.nullish() }),
  base: z.object({ repo }),
});

const permissionSchema = z.object({ permission: z.string(), role_name: z.string().nullish() });

const levels: readonly PermissionLevel[] = ['read', 'triage', 'write', 'maintain', 'admin'];

/** Reads pull requests and permissions through the App's installation tokens. */
export function createPullRequestSource(access: InstallationAccess): PullRequestSource {
  async function client(repository: string, installationId: number | null): Promise<Octokit | null> {
    const id = installationId ?? (await access.installationOf(repository));
    return id === null ? null : access.installation(id);
  }

  return {
    async getPullRequest(repository, number, installationId) {
      const id = installationId ?? (await access.installationOf(repository));
      if (id === null) return null;
      const octokit = await access.installation(id);
      const { owner, name } = split(repository);
      try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner,
          repo: name,
          pull_number: number,
        });
        return toSnapshot(data, id);
      } catch (error) {
        if (status(error) === 404) return null;
        throw error;
      }
    },

    async listOpenPullRequests(repository) {
      const id = await access.installationOf(repository);
      if (id === null) return null;
      const octokit = await access.installation(id);
      const { owner, name } = split(repository);
      const pulls = await octokit.paginate('GET /repos/{owner}/{repo}/pulls', {
        owner,
        repo: name,
        state: 'open',
        per_page: 100,
      });
      return pulls.map((data) => toSnapshot(data, id));
    },

    async mayTrigger(repository, login, policy: TriggerPolicy, installationId) {
      if (login.endsWith('[bot]')) return false;
      const octokit = await client(repository, installationId);
      if (!octokit) return false;
      for (const team of policy.teams) {
        const [org, slug] = team.split('/') as [string, string];
        try {
          const { data } = await octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
            org,
            team_slug: slug,
            username: login,
          });
          if (data.state === 'active') return true;
        } catch (error) {
          if (status(error) !== 404) throw error;
        }
      }
      const { owner, name } = split(repository);
      try {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
          owner,
          repo: name,
          username: login,
        });
        return permissionAtLeast(toLevel(permissionSchema.parse(data)), policy.minPermission);
      } catch (error) {
        if (status(error) === 404) return false;
        throw error;
      }
    },
  };
}

function toSnapshot(raw: unknown, installationId: number): PullRequestSnapshot {
  const parsed = pullRequestSchema.safeParse(raw);
  if (!parsed.success)
    throw new SandboxError('usage', `GitHub answered with a pull request the bot cannot read: ${parsed.error.message}`);
  const pr = parsed.data;
  const base = pr.base.repo;
  return {
    repository: base.full_name,
    number: pr.number,
    state: pr.state,
    merged: Boolean(pr.merged ?? pr.merged_at),
    draft: Boolean(pr.draft),
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    headCloneUrl: pr.head.repo?.clone_url ?? null,
    baseCloneUrl: base.clone_url,
    // A deleted fork leaves `head.repo` null: it still came from outside.
    fromFork: !pr.head.repo || pr.head.repo.full_name.toLowerCase() !== base.full_name.toLowerCase(),
    author: pr.user.login,
    body: pr.body ?? null,
    htmlUrl: pr.html_url,
    closedAt: pr.closed_at ? new Date(pr.closed_at) : null,
    installationId,
  };
}

/** The finest level GitHub gives: `role_name` (maintain, triage, custom roles) when known, else `permission`. */
function toLevel({ permission, role_name: role }: z.infer<typeof permissionSchema>): PermissionLevel | null {
  if (role && (levels as readonly string[]).includes(role)) return role as PermissionLevel;
  return (levels as readonly string[]).includes(permission) ? (permission as PermissionLevel) : null;
}

function split(repository: string): { owner: string; name: string } {
  const [owner = '', name = ''] = repository.split('/');
  return { owner, name };
}

export function status(error: unknown): number | undefined {
  return (error as { status?: number } | null)?.status;
}
