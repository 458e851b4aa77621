import { z } from 'zod';
import { findCommentCommand } from '../core/commands';
import { pullRequestKey } from '../core/pull-requests/policy';
import { checkRunActions, type CheckRunAction } from '../core/pull-requests/run-pr-command';
import { checkRunName } from '../infra/github/report/render-check-run';
import type { QueuedJob, TaskName } from '../infra/db/enqueue';
import type { DeliveryFacts } from '../infra/db/webhook-deliveries';

/** What is recorded about every delivery (webhook_deliveries). */
export type { DeliveryFacts };

export type DeliveryJob<T extends TaskName = TaskName> = QueuedJob<T>;

/**
 * What a delivery turns into: the facts to record, and the job to enqueue in
 * the same transaction — or no job, with the reason (a documented no-op).
 * A check run button on a fork PR carries no PR number: `checkRunId` lets
 * the intake look it up in the bot's own records.
 */
export type DeliveryRoute =
  | { facts: DeliveryFacts; job: DeliveryJob }
  | { facts: DeliveryFacts; job: null; noop: string }
  | {
      facts: DeliveryFacts;
      job: null;
      checkRun: {
        id: number;
        action: CheckRunAction;
        login: string;
        installationId: number | null;
        repository: string;
      };
    };

export interface RouteOptions {
  /** The App's slug for `@slug` mentions; null: only `/sandbox` commands. */
  appSlug: string | null;
  /** Pushes and description edits wait this long for more of the same (jobKey replaces the pending sync). */
  syncDebounceMs: number;
  now: Date;
  /** Whether the repository is in `repositories[]`; others get nothing (and a log line). */
  watched: (repository: string) => boolean;
}

/** The no-op reason of deliveries for repositories that are not configured. */
export const unwatchedReason = 'repository not in sandbox.yml (repositories[])';

/** pull_request actions that change what the sandbox should be. */
const syncActions = new Set([
  'opened',
  'reopened',
  'synchronize',
  'edited',
  'closed',
  'ready_for_review',
  'converted_to_draft',
  'labeled',
  'unlabeled',
]);
/** Bursty actions: wait for the burst to end. */
const debouncedActions = new Set(['synchronize', 'edited']);

const base = z.object({
  action: z.string().optional(),
  repository: z.object({ full_name: z.string() }).optional(),
  installation: z.object({ id: z.number() }).optional(),
  sender: z.object({ login: z.string(), type: z.string().optional() }).optional(),
});
const pullRequestEvent = base.extend({
  number: z.number().optional(),
  pull_request: z.object({ number: z.number() }),
  changes: z.record(z.string(), z.unknown()).optional(),
});
const issueCommentEvent = base.extend({
  issue: z.object({ number: z.number(), pull_request: z.unknown().optional() }),
  comment: z.object({
    id: z.number(),
    body: z.string().nullish(),
    created_at: z.string().optional(),
    user: z.object({ login: z.string(), type: z.string().optional() }),
  }),
});
const checkRunEvent = base.extend({
  check_run: z.object({
    id: z.number(),
    name: z.string(),
    pull_requests: z.array(z.object({ number: z.number() })).default([]),
  }),
  requested_action: z.object({ identifier: z.string() }).nullish(),
});

