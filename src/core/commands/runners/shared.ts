import { SandboxError } from '../../errors';
import type { Deployment, Instance } from '../../model';
import { sandboxUrls, statusPageUrl, type SandboxLinks } from '../../naming/sandbox-urls';
import { resolveInstance } from '../../operations/resolve-instance';
import type { PullRequestRecord } from '../../ports/pull-requests';
import type { CommandDeps, CommandRequest, DeploymentFacts, RunnableName, SandboxFacts } from './types';

/** The sandbox the command is about: the one the surface knows, else the one the person named. */
export async function targetOf<N extends RunnableName>(
  deps: CommandDeps,
  request: CommandRequest<N>,
): Promise<Instance> {
  if (request.instance) return request.instance;
  if (request.instance === null) {
    const record = request.pullRequest?.record;
    if (!record) throw new SandboxError('not_found', 'that sandbox no longer exists');
    if (record.waiting === 'slug') {
      throw new SandboxError('conflict', 'this pull request has no sandbox: its name is taken by another sandbox');
    }
    throw new SandboxError(
      'not_found',
      record.state === 'closed'
        ? 'this pull request has no sandbox (it is closed)'
        : 'this pull request has no sandbox yet',
    );
  }
  return resolveInstance(deps.store, referenceOf(request.command));
}

/** What the person typed to name the sandbox; a surface without a reference must hand in the instance. */
export function referenceOf(command: CommandRequest<RunnableName>['command']): string {
  const reference = 'instance' in command ? command.instance : null;
  if (reference === null || reference === undefined)
    throw new SandboxError('usage', 'name the sandbox (slug, domain, PR URL or owner/repo#N)');
  return reference;
}

export function sandboxFacts(instance: Instance, links: SandboxLinks): SandboxFacts {
  return {
    id: instance.id,
    slug: instance.slug,
    domain: instance.domain,
    statusUrl: statusPageUrl(links.publicUrl, instance.slug),
    urls: sandboxUrls([instance.domain, ...instance.extraDomains], links),
  };
}

export function deploymentFacts(deployment: Deployment): DeploymentFacts {
  return {
    id: deployment.id,
    attempts: deployment.attempts,
    activateOnSuccess: deployment.activateOnSuccess,
    commitSha: deployment.commitSha,
  };
}

/** The record of a PR sandbox: the one the surface has, else the stored one. */
export async function pullRequestOf<N extends RunnableName>(
  deps: CommandDeps,
  request: CommandRequest<N>,
  instance: Instance,
): Promise<PullRequestRecord | null> {
  if (request.pullRequest) return request.pullRequest.record;
  if (instance.kind !== 'pr' || !deps.pullRequests) return null;
  return deps.pullRequests.findByInstance(instance.id);
}

/**
 * Why a PR sandbox must not deploy now, whichever surface asks: its pull
 * request is closed, waits for a maintainer's approval or is a fork the
 * host cannot isolate, or its Settings block has errors.
 */
export function refuseToDeploy(instance: Instance, record: PullRequestRecord | null): void {
  if (record?.state === 'closed')
    throw new SandboxError(
      'conflict',
      `the pull request of ${instance.slug} is closed; reopen it to get its sandbox back`,
    );
  if (record?.waiting === 'approval')
    throw new SandboxError(
      'awaiting_approval',
      `the pull request of ${instance.slug} waits for a maintainer's approval before anything deploys`,
    );
  if (record?.waiting === 'isolation')
    throw new SandboxError(
      'not_permitted',
      `fork pull requests are not deployed on this host, where sandbox code would run as the bot's own user; see trigger.allow_forks_unisolated in sandbox.yml`,
    );
  if (instance.settingsErrors.length)
    throw new SandboxError(
      'settings_invalid',
      `the Settings block of ${instance.slug}'s pull request has errors; fix them and the sandbox redeploys by itself`,
    );
}
