/**
 * The OpenStack machine pool: one VM per appserver, booted with the bot's
 * key pair, security groups (by ID) and a host key the bot made, waited for
 * until ACTIVE and reachable over SSH; deleted with its appserver or by the
 * zombie sweep.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { allowedFlavors, type OpenstackConfig } from '../../config/openstack-schema';
import { SandboxError, isSandboxError } from '../../core/errors';
import type { MachineHost, MachinePool, MachineRequest, PooledMachine } from '../../core/ports/machines';
import { chooseFlavor } from '../../core/settings/sandbox-flavor';
import { createSshTransport } from '../hosts/ssh-transport';
import type { Logger } from '../logger';
import { makeHostKey, publicKeyOf, renderUserData } from './cloud-init';
import type { OpenStackClient } from './client';
import { type OpenStackError, isOpenStackError } from './errors';
import { openstackClientFor, openstackPrivateKey } from './openstack-auth';
import {
  bootServer,
  deleteServer,
  ensureKeypair,
  findFlavor,
  findImage,
  findNetwork,
  fixedAddressOf,
  listServersByPrefix,
} from './resources';
import {
  describeRuleChanges,
  ensureSecurityGroup,
  findSecurityGroup,
  type IngressRule,
  type RuleChanges,
} from './security-groups';
import { ServerFailedError, waitForActive, waitForGone } from './wait-for-server';

export interface RepositoryMachineConfig {
  name: string;
  flavor: string | null;
  security_groups: readonly string[];
}

interface SharedResources {
  imageId: string;
  networkId: string;
  /** Allowed flavor name → id. */
  flavors: Map<string, string>;
  groupId: string;
}

const sharedForMs = 5 * 60_000;

