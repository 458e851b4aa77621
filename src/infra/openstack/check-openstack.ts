import { allowedFlavors, type OpenstackConfig } from '../../config/openstack-schema';
import type { OpenStackClient } from './client';
import { openstackClientFor, openstackPrivateKey } from './openstack-auth';
import { publicKeyOf } from './cloud-init';
import { findFlavor, findImage, findNetwork } from './resources';
import { findSecurityGroup } from './security-groups';

export interface OpenStackCheck {
  what: string;
  ok: boolean;
  detail: string;
}

/**
 * What `sbx doctor` asks the cloud: the credentials give a project token,
 * and the image, every allowed flavor, the network and each repository's
 * extra security groups are found by name, exactly once; the SSH key reads.
 */
export async function checkOpenStack({
  config,
  repositories,
  env,
  client,
}: {
  config: OpenstackConfig;
  repositories: readonly { name: string; security_groups: readonly string[] }[];
  env: NodeJS.ProcessEnv;
  client?: OpenStackClient;
}): Promise<OpenStackCheck[]> {
  const results: OpenStackCheck[] = [];
  const attempt = async (what: string, run: () => Promise<string>) => {
    try {
      results.push({ what, ok: true, detail: await run() });
      return true;
    } catch (error) {
      results.push({ what, ok: false, detail: error instanceof Error ? error.message : String(error) });
      return false;
    }
  };
  let os: OpenStackClient | undefined = client;
  const authenticated = await attempt('auth', async () => {
    os ??= openstackClientFor(config, env);
    return `token for project ${await os.projectId()} from ${config.auth_url}`;
  });
  await attempt('ssh key', async () => `${publicKeyOf(openstackPrivateKey(config, env)).split(' ')[0]} key readable`);
  if (!authenticated || !os) return results;
  const api = os;
  await attempt(`image ${config.image}`, async () => `found (${(await findImage(api, config.image)).id})`);
  for (const flavor of allowedFlavors(config))
    await attempt(`flavor ${flavor}`, async () => `found (${(await findFlavor(api, flavor)).id})`);
  await attempt(`network ${config.network}`, async () => `found (${(await findNetwork(api, config.network)).id})`);
  for (const repository of repositories)
    for (const group of repository.security_groups)
      await attempt(
        `security group ${group}`,
        async () =>
          `found (${await findSecurityGroup(api, group, `security_groups of repository ${repository.name}`)})`,
      );
  return results;
}