/** Decides what one verified delivery means (pure: no I/O). */
export function routeDelivery(event: string, payload: unknown, options: RouteOptions): DeliveryRoute {
  const common = base.safeParse(payload);
  const facts: DeliveryFacts = {
    event,
    action: common.data?.action ?? null,
    repository: common.data?.repository?.full_name ?? null,
    prNumber: null,
  };
  const noop = (why: string): DeliveryRoute => ({ facts, job: null, noop: why });
  if (!common.success) return noop('payload without the usual fields');
  const installationId = common.data.installation?.id ?? null;
  const prEvent = event === 'pull_request' || event === 'issue_comment' || event === 'check_run';
  if (prEvent && facts.repository && !options.watched(facts.repository)) return noop(unwatchedReason);

  if (event === 'pull_request') {
    const parsed = pullRequestEvent.safeParse(payload);
    if (!parsed.success || !facts.repository) return noop('pull_request payload without a repository or number');
    const number = parsed.data.pull_request.number;
    facts.prNumber = number;
    if (!syncActions.has(facts.action ?? '')) return noop(`pull_request.${facts.action} does not change the sandbox`);
    if (facts.action === 'edited' && !parsed.data.changes?.body && !parsed.data.changes?.base)
      return noop('only the title changed');
    const key = pullRequestKey(facts.repository, number);
    const runAt =
      debouncedActions.has(facts.action ?? '') && options.syncDebounceMs > 0
        ? new Date(options.now.getTime() + options.syncDebounceMs)
        : undefined;
    const actor = parsed.data.sender ? { surface: 'github' as const, id: parsed.data.sender.login } : undefined;
    return {
      facts,
      job: {
        task: 'sync_pull_request',
        payload: { repository: facts.repository, number, installationId, ...(actor ? { actor } : {}) },
        options: { jobKey: key, queueName: key, ...(runAt ? { runAt } : {}) },
      },
    };
  }

  if (event === 'issue_comment') {
    const parsed = issueCommentEvent.safeParse(payload);
    if (!parsed.success || !facts.repository)
      return noop('issue_comment payload without a repository, issue or comment');
    facts.prNumber = parsed.data.issue.number;
    if (facts.action !== 'created') return noop(`issue_comment.${facts.action}: only new comments carry commands`);
    if (!parsed.data.issue.pull_request) return noop('a comment on an issue, not on a pull request');
    if (parsed.data.comment.user.type === 'Bot') return noop('a comment by a bot');
    const text = findCommentCommand(parsed.data.comment.body, { appName: options.appSlug });
    if (text === null) return noop('a comment without a /sandbox command');
    return {
      facts,
      job: {
        task: 'run_pr_command',
        payload: {
          repository: facts.repository,
          number: facts.prNumber,
          installationId,
          login: parsed.data.comment.user.login,
          text: text.slice(0, 2_000),
          action: null,
          commentId: parsed.data.comment.id,
          commentedAt: isoTime(parsed.data.comment.created_at),
        },
        options: { queueName: pullRequestKey(facts.repository, facts.prNumber) },
      },
    };
  }

  if (event === 'check_run') {
    const parsed = checkRunEvent.safeParse(payload);
    if (!parsed.success || !facts.repository || !parsed.data.sender)
      return noop('check_run payload without a repository or sender');
    if (parsed.data.check_run.name !== checkRunName) return noop('another check run');
    const identifier =
      facts.action === 'rerequested'
        ? 'redeploy'
        : facts.action === 'requested_action'
          ? parsed.data.requested_action?.identifier
          : undefined;
    if (!identifier || !(checkRunActions as readonly string[]).includes(identifier))
      return noop(`check_run.${facts.action} needs no action`);
    const action = identifier as CheckRunAction;
    const login = parsed.data.sender.login;
    const number = parsed.data.check_run.pull_requests[0]?.number;
    if (number === undefined)
      return {
        facts,
        job: null,
        checkRun: { id: parsed.data.check_run.id, action, login, installationId, repository: facts.repository },
      };
    facts.prNumber = number;
    return {
      facts,
      job: {
        task: 'run_pr_command',
        payload: { repository: facts.repository, number, installationId, login, text: null, action, commentId: null },
        options: { queueName: pullRequestKey(facts.repository, number) },
      },
    };
  }

  if (event === 'installation' || event === 'installation_repositories') {
    if (facts.action === 'deleted' || facts.action === 'suspend' || facts.action === 'removed')
      return noop(`${event}.${facts.action}: nothing to deploy`);
    return {
      facts,
      job: { task: 'reconcile_pull_requests', payload: {}, options: { jobKey: 'reconcile_pull_requests' } },
    };
  }

  return noop(`${event} events are not used`);
}

/** A timestamp from a payload as ISO 8601, or null when it is missing or not a date. */
function isoTime(value: string | undefined): string | null {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
