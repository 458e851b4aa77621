/**
 * The OpenStack resources the bot reads or makes, one typed function per
 * call: image, flavor and network by name, key pair, servers (boot with the
 * compute microversion header, read, list by name prefix, delete).
 */
import type { OpenStackClient } from './client';
import { OpenStackError, isOpenStackError } from './errors';

/** 2.37+ requires `networks`; 2.79 is in every release since Train (Zed has up to 2.93). */
export const computeMicroversion = '2.79';
const microversion = { 'OpenStack-API-Version': `compute ${computeMicroversion}` };

export interface Server {
  id: string;
  name: string;
  status: string;
  'OS-EXT-STS:task_state'?: string | null;
  addresses?: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string }[]>;
  fault?: { code?: number; message?: string };
  metadata?: Record<string, string>;
}

/** Exactly one of something looked up by name; none or several is a clear error (OpenStack names are not unique). */
function exactlyOne<T extends { id: string }>(items: T[], what: string, name: string, where: string): T {
  if (items.length === 1) return items[0]!;
  if (items.length === 0) throw new OpenStackError('not_found', 404, `no ${what} named ${name}; check ${where}`);
  throw new OpenStackError(
    'conflict',
    409,
    `${items.length} ${what}s are named ${name} (${items.map((i) => i.id).join(', ')}); names must be unique: rename or delete the extra ones, or check ${where}`,
  );
}

export async function findImage(client: OpenStackClient, name: string): Promise<{ id: string; name: string }> {
  const { images } = await client.request<{ images: { id: string; name: string }[] }>(
    'image',
    'GET',
    `/v2/images?name=${encodeURIComponent(name)}&status=active`,
  );
  return exactlyOne(images, 'active image', name, 'compute.openstack.image in sandbox.yml');
}

export async function findFlavor(client: OpenStackClient, name: string): Promise<{ id: string; name: string }> {
  const { flavors } = await client.request<{ flavors: { id: string; name: string }[] }>('compute', 'GET', '/flavors', {
    headers: microversion,
  });
  return exactlyOne(
    flavors.filter((flavor) => flavor.name === name),
    'flavor',
    name,
    'compute.openstack.flavor, allowed_flavors and the repository’s flavor in sandbox.yml',
  );
}

export async function findNetwork(client: OpenStackClient, name: string): Promise<{ id: string; name: string }> {
  const { networks } = await client.request<{ networks: { id: string; name: string }[] }>(
    'network',
    'GET',
    `/v2.0/networks?name=${encodeURIComponent(name)}`,
  );
  return exactlyOne(networks, 'network', name, 'compute.openstack.network in sandbox.yml');
}

/**
 * Makes sure the key pair `name` holds `publicKey` (created when missing). A
 * pair of that name with another key is refused: the bot could not log in.
 */
export async function ensureKeypair(client: OpenStackClient, name: string, publicKey: string): Promise<void> {
  const wanted = publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
  try {
    const { keypair } = await client.request<{ keypair: { public_key: string } }>(
      'compute',
      'GET',
      `/os-keypairs/${encodeURIComponent(name)}`,
      { headers: microversion },
    );
    if (keypair.public_key.trim().split(/\s+/).slice(0, 2).join(' ') !== wanted)
      throw new OpenStackError(
        'conflict',
        409,
        `key pair ${name} holds another public key than the bot’s private key; delete it (openstack keypair delete ${name}) or set compute.openstack.key_name to a new name`,
      );
    return;
  } catch (error) {
    if (!isOpenStackError(error, 'not_found')) throw error;
  }
  try {
    await client.request('compute', 'POST', '/os-keypairs', {
      headers: microversion,
      body: { keypair: { name, public_key: wanted } },
    });
  } catch (error) {
    // Made meanwhile by another worker: fine if it is ours (checked on the next call).
    if (!isOpenStackError(error, 'conflict')) throw error;
  }
}

export interface BootRequest {
  name: string;
  imageId: string;
  flavorId: string;
  networkId: string;
  keyName: string;
  securityGroupIds: string[];
  metadata: Record<string, string>;
  /** cloud-init user data, plain text (base64-encoded here). */
  userData: string;
}

export async function bootServer(client: OpenStackClient, boot: BootRequest): Promise<string> {
  const { server } = await client.request<{ server: { id: string } }>('compute', 'POST', '/servers', {
    headers: microversion,
    body: {
      server: {
        name: boot.name,
        imageRef: boot.imageId,
        flavorRef: boot.flavorId,
        key_name: boot.keyName,
        // IDs, not names: names of security groups are not unique, and Nova refuses an ambiguous one (409).
        security_groups: boot.securityGroupIds.map((id) => ({ name: id })),
        networks: [{ uuid: boot.networkId }],
        metadata: boot.metadata,
        user_data: Buffer.from(boot.userData).toString('base64'),
      },
    },
  });
  return server.id;
}

/** The server, or null once it is gone. */
export async function getServer(client: OpenStackClient, id: string): Promise<Server | null> {
  try {
    return (
      await client.request<{ server: Server }>('compute', 'GET', `/servers/${encodeURIComponent(id)}`, {
        headers: microversion,
      })
    ).server;
  } catch (error) {
    if (isOpenStackError(error, 'not_found')) return null;
    throw error;
  }
}

/** Servers of the project whose name starts with `prefix` (Nova's name filter is a regular expression). */
export async function listServersByPrefix(client: OpenStackClient, prefix: string): Promise<Server[]> {
  const pattern = `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  const { servers } = await client.request<{ servers: Server[] }>(
    'compute',
    'GET',
    `/servers/detail?name=${encodeURIComponent(pattern)}`,
    { headers: microversion },
  );
  return servers.filter((server) => server.name.startsWith(prefix));
}

/** Deletes a server; one already gone is fine. */
export async function deleteServer(client: OpenStackClient, id: string): Promise<void> {
  try {
    await client.request('compute', 'DELETE', `/servers/${encodeURIComponent(id)}`, { headers: microversion });
  } catch (error) {
    if (!isOpenStackError(error, 'not_found')) throw error;
  }
}

/** The first fixed IPv4 address of a server (floating addresses are not used: the bot reaches servers on their network). */
export function fixedAddressOf(server: Server): string | null {
  for (const addresses of Object.values(server.addresses ?? {})) {
    const fixed = addresses.find((a) => a.version === 4 && (a['OS-EXT-IPS:type'] ?? 'fixed') === 'fixed');
    if (fixed) return fixed.addr;
  }
  return null;
}
