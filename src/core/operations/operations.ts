import { unfinishedStates } from '../appserver-state';
import { SandboxError } from '../errors';
import type { Actor, Appserver, Deployment, Instance } from '../model';
import type { Store } from '../ports/store';

/**
 * The operations every surface calls (GitHub, Slack, web, CLI). Each checks
 * what can be checked at once, records an audit event and enqueues a job on
 * the instance's queue, in one transaction; the work itself runs in the job,
 * serialized per instance. Each is safe to run twice.
 */
export interface OperationDeps {
  store: Store;
  /** The clock that stamps last activity and archiving (every surface hands in the one its jobs use); default: the wall clock. */
  now?: () => Date;
}

const clockOf = (deps: OperationDeps): Date => deps.now?.() ?? new Date();

export interface DeploymentRequest {
  actor: Actor;
  activateOnSuccess?: boolean;
  attempts?: number;
  /** Commit to deploy (PRs); default: the instance's head SHA, else its ref. */
  commitSha?: string | null;
  /** Graphile priority of the deploy job (campaigns: `campaignPriority`, behind interactive work). */
  priority?: number;
}

/** Requests a new appserver for the instance; a newer request supersedes an unfinished older one. */
export async function requestDeployment(
  deps: OperationDeps,
  instance: Instance,
  request: DeploymentRequest,
): Promise<Deployment> {
  if (instance.deletedAt) throw new SandboxError('conflict', `${instance.slug} is deleted`);
  if (instance.archivedAt) throw new SandboxError('conflict', `${instance.slug} is archived; restore it first`);
  const attempts = request.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)
    throw new SandboxError('usage', `attempts must be a whole number from 1 to 10, not ${request.attempts}`);
  const activateOnSuccess = request.activateOnSuccess ?? true;
  const commitSha = request.commitSha ?? instance.prHeadSha ?? null;
  // One statement, atomic by itself: the activity update takes the instance's row lock (what lockInstance
  // takes), then the deployment, its job and the audit event (which gets the job's and deployment's ids).
  const { deployment } = await deps.store.recordDeploymentRequest({
    lastActivityAt: clockOf(deps),
    deployment: {
      instanceId: instance.id,
      requestedBy: request.actor.id,
      surface: request.actor.surface,
      commitSha,
      ref: instance.ref,
      attempts,
      activateOnSuccess,
    },
    job: {
      instanceId: instance.id,
      jobKey: `deploy:${instance.id}`,
      ...(request.priority === undefined ? {} : { priority: request.priority }),
    },
    audit: {
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'deploy',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { attempts, activateOnSuccess, commitSha },
    },
  });
  return deployment;
}

/** Picks the appserver to activate: the given number, else the newest running one. */
export async function chooseAppserverToActivate(store: Store, instance: Instance, number?: number): Promise<Appserver> {
  const appservers = await store.listAppservers(instance.id);
  const chosen =
    number === undefined
      ? appservers.filter((a) => a.state === 'running').sort((a, b) => b.number - a.number)[0]
      : appservers.find((a) => a.number === number);
  if (!chosen) {
    throw new SandboxError(
      'not_found',
      number === undefined
        ? `${instance.slug} has no running appserver to activate`
        : `${instance.slug} has no appserver ${number} (it has ${appservers.map((a) => a.number).join(', ') || 'none'})`,
    );
  }
  if (chosen.state !== 'running')
    throw new SandboxError(
      'conflict',
      `appserver ${chosen.number} of ${instance.slug} is ${chosen.state}; only a running appserver can be activated`,
    );
  return chosen;
}

/** Routes the instance's domains to a running appserver (default: the newest running one). */
export async function activate(
  deps: OperationDeps,
  instance: Instance,
  options: { actor: Actor; number?: number },
): Promise<Appserver> {
  if (instance.archivedAt) throw new SandboxError('conflict', `${instance.slug} is archived; restore it first`);
  const appserver = await chooseAppserverToActivate(deps.store, instance, options.number);
  await deps.store.transaction(async (store) => {
    const { jobId } = await store.enqueue(
      'activate_appserver',
      { appserverId: appserver.id },
      { instanceId: instance.id, audited: true },
    );
    await audit(store, options.actor, 'activate', instance, { jobId, appserver: appserver.number });
  });
  return appserver;
}

