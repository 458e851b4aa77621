import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../../../drizzle/schema';
import type { DeploymentRecords } from '../../core/ports/store';
import { addJobArguments, auditedFlag } from './enqueue';

type Executor = NodePgDatabase<typeof schema>;

/** Who follows the deployment's progress: the channel and person of a Slack message recorded with it. */
export interface FollowerRow {
  channel: string;
  requestedBy: string;
}

export interface DeploymentRequestRow {
  request: DeploymentRecords;
  follower: FollowerRow | null;
  /** The instance row's `updated_at`. */
  at: Date;
}

/**
 * Records deployment requests for distinct instances (and one job key mode) in one statement
 * (each one as `Store.recordDeploymentRequest` describes, plus its follower's
 * message): per request, the activity update takes the instance's row lock
 * before anything is inserted, then the deployment, its `deploy_instance`
 * job (payload: the deployment's id), the audit event (with the job's and
 * deployment's ids) and the follower's message. A request whose instance row
 * is gone writes nothing and gets null; the others are unaffected. The
 * statement is atomic: an error writes nothing for any of them.
 */
export async function recordDeploymentRequests(
  db: Executor,
  rows: readonly DeploymentRequestRow[],
): Promise<(Record<string, unknown> | null)[]> {
  const input = rows.map(({ request: { lastActivityAt, deployment: d, job, audit }, follower, at }) => {
    const [identifier, , queueName, runAt, maxAttempts, jobKey, jobKeyMode, priority] = addJobArguments(
      'deploy_instance',
      { deploymentId: 0 },
      job,
    );
    return {
      instance_id: d.instanceId,
      last_activity_at: lastActivityAt.toISOString(),
      updated_at: at.toISOString(),
      requested_by: d.requestedBy,
      surface: d.surface,
      commit_sha: d.commitSha,
      ref: d.ref,
      attempts: d.attempts,
      activate_on_success: d.activateOnSuccess,
      identifier,
      queue_name: queueName,
      run_at: runAt,
      max_attempts: maxAttempts,
      job_key: jobKey,
      job_key_mode: jobKeyMode,
      priority,
      actor: audit.actor,
      audit_surface: audit.surface,
      action: audit.action,
      audit_instance_id: audit.instanceId ?? null,
      audit_instance_slug: audit.instanceSlug ?? null,
      result: audit.result,
      detail: audit.detail ?? {},
      follow_channel: follower?.channel ?? null,
      follow_requested_by: follower?.requestedBy ?? null,
    };
  });
  if (new Set(input.map((row) => row.instance_id)).size !== input.length)
    throw new Error('recordDeploymentRequests: one request per instance in a statement');
  const modes = new Set(input.map((row) => row.job_key_mode ?? 'replace'));
  if (modes.size > 1) throw new Error('recordDeploymentRequests: one job key mode per statement');
  // add_job is add_jobs of one spec (graphile-worker 0.17): one call for all of them writes the same jobs.
  const preserveRunAt = modes.has('preserve_run_at');
  // One round trip for all of them; each step reads the one before, so a missing instance writes nothing.
  const result = await db.execute<Record<string, unknown>>(sql`with input as (
      select * from json_to_recordset(${JSON.stringify(input)}::json) as r(
        instance_id int, last_activity_at timestamptz, updated_at timestamptz,
        requested_by text, surface text, commit_sha text, ref text, attempts int, activate_on_success boolean,
        identifier text, queue_name text, run_at timestamptz, max_attempts int, job_key text, job_key_mode text,
        priority int, actor text, audit_surface text, action text, audit_instance_id int, audit_instance_slug text,
        result text, detail jsonb, follow_channel text, follow_requested_by text)
    ), locked as (
      update instances set last_activity_at = input.last_activity_at, updated_at = input.updated_at
      from input where instances.id = input.instance_id returning instances.id
    ), deployment as (
      insert into deployments (instance_id, requested_by, surface, commit_sha, ref, attempts, activate_on_success)
      select input.instance_id, input.requested_by, input.surface, input.commit_sha, input.ref, input.attempts,
        input.activate_on_success
      from locked join input on input.instance_id = locked.id returning *
    ), specs as (
      select array_agg((input.identifier, json_build_object('deploymentId', deployment.id), input.queue_name,
        input.run_at, input.max_attempts::smallint, input.job_key, input.priority::smallint,
        array[${auditedFlag}]::text[])::graphile_worker.job_spec) as specs
      from deployment join input on input.instance_id = deployment.instance_id
      having count(*) > 0
    ), job as (
      select added.id::text as job_id, (added.payload->>'deploymentId')::int as deployment_id
      from specs, graphile_worker.add_jobs(specs.specs, ${preserveRunAt}) as added
    ), audited as (
      insert into audit_events (actor, surface, action, instance_id, instance_slug, result, detail)
      select input.actor, input.audit_surface, input.action, input.audit_instance_id, input.audit_instance_slug,
        input.result, input.detail || jsonb_build_object('jobId', job.job_id, 'deploymentId', job.deployment_id)
      from job join deployment on deployment.id = job.deployment_id
        join input on input.instance_id = deployment.instance_id
    ), followed as (
      insert into slack_messages (instance_id, purpose, subject_id, channel, requested_by)
      select deployment.instance_id, 'deploy', deployment.id, input.follow_channel, input.follow_requested_by
      from deployment join input on input.instance_id = deployment.instance_id
      where input.follow_channel is not null
    )
    select deployment.*, job.job_id from deployment join job on job.deployment_id = deployment.id`);
  const byInstance = new Map(result.rows.map((row) => [Number(row.instance_id), row]));
  return input.map((row) => byInstance.get(row.instance_id) ?? null);
}

/** What one request of a group got: its row (null: the instance is gone), or the error that stopped it. */
export type RequestOutcome = { row: Record<string, unknown> | null } | { error: unknown };

/**
 * `recordDeploymentRequests` for requests that arrived together: requests
 * for distinct instances share a statement; a second request for the same
 * instance goes in the next one (a statement locks and updates a row once).
 * When a shared statement fails (nothing was written), its requests are
 * tried one by one, so a request that cannot be written never fails its
 * neighbours.
 */
export async function recordDeploymentRequestGroup(
  db: Executor,
  rows: readonly DeploymentRequestRow[],
): Promise<RequestOutcome[]> {
  const outcomes: RequestOutcome[] = new Array<RequestOutcome>(rows.length);
  let rest = rows.map((row, index) => ({ row, index }));
  while (rest.length) {
    const seen = new Set<number>();
    const now: typeof rest = [];
    const later: typeof rest = [];
    const mode = (row: DeploymentRequestRow) => row.request.job.jobKeyMode ?? 'replace';
    for (const item of rest) {
      const id = item.row.request.deployment.instanceId;
      (seen.has(id) || mode(item.row) !== mode(rest[0]!.row) ? later : now).push(item);
      seen.add(id);
    }
    try {
      const results = await recordDeploymentRequests(
        db,
        now.map((item) => item.row),
      );
      now.forEach((item, i) => (outcomes[item.index] = { row: results[i] ?? null }));
    } catch (error) {
      if (now.length === 1) outcomes[now[0]!.index] = { error };
      else
        for (const item of now) {
          outcomes[item.index] = await recordDeploymentRequests(db, [item.row]).then(
            ([row]) => ({ row: row ?? null }),
            (alone: unknown) => ({ error: alone }),
          );
        }
    }
    rest = later;
  }
  return outcomes;
}
