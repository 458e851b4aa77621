/**
 * The bot's own security group (create-or-reuse by name, its ingress rules
 * made equal to the configured ones) and the lookup of extra groups by name.
 * Servers boot with group IDs: names are not unique in Neutron.
 */
import type { OpenStackClient } from './client';
import { OpenStackError, isOpenStackError } from './errors';

export interface IngressRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  /** null with icmp (every type). */
  portMin: number | null;
  portMax: number | null;
  /** CIDR, e.g. 0.0.0.0/0. */
  remoteIpPrefix: string;
}

interface GroupRow {
  id: string;
  name: string;
}
interface RuleRow {
  id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface RuleChanges {
  groupId: string;
  created: boolean;
  added: IngressRule[];
  removed: string[];
}

async function groupsNamed(client: OpenStackClient, name: string): Promise<GroupRow[]> {
  const projectId = await client.projectId();
  const { security_groups: groups } = await client.request<{ security_groups: GroupRow[] }>(
    'network',
    'GET',
    `/v2.0/security-groups?name=${encodeURIComponent(name)}&project_id=${encodeURIComponent(projectId)}`,
  );
  return groups.filter((group) => group.name === name);
}

/** The ID of the one group named `name`; none or several is a clear error naming the repository setting. */
export async function findSecurityGroup(client: OpenStackClient, name: string, where: string): Promise<string> {
  const groups = await groupsNamed(client, name);
  if (groups.length === 1) return groups[0]!.id;
  if (groups.length === 0)
    throw new OpenStackError('not_found', 404, `no security group named ${name}; check ${where}`);
  throw new OpenStackError(
    'conflict',
    409,
    `${groups.length} security groups are named ${name} (${groups.map((g) => g.id).join(', ')}); delete the extra ones or check ${where}`,
  );
}

const describeRule = (rule: IngressRule): string =>
  `${rule.protocol}${rule.portMin === null ? '' : rule.portMin === rule.portMax ? ` ${rule.portMin}` : ` ${rule.portMin}-${rule.portMax}`} from ${rule.remoteIpPrefix}`;

const sameRule = (row: RuleRow, rule: IngressRule): boolean =>
  row.direction === 'ingress' &&
  row.ethertype === (rule.remoteIpPrefix.includes(':') ? 'IPv6' : 'IPv4') &&
  row.protocol === rule.protocol &&
  row.port_range_min === rule.portMin &&
  row.port_range_max === rule.portMax &&
  row.remote_ip_prefix === rule.remoteIpPrefix &&
  row.remote_group_id === null;

/**
 * Makes the group `name` exist exactly once with exactly `rules` as its
 * ingress rules: missing ones are added, others (added by hand) removed;
 * egress rules are left alone. Safe to run twice and from two workers (a
 * duplicate rule answers 409 and counts as present). Two groups of that name
 * found before creating are refused rather than guessed between; two made
 * at once by two callers are settled at once (the smallest ID stays). With `apply: false` nothing is
 * changed: the answer says what would be.
 */
export async function ensureSecurityGroup(
  client: OpenStackClient,
  name: string,
  rules: readonly IngressRule[],
  { apply = true }: { apply?: boolean } = {},
): Promise<RuleChanges> {
  let created = false;
  const groups = await groupsNamed(client, name);
  if (groups.length > 1)
    throw new OpenStackError(
      'conflict',
      409,
      `${groups.length} security groups are named ${name} (${groups.map((g) => g.id).join(', ')}), the bot’s own group; delete all but one`,
    );
  let groupId = groups[0]?.id;
  if (!groupId && !apply) return { groupId: '', created: true, added: [...rules], removed: [] };
  if (!groupId) {
    const { security_group: group } = await client.request<{ security_group: GroupRow }>(
      'network',
      'POST',
      '/v2.0/security-groups',
      {
        body: {
          security_group: { name, description: 'Sandbox appservers (managed by sandbox-bot; edits are undone)' },
        },
      },
    );
    groupId = group.id;
    created = true;
    // Two callers (a boot and reconcile, or two workers) may both have found none and both created
    // one: every creator looks again, the group with the smallest ID wins, and a losing creator
    // deletes its own and uses the winner. Each creator deletes only what it made.
    const winner = (await groupsNamed(client, name)).map((g) => g.id).sort()[0] ?? groupId;
    if (winner !== groupId) {
      try {
        await client.request('network', 'DELETE', `/v2.0/security-groups/${encodeURIComponent(groupId)}`);
      } catch (error) {
        if (!isOpenStackError(error, 'not_found')) throw error;
      }
      groupId = winner;
      created = false;
    }
  }
  const { security_group_rules: rows } = await client.request<{ security_group_rules: RuleRow[] }>(
    'network',
    'GET',
    `/v2.0/security-group-rules?security_group_id=${encodeURIComponent(groupId)}`,
  );
  const ingress = rows.filter((row) => row.direction === 'ingress');
  const removed: string[] = [];
  for (const row of ingress) {
    if (rules.some((rule) => sameRule(row, rule))) continue;
    removed.push(row.id);
    if (!apply) continue;
    try {
      await client.request('network', 'DELETE', `/v2.0/security-group-rules/${encodeURIComponent(row.id)}`);
    } catch (error) {
      if (!isOpenStackError(error, 'not_found')) throw error;
    }
  }
  const added: IngressRule[] = [];
  for (const rule of rules) {
    if (ingress.some((row) => sameRule(row, rule))) continue;
    if (!apply) {
      added.push(rule);
      continue;
    }
    try {
      await client.request('network', 'POST', '/v2.0/security-group-rules', {
        body: {
          security_group_rule: {
            security_group_id: groupId,
            direction: 'ingress',
            ethertype: rule.remoteIpPrefix.includes(':') ? 'IPv6' : 'IPv4',
            protocol: rule.protocol,
            port_range_min: rule.portMin,
            port_range_max: rule.portMax,
            remote_ip_prefix: rule.remoteIpPrefix,
          },
        },
      });
      added.push(rule);
    } catch (error) {
      // SecurityGroupRuleExists: another worker added it meanwhile.
      if (!isOpenStackError(error, 'conflict')) throw error;
    }
  }
  return { groupId, created, added, removed };
}

export const describeRuleChanges = (name: string, changes: RuleChanges): string[] => [
  ...(changes.created ? [`created security group ${name}`] : []),
  ...changes.added.map((rule) => `security group ${name}: added ingress ${describeRule(rule)}`),
  ...changes.removed.map((id) => `security group ${name}: removed ingress rule ${id} (not in sandbox.yml)`),
];
