import type { Instance } from '../model';
import type { BasicCredentials } from './load-balancer';

/**
 * How an instance's sandbox is reached, from its repository's `access` in
 * sandbox.yml: public, or HTTP basic auth with credentials shared by the
 * repository (from an environment variable) or generated per sandbox (`shared: null`).
 */
export type AccessRule = { kind: 'public' } | { kind: 'basic_auth'; shared: BasicCredentials | null };

/** The access rules of the configuration (the adapter is src/infra/sandbox-access.ts). */
export interface SandboxAccessRules {
  ruleFor(instance: Pick<Instance, 'prRepo' | 'slug'>): AccessRule;
}
