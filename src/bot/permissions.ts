import type { SlackAction } from '../config/schema';
import { SandboxError } from '../core/errors';

/** Who may do what from Slack (`slack.permissions` in sandbox.yml). */
export interface Permissions {
  /** Resolves when the user may; throws `not_permitted` saying who may otherwise. */
  require(userId: string, action: SlackAction): Promise<void>;
}

export interface PermissionOptions {
  /** Slack user ids (U…/W…), user-group ids (S…) or `*`, per action. */
  rules: Partial<Record<SlackAction, readonly string[]>>;
  /** Members of a user group (usergroups.users.list). */
  groupMembers(groupId: string): Promise<string[]>;
  /** How long a group's member list is trusted. */
  cacheMs?: number;
  now?: () => number;
}

/** Everyone may read unless told otherwise; nobody may change anything unless listed. */
const defaults: Record<SlackAction, readonly string[]> = {
  read: ['*'],
  deploy: [],
  activate: [],
  archive: [],
  delete: [],
  create: [],
  pin: [],
  campaign: [],
};

const verbs: Record<SlackAction, string> = {
  read: 'look at sandboxes',
  deploy: 'deploy',
  activate: 'activate appservers',
  archive: 'archive sandboxes',
  delete: 'delete sandboxes',
  create: 'create sandboxes',
  pin: 'pin or unpin sandboxes',
  campaign: 'start or stop campaigns (redeploys of many sandboxes)',
};

export function createPermissions(options: PermissionOptions): Permissions {
  const cacheMs = options.cacheMs ?? 60_000;
  const now = options.now ?? Date.now;
  const groups = new Map<string, { members: Set<string>; at: number }>();

  async function members(groupId: string): Promise<Set<string>> {
    const cached = groups.get(groupId);
    if (cached && now() - cached.at < cacheMs) return cached.members;
    const fresh = new Set(await options.groupMembers(groupId));
    groups.set(groupId, { members: fresh, at: now() });
    return fresh;
  }

  return {
    async require(userId, action) {
      const allowed = options.rules[action] ?? defaults[action];
      if (allowed.includes('*') || allowed.includes(userId)) return;
      const problems: string[] = [];
      for (const id of allowed.filter(isGroupId)) {
        try {
          if ((await members(id)).has(userId)) return;
        } catch (error) {
          problems.push(
            `could not read the members of <!subteam^${id}> (${error instanceof Error ? error.message : String(error)})`,
          );
        }
      }
      throw new SandboxError(
        'not_permitted',
        `you may not ${verbs[action]} from Slack; ${whoMay(action, allowed)}${problems.length ? `. Also: ${problems.join('; ')}` : ''}`,
      );
    },
  };
}

function isGroupId(id: string): boolean {
  return /^S[A-Z0-9]+$/.test(id);
}

/** `only <@U1> and members of <!subteam^S1> may`, or how to allow someone. */
export function whoMay(action: SlackAction, allowed: readonly string[]): string {
  if (allowed.length === 0)
    return `nobody may yet: an operator can list Slack user or user-group ids under \`slack.permissions.${action}\` in sandbox.yml`;
  const people = allowed.map((id) => (isGroupId(id) ? `members of <!subteam^${id}>` : `<@${id}>`));
  return `ask ${people.length > 1 ? `${people.slice(0, -1).join(', ')} or ${people.at(-1)}` : people[0]}`;
}