export interface OpenStackMachinesOptions {
  config: OpenstackConfig;
  repositories: readonly RepositoryMachineConfig[];
  env: NodeJS.ProcessEnv;
  /** Default: a client for the configured Keystone. */
  client?: OpenStackClient;
  logger?: Logger;
  /**
   * Runs the creation of the bot's security group exclusively across every
   * process sharing the database (default: only within this process). A
   * boot in one worker and reconcile's firewall check in another would
   * otherwise both find no group and both create one.
   */
  exclusively?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** `<prefix><appserver id>-<slug>`, at most 63 characters (a DNS label: some clouds derive the hostname from it). */
export const machineName = (prefix: string, appserverId: number, slug: string): string =>
  `${prefix}${appserverId}-${slug}`.slice(0, 63).replace(/-+$/, '');

export const ingressRules = (config: OpenstackConfig): IngressRule[] =>
  config.security_group.rules.map((rule) => ({
    protocol: rule.protocol,
    portMin: rule.port === null ? null : typeof rule.port === 'number' ? rule.port : rule.port[0],
    portMax: rule.port === null ? null : typeof rule.port === 'number' ? rule.port : rule.port[1],
    remoteIpPrefix: rule.remote_ip_prefix,
  }));

export function createOpenStackMachines(options: OpenStackMachinesOptions): MachinePool {
  const { config, env, logger } = options;
  let client: OpenStackClient | undefined = options.client;
  const api = (): OpenStackClient => (client ??= openstackClientFor(config, env));
  // One process never races itself creating the bot's group: a boot and reconcile's firewall check that
  // overlap (the bot's first deploy right after its start) share one ensure instead of both creating one;
  // other processes are kept out by `exclusively` (a database lock).
  const exclusively = options.exclusively ?? (<T>(work: () => Promise<T>) => work());
  let ensuring: Promise<RuleChanges> | null = null;
  const ensureOwnGroup = (): Promise<RuleChanges> =>
    (ensuring ??= exclusively(() =>
      ensureSecurityGroup(api(), config.security_group.name, ingressRules(config)),
    ).finally(() => {
      ensuring = null;
    }));
  const prefix = config.name_prefix;
  const namePattern = new RegExp(`^${prefix.replace(/[-]/g, '\\-')}(\\d+)-`);
  const waitOptions = (timeoutMs: number) => ({ timeoutMs, intervalMs: config.poll_interval });

  const serversNamed = async (name: string) =>
    (await listServersByPrefix(api(), name)).filter((server) => server.name === name);

  const deleteAndWait = async (id: string, name: string) => {
    await deleteServer(api(), id);
    await waitForGone(api(), id, name, waitOptions(config.boot_timeout));
  };

  const waitForSsh = async (name: string, target: { address: string; port: number; fingerprint: string }) => {
    const transport = createSshTransport({
      name,
      address: target.address,
      port: target.port,
      user: config.ssh.user,
      privateKey: openstackPrivateKey(config, env),
      hostKeyFingerprint: target.fingerprint,
      connectTimeoutMs: Math.min(10_000, config.ssh_timeout),
    });
    const deadline = Date.now() + config.ssh_timeout;
    let last = '';
    try {
      for (;;) {
        try {
          // cloud-init makes the work root late in boot: SSH may answer before it exists.
          const result = await transport.exec(['sh', '-c', 'mkdir -p "$1" && test -w "$1"', 'sh', config.work_root], {
            timeoutMs: 15_000,
          });
          if (result.code === 0) return;
          last = `work root ${config.work_root} is not writable by ${config.ssh.user}`;
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() + config.poll_interval > deadline)
          throw new SandboxError(
            'host_unreachable',
            `VM ${name} (${target.address}:${target.port}) did not answer SSH within ${Math.round(config.ssh_timeout / 1000)} s: ${last}; check the image’s login user (compute.openstack.ssh.user), the security group and cloud-init`,
          );
        await sleep(config.poll_interval);
      }
    } finally {
      await transport.close().catch(() => undefined);
    }
  };

  /**
   * What every boot uses, looked up once per `sharedForMs` rather than per
   * VM: image, network, every allowed flavor, the key pair and the bot's
   * security group (whose rules reconcile keeps restoring meanwhile).
   */
  let shared: { at: number; value: Promise<SharedResources> } | null = null;
  const sharedResources = (): Promise<SharedResources> => {
    if (shared && Date.now() - shared.at < sharedForMs) return shared.value;
    const os = api();
    const value = (async () => {
      const [image, network] = [await findImage(os, config.image), await findNetwork(os, config.network)];
      const flavors = new Map<string, string>();
      for (const name of allowedFlavors(config)) flavors.set(name, (await findFlavor(os, name)).id);
      await ensureKeypair(os, config.key_name, publicKeyOf(openstackPrivateKey(config, env)));
      const own = await ensureOwnGroup();
      return { imageId: image.id, networkId: network.id, flavors, groupId: own.groupId };
    })();
    const entry = { at: Date.now(), value };
    shared = entry;
    value.catch(() => {
      if (shared === entry) shared = null;
    });
    return value;
  };

  return {
    kind: 'openstack',

    async acquire(request: MachineRequest): Promise<MachineHost> {
      const repository = options.repositories.find(
        (r) => r.name.toLowerCase() === (request.repository ?? '').toLowerCase(),
      );
      const chosen = chooseFlavor({
        settings: request.settings,
        repositoryFlavor: repository?.flavor ?? null,
        defaultFlavor: config.flavor,
        allowed: allowedFlavors(config),
      });
      if (!chosen.ok) throw new SandboxError('settings_invalid', chosen.reason);
      const name = machineName(prefix, request.appserverId, request.slug);
      let bootedId: string | null = null;
      try {
        const os = api();
        const resources = await sharedResources();
        const flavorId = resources.flavors.get(chosen.flavor) ?? (await findFlavor(os, chosen.flavor)).id;
        const extra: string[] = [];
        for (const group of repository?.security_groups ?? [])
          extra.push(await findSecurityGroup(os, group, `security_groups of repository ${repository!.name}`));
        // A machine of this name is left from an attempt that crashed: its host key is lost, so it goes.
        for (const leftover of await serversNamed(name)) await deleteAndWait(leftover.id, name);
        const hostKey = makeHostKey();
        bootedId = await bootServer(os, {
          name,
          imageId: resources.imageId,
          flavorId,
          networkId: resources.networkId,
          keyName: config.key_name,
          securityGroupIds: [resources.groupId, ...extra],
          metadata: { 'sandbox-bot:appserver': String(request.appserverId), 'sandbox-bot:slug': request.slug },
          userData: renderUserData({ hostKey, user: config.ssh.user, workRoot: config.work_root }),
        });
        logger?.info({ server: bootedId, name, flavor: chosen.flavor }, 'openstack server requested');
        const server = await waitForActive(os, bootedId, name, waitOptions(config.boot_timeout));
        const address = fixedAddressOf(server);
        if (!address)
          throw new SandboxError(
            'host_unreachable',
            `VM ${name} is ACTIVE but has no fixed IPv4 address on ${config.network}`,
          );
        const override = config.ssh_override;
        const target = override
          ? { address: override.address, port: override.port, fingerprint: override.host_key_fingerprint }
          : { address, port: config.ssh.port, fingerprint: hostKey.fingerprint };
        await waitForSsh(name, target);
        logger?.info({ server: bootedId, name, address }, 'openstack server answers ssh');
        return {
          name,
          address: target.address,
          port: target.port,
          user: config.ssh.user,
          workRoot: config.work_root,
          portRangeLow: config.port_range[0],
          portRangeHigh: config.port_range[1],
          privateKeyPath: config.ssh.private_key_path,
          privateKeyEnv: config.ssh.private_key_env,
          hostKeyFingerprint: target.fingerprint,
          size: chosen.flavor,
        };
      } catch (error) {
        // The cloud may have changed (an image replaced, a group deleted): look everything up again next time.
        shared = null;
        // Nothing half-made stays behind: the server goes whatever failed after its POST.
        if (bootedId) await deleteServer(api(), bootedId).catch(() => undefined);
        throw asSandboxError(error, name);
      }
    },

    async release(name: string): Promise<void> {
      try {
        for (const server of await serversNamed(name)) await deleteAndWait(server.id, name);
      } catch (error) {
        throw asSandboxError(error, name);
      }
    },

    async list(): Promise<PooledMachine[]> {
      return (await listServersByPrefix(api(), prefix)).map((server) => {
        const match = namePattern.exec(server.name);
        return { id: server.id, name: server.name, appserverId: match ? Number(match[1]) : null };
      });
    },

    async remove(machine: PooledMachine): Promise<void> {
      await deleteServer(api(), machine.id);
    },

    async firewall(apply: boolean): Promise<string[]> {
      const changes = apply
        ? await ensureOwnGroup()
        : await ensureSecurityGroup(api(), config.security_group.name, ingressRules(config), { apply });
      return describeRuleChanges(config.security_group.name, changes);
    },
  };
}

/** The stable code for a failure: quota and cloud answers become reasons a person can act on. */
function asSandboxError(error: unknown, name: string): SandboxError {
  if (isSandboxError(error)) return error;
  if (error instanceof ServerFailedError)
    return new SandboxError(
      'deploy_failed',
      `OpenStack could not boot ${name}: ${error.fault} (the server was deleted)`,
      { cause: error },
    );
  if (isOpenStackError(error)) {
    const code = openstackCodes[error.kind];
    const prefix =
      error.kind === 'quota'
        ? `OpenStack quota exceeded booting ${name}: ${error.message}; free VMs or raise the project’s quota`
        : `OpenStack, for ${name}: ${error.message}`;
    return new SandboxError(code, prefix, { cause: error });
  }
  return new SandboxError(
    'host_unreachable',
    `OpenStack, for ${name}: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  );
}

const openstackCodes: Record<OpenStackError['kind'], SandboxError['code']> = {
  quota: 'no_capacity',
  unauthorized: 'config_invalid',
  forbidden: 'config_invalid',
  not_found: 'config_invalid',
  conflict: 'config_invalid',
  bad_request: 'config_invalid',
  server_error: 'host_unreachable',
  timeout: 'host_unreachable',
  unreachable: 'host_unreachable',
};
