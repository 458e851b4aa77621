import { SandboxError } from '../../errors';
import { appserverConfig } from '../../provisioning/create-appserver';
import { runnerName } from '../../provisioning/work-files';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** How long a task may run when the command names no limit (creating OAuth clients and sites takes minutes). */
export const defaultTaskTimeoutMs = 30 * 60_000;

/**
 * Runs one of the recipe's named tasks (`tasks/<name>.sh`, frozen into the
 * appserver when it was created) on the active appserver's host, through the
 * runner's `task <name>` phase, and waits for it. Audited with its exit status.
 */
export const task: Runner<'task'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const { command } = request;
  if (!deps.hosts)
    throw new SandboxError('usage', 'recipe tasks run from the sbx command line, where the bot reaches the hosts');
  const appserver =
    instance.activeAppserverId === null ? null : await deps.store.getAppserver(instance.activeAppserverId);
  if (!appserver || appserver.hostId === null || !appserver.workDir) {
    throw new SandboxError(
      'conflict',
      `${instance.slug} has no active appserver to run the task "${command.task}" on; deploy it first (sbx deploy ${instance.slug})`,
    );
  }
  const tasks = Object.keys(appserverConfig(appserver).tasks ?? {}).sort();
  if (!tasks.includes(command.task)) {
    const known = tasks.length
      ? `its tasks: ${tasks.join(', ')}`
      : 'its recipe declares no tasks (repositories[].tasks in sandbox.yml)';
    throw new SandboxError(
      'not_found',
      `${instance.slug} (appserver ${appserver.number}) has no task "${command.task}"; ${known}`,
    );
  }
  const host = await deps.store.getHost(appserver.hostId);
  if (!host)
    throw new SandboxError('not_found', `the host of ${instance.slug}'s appserver ${appserver.number} is gone`);
  const result = await deps.hosts
    .transportFor(host)
    .exec(['bash', `${appserver.workDir}/${runnerName}`, 'task', command.task], {
      cwd: appserver.workDir,
      timeoutMs: command.timeoutMs ?? defaultTaskTimeoutMs,
    });
  const exitCode = result.code ?? 128;
  await deps.store.recordAudit({
    actor: request.actor.id,
    surface: request.actor.surface,
    action: 'task',
    instanceId: instance.id,
    instanceSlug: instance.slug,
    result: exitCode === 0 ? 'ok' : 'error',
    detail: {
      task: command.task,
      appserver: appserver.number,
      exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      ...request.auditDetail,
    },
  });
  return {
    name: 'task',
    sandbox: sandboxFacts(instance, deps.links),
    appserver: appserver.number,
    task: command.task,
    exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  };
};
