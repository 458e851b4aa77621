import { readFileSync } from 'node:fs';
import { SandboxError } from '../../core/errors';
import type { Host } from '../../core/model';
import type { HostTransport } from '../../core/ports/host-transport';
import type { HostDirectory } from '../../core/ports/other-ports';
import type { Logger } from '../logger';
import { createLocalTransport } from './local-transport';
import { createSandboxUsers, type SandboxUsers } from './sandbox-users';
import { createSshTransport } from './ssh-transport';

/**
 * Transports per host, cached: one SSH connection per host for the whole
 * process. `localRunAs` (set only when the bot can switch users) gives local
 * hosts sandbox users, one set per work root.
 */
export function createHostDirectory({
  env,
  logger,
  localRunAs = null,
}: {
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  localRunAs?: string | null;
}): HostDirectory & { closeAll(): Promise<void> } {
  const cache = new Map<string, HostTransport>();
  const sandboxUsers = new Map<string, SandboxUsers>();
  const usersFor = (root: string): SandboxUsers | undefined => {
    if (!localRunAs) return undefined;
    if (!sandboxUsers.has(root)) sandboxUsers.set(root, createSandboxUsers({ root, runAs: localRunAs }));
    return sandboxUsers.get(root);
  };
  return {
    transportFor(host: Host): HostTransport {
      const key = `${host.id}:${host.updatedAt.getTime()}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const transport =
        host.provider === 'local'
          ? createLocalTransport({ name: host.name, address: host.address, sandboxUsers: usersFor(host.workRoot) })
          : sshTransport(host, env, logger);
      cache.set(key, transport);
      return transport;
    },
    async closeAll() {
      await Promise.all([...cache.values()].map((transport) => transport.close().catch(() => undefined)));
      cache.clear();
    },
  };
}

function sshTransport(host: Host, env: NodeJS.ProcessEnv, logger?: Logger): HostTransport {
  let privateKey: string;
  if (host.privateKeyEnv) {
    const value = env[host.privateKeyEnv];
    if (!value)
      throw new SandboxError(
        'host_unreachable',
        `host ${host.name}: environment variable ${host.privateKeyEnv} (private_key_env) is not set`,
      );
    privateKey = value.replace(/\\n/g, '\n');
  } else if (host.privateKeyPath) {
    try {
      privateKey = readFileSync(host.privateKeyPath, 'utf8');
    } catch (error) {
      throw new SandboxError(
        'host_unreachable',
        `host ${host.name}: cannot read private_key_path ${host.privateKeyPath} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  } else {
    throw new SandboxError(
      'host_unreachable',
      `host ${host.name}: no private key; set private_key_path or private_key_env`,
    );
  }
  return createSshTransport({
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user ?? 'root',
    privateKey,
    hostKeyFingerprint: host.hostKeyFingerprint,
    knownHostsPath: host.knownHosts,
    logger,
  });
}