/** Cancels the instance's unfinished deployments (kills the remote deploy). */
export async function cancel(deps: OperationDeps, instance: Instance, options: { actor: Actor }): Promise<number> {
  const unfinished = (await deps.store.listAppservers(instance.id)).filter((a) => unfinishedStates.includes(a.state));
  await deps.store.transaction(async (store) => {
    const { jobId } = await store.enqueue(
      'cancel_instance',
      { instanceId: instance.id },
      { instanceId: instance.id, audited: true },
    );
    await audit(store, options.actor, 'cancel', instance, { jobId, appservers: unfinished.map((a) => a.number) });
  });
  return unfinished.length;
}

/** Terminates one appserver (refused for the active one: activate another or archive). */
export async function terminate(
  deps: OperationDeps,
  instance: Instance,
  appserver: Appserver,
  options: { actor: Actor },
): Promise<void> {
  if (instance.activeAppserverId === appserver.id)
    throw new SandboxError(
      'conflict',
      `appserver ${appserver.number} is active for ${instance.slug}; activate another one or archive the sandbox`,
    );
  await deps.store.transaction(async (store) => {
    const { jobId } = await store.enqueue(
      'terminate_appserver',
      { appserverId: appserver.id },
      { instanceId: instance.id, audited: true },
    );
    await audit(store, options.actor, 'terminate', instance, { jobId, appserver: appserver.number });
  });
}

/** Terminates every appserver and removes routes and DNS; keeps data. */
export async function archive(deps: OperationDeps, instance: Instance, options: { actor: Actor }): Promise<void> {
  if (instance.deletedAt) throw new SandboxError('conflict', `${instance.slug} is deleted`);
  await deps.store.transaction(async (store) => {
    await store.lockInstance(instance.id);
    await store.updateInstance(instance.id, { archivedAt: instance.archivedAt ?? clockOf(deps) });
    const { jobId } = await store.enqueue(
      'archive_instance',
      { instanceId: instance.id },
      { instanceId: instance.id, audited: true },
    );
    await audit(store, options.actor, 'archive', instance, { jobId });
  });
}

/** Brings an archived instance back: a new deployment that activates on success. */
export async function restore(deps: OperationDeps, instance: Instance, options: { actor: Actor }): Promise<Deployment> {
  if (instance.deletedAt) throw new SandboxError('conflict', `${instance.slug} is deleted and cannot be restored`);
  const restored = await deps.store.transaction(async (store) => {
    await store.lockInstance(instance.id);
    const updated = await store.updateInstance(instance.id, {
      archivedAt: null,
      expiredAt: null,
      lastActivityAt: clockOf(deps),
    });
    await audit(store, options.actor, 'restore', instance, {});
    return updated;
  });
  return requestDeployment(deps, restored, { actor: options.actor, activateOnSuccess: true });
}

/** Archives, then destroys the instance's data; refused for production instances unless forced. */
export async function deleteInstance(
  deps: OperationDeps,
  instance: Instance,
  options: { actor: Actor; force?: boolean },
): Promise<void> {
  // The refusal is audited by whoever ran the command (core/commands/runners/run-command.ts).
  if (instance.production && !options.force) {
    throw new SandboxError(
      'force_required',
      `${instance.slug} is a production instance; deleting it destroys its data`,
    );
  }
  await deps.store.transaction(async (store) => {
    await store.lockInstance(instance.id);
    await store.updateInstance(instance.id, { archivedAt: instance.archivedAt ?? clockOf(deps) });
    const { jobId } = await store.enqueue(
      'archive_instance',
      { instanceId: instance.id, destroy: true },
      { instanceId: instance.id, audited: true },
    );
    await audit(store, options.actor, 'delete', instance, { jobId, force: Boolean(options.force) });
  });
}

async function audit(
  store: Store,
  actor: Actor,
  action: string,
  instance: Instance,
  detail: Record<string, unknown>,
): Promise<void> {
  await store.recordAudit({
    actor: actor.id,
    surface: actor.surface,
    action,
    instanceId: instance.id,
    instanceSlug: instance.slug,
    result: 'ok',
    detail,
  });
}
