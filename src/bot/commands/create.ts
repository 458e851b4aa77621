import type { Config, RepositoryConfig } from '../../config/schema';
import { SandboxError } from '../../core/errors';
import { statusPageUrl } from '../../core/naming/sandbox-urls';
import { createManualInstance } from '../../core/operations/create-instance';
import { requestDeployment } from '../../core/operations/operations';
import type { SettingsMap } from '../../core/settings';
import { escapeText, link } from '../../infra/slack/blocks';
import { recipeOf } from '../../infra/recipes';
import { startOperation } from '../start-operation';
import { slackActor, type Runner } from './runner';

const defaultRef = 'main';

/**
 * `/sandbox create <slug> <repository>|--repo-url URL [ref|--ref REF]`:
 * a manual sandbox from a configured repository, deployed at once. A URL
 * must be a configured repository's: a repository's settings may hold
 * secrets, which must not reach code from anywhere else.
 */
export const create: Runner<'create'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'create');
  const repository = findRepository(deps.config, command.repository);
  const recipe = recipeOf(repository);
  const ref = command.ref ?? defaultRef;
  const instance = await createManualInstance(deps.store, {
    slug: command.slug,
    repository: { name: repository.name, url: repository.url, defaultSettings: repository.settings as SettingsMap, defaultFields: repository.fields, extraDomainPrefixes: recipe.extraDomainPrefixes },
    ref,
    globalFields: deps.config.defaults.fields,
    ephemeralDatabases: repository.ephemeral_databases ?? deps.config.defaults.ephemeral_databases,
    baseDomain: deps.config.base_domain,
    actor: slackActor(request.userId),
  });
  const deployment = await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'deploy' }, async (store) => {
    const created = await requestDeployment({ store }, instance, { actor: slackActor(request.userId) });
    return { value: created, subjectId: created.id };
  });
  return { text: `:sparkles: Created *${link(statusPageUrl(deps.links.publicUrl, instance.slug), instance.slug)}* (${escapeText(instance.domain)}) from ${escapeText(repository.name)} at \`${escapeText(ref)}\`; deploying it now (deployment ${deployment.id}). A message in this channel follows its progress.` };
};

function findRepository(config: Config, reference: string): RepositoryConfig {
  const wanted = normalize(reference);
  const found = config.repositories.find((r) => normalize(r.name) === wanted || (r.url !== null && normalize(r.url) === wanted) || normalize(`https://github.com/${r.name}`) === wanted);
  if (found) return found;
  const configured = config.repositories.map((r) => r.name).join(', ') || 'none';
  const isUrl = /^[a-z+]+:\/\//i.test(reference);
  throw new SandboxError('usage', `${isUrl ? `${reference} is not the URL of a configured repository` : `repository ${reference} is not configured`}; Slack creates sandboxes from configured repositories only (configured: ${configured}). An operator can add one under repositories[] in sandbox.yml.`);
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\.git$/, '').replace(/\/+$/, '');
}
