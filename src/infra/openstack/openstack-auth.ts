import { readFileSync } from 'node:fs';
import type { OpenstackConfig } from '../../config/openstack-schema';
import { SandboxError } from '../../core/errors';
import { createOpenStackClient, type OpenStackAuth, type OpenStackClient } from './client';

const fromEnv = (env: NodeJS.ProcessEnv, name: string, key: string): string => {
  const value = env[name];
  if (!value)
    throw new SandboxError(
      'config_invalid',
      `compute.openstack.${key}: environment variable ${name} is not set; set it or change ${key} in sandbox.yml`,
    );
  return value;
};

/** The Keystone credentials of the configuration, read from the environment. */
export function openstackAuth(config: OpenstackConfig, env: NodeJS.ProcessEnv): OpenStackAuth {
  if (config.application_credential_id_env && config.application_credential_secret_env)
    return {
      kind: 'application_credential',
      id: fromEnv(env, config.application_credential_id_env, 'application_credential_id_env'),
      secret: fromEnv(env, config.application_credential_secret_env, 'application_credential_secret_env'),
    };
  return {
    kind: 'password',
    username: config.username!,
    password: fromEnv(env, config.password_env!, 'password_env'),
    userDomain: config.user_domain,
    projectName: config.project!,
    projectDomain: config.project_domain,
  };
}

export function openstackClientFor(config: OpenstackConfig, env: NodeJS.ProcessEnv): OpenStackClient {
  return createOpenStackClient({
    authUrl: config.auth_url,
    auth: openstackAuth(config, env),
    region: config.region,
    interface: config.interface,
  });
}

/** The secrets of the configuration (redacted from stored logs). */
export function openstackSecrets(config: OpenstackConfig | null, env: NodeJS.ProcessEnv): (string | undefined)[] {
  if (!config) return [];
  return [
    config.application_credential_secret_env ? env[config.application_credential_secret_env] : undefined,
    config.password_env ? env[config.password_env] : undefined,
    config.ssh.private_key_env ? env[config.ssh.private_key_env] : undefined,
  ];
}

/** The bot's SSH private key for its VMs. */
export function openstackPrivateKey(config: OpenstackConfig, env: NodeJS.ProcessEnv): string {
  if (config.ssh.private_key_env)
    return fromEnv(env, config.ssh.private_key_env, 'ssh.private_key_env').replace(/\\n/g, '\n');
  try {
    return readFileSync(config.ssh.private_key_path!, 'utf8');
  } catch (error) {
    throw new SandboxError(
      'config_invalid',
      `compute.openstack.ssh.private_key_path ${config.ssh.private_key_path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}
