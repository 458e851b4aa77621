import type { RecipeVarsInput } from '../../core/ports/other-ports';

/** Services whose versions follow `openedx_release`, under the predecessor's variable names. */
const releaseVersionNames = [
  'forum_version',
  'FORUM_VERSION',
  'xqueue_version',
  'XQUEUE_VERSION',
  'certs_version',
  'CERTS_VERSION',
  'NOTIFIER_VERSION',
  'ANALYTICS_API_VERSION',
  'INSIGHTS_VERSION',
  'ECOMMERCE_VERSION',
  'ECOMMERCE_WORKER_VERSION',
];

/** The domain of an extra prefix: prefixes are joined with a hyphen (`studio-<main domain>`). */
export const prefixedDomain = (input: Pick<RecipeVarsInput, 'domains' | 'prefixes'>, prefix: string): string => {
  const index = input.prefixes.indexOf(prefix);
  return index >= 0 ? input.domains[index + 1]! : `${prefix}-${input.domains[0]}`;
};

/**
 * The Open edX variables the predecessor generated for the configuration
 * playbooks, under the same names: domains, versions, identity. The merged
 * settings are deep-merged over them (they win), as the predecessor merged
 * `configuration_extra_settings` last. nginx of the sandbox listens on the
 * appserver's port (`SBX_PORT`, added to vars.yml with the other sandbox
 * values) for both sites, told apart by server name.
 */
export function openedxVars(input: RecipeVarsInput): Record<string, unknown> {
  const lms = input.domains[0]!;
  const studio = prefixedDomain(input, 'studio');
  const preview = prefixedDomain(input, 'preview');
  const release = input.fields.openedx_release ?? 'master';
  const configurationVersion = input.fields.configuration_version ?? release;
  return {
    EDXAPP_LMS_BASE: lms,
    EDXAPP_LMS_SITE_NAME: lms,
    EDXAPP_SITE_NAME: lms,
    EDXAPP_CMS_BASE: studio,
    EDXAPP_CMS_SITE_NAME: studio,
    EDXAPP_PREVIEW_LMS_BASE: preview,
    EDXAPP_FEATURES_EXTRA: { PREVIEW_LMS_BASE: preview },
    EDXAPP_SESSION_COOKIE_DOMAIN: `.${lms}`,
    EDXAPP_LOGIN_REDIRECT_WHITELIST: [studio],
    EDXAPP_PLATFORM_NAME: input.fields.platform_name ?? input.slug,
    EDXAPP_LMS_NGINX_PORT: '{{ SBX_PORT }}',
    EDXAPP_CMS_NGINX_PORT: '{{ SBX_PORT }}',
    NGINX_ENABLE_SSL: false,
    NGINX_REDIRECT_TO_HTTPS: false,
    COMMON_DEPLOYMENT: lms,
    edx_platform_repo: input.fields.edx_platform_repository_url ?? input.repoUrl,
    edx_platform_version: input.version,
    EDX_PLATFORM_VERSION: input.version,
    edx_ansible_source_repo: input.fields.configuration_source_repo_url,
    configuration_version: configurationVersion,
    CONFIGURATION_VERSION: configurationVersion,
    ...Object.fromEntries(releaseVersionNames.map((name) => [name, release])),
  };
}
