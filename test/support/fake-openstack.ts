/**
 * A fake OpenStack (Keystone, Nova, Neutron, Glance on one loopback port)
 * answering with the shapes recorded from the real Zed stack of
 * scripts/openstack-up.sh, with failure injection for what the real stack
 * cannot easily produce: ERROR with a fault, quota 403, ambiguous security
 * group 409, an expired token, 5xx, a slow BUILD. Any request it does not
 * know is answered 500 and recorded in `unexpected`: tests assert it stays
 * empty.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeServer {
  id: string;
  name: string;
  status: 'BUILD' | 'ACTIVE' | 'ERROR';
  polls: number;
  flavorId: string;
  securityGroups: string[];
  fault?: string;
}
interface FakeRule {
  id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface FakeOpenStack {
  url: string;
  authUrl: string;
  projectId: string;
  appCredential: { id: string; secret: string };
  /** Every request, `METHOD /path?query`. */
  calls: string[];
  unexpected: string[];
  servers: Map<string, FakeServer>;
  groups: Map<string, { id: string; name: string }>;
  /** When set to N, the next N security group lookups are answered together once all N have arrived (forces two callers to race). */
  groupLookupsTogether: number;
  rules: FakeRule[];
  keypairs: Map<string, string>;
  /** Polls a server stays in BUILD before ACTIVE (default 1). */
  buildPolls: number;
  /** The next boot goes to ERROR with this fault message after its BUILD polls. */
  failNextBoot(fault: string): void;
  /** The next POST /servers answers this status and Nova error body. */
  refuseNextBoot(status: number, key: string, message: string): void;
  /** The next `count` requests to compute answer 503. */
  failCompute(count: number): void;
  /** Every token issued so far is refused from now on (401), as when it expired. */
  expireTokens(): void;
  addGroup(name: string): string;
  stop(): Promise<void>;
}

export const fakeFlavors = [
  { id: 'f-small', name: 'sbx.small' },
  { id: 'f-large', name: 'sbx.large' },
];

export async function startFakeOpenStack(): Promise<FakeOpenStack> {
  const projectId = 'p-0123456789';
  const appCredential = { id: 'ac-1', secret: 'ac-secret-1' };
  const validTokens = new Set<string>();
  let tokenCount = 0;
  let nextBootFault: string | null = null;
  let nextBootRefusal: { status: number; key: string; message: string } | null = null;
  let computeFailures = 0;
  const heldLookups: (() => void)[] = [];
  const fake = {
    calls: [] as string[],
    unexpected: [] as string[],
    servers: new Map<string, FakeServer>(),
    groups: new Map<string, { id: string; name: string }>(),
    groupLookupsTogether: 0,
    rules: [] as FakeRule[],
    keypairs: new Map<string, string>(),
    buildPolls: 1,
  };
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const novaError = (res: ServerResponse, status: number, key: string, message: string) =>
    json(res, status, { [key]: { code: status, message } });

  const catalog = () => [
    { type: 'identity', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/identity/v3` }] },
    { type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1` }] },
    { type: 'network', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/network` }] },
    { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/image` }] },
  ];

  const serverView = (server: FakeServer) => ({
    id: server.id,
    name: server.name,
    status: server.status,
    'OS-EXT-STS:task_state': server.status === 'BUILD' ? 'spawning' : null,
    addresses:
      server.status === 'ACTIVE'
        ? { 'sandbox-net': [{ version: 4, addr: '10.20.0.80', 'OS-EXT-IPS:type': 'fixed' }] }
        : {},
    ...(server.status === 'ERROR'
      ? { fault: { code: 500, message: server.fault, created: '2026-11-27T23:44:00Z' } }
      : {}),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const url = new URL(req.url ?? '/', base);
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /identity/v3/auth/tokens') {
      const identity = (body as { auth: { identity: Record<string, unknown>; scope?: unknown } }).auth.identity;
      const credential = identity.application_credential as { id: string; secret: string } | undefined;
      const password = identity.password as { user: { name: string; password: string } } | undefined;
      const good =
        (credential?.id === appCredential.id && credential.secret === appCredential.secret) ||
        (password?.user.name === 'sandbox-bot' && password.user.password === 'pw');
      if (!good)
        return json(res, 401, {
          error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
        });
      const token = `tok-${++tokenCount}`;
      validTokens.add(token);
      return json(
        res,
        201,
        {
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            project: { id: projectId, name: 'sandboxes' },
            catalog: catalog(),
          },
        },
        { 'X-Subject-Token': token },
      );
    }
    if (!validTokens.has(String(req.headers['x-auth-token'])))
      return json(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.' } });

    if (url.pathname.startsWith('/compute/')) {
      if (computeFailures > 0) {
        computeFailures -= 1;
        res.writeHead(503, { 'Content-Type': 'text/html' });
        return res.end('<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>');
      }
      if (req.headers['openstack-api-version'] !== 'compute 2.79')
        return novaError(res, 400, 'badRequest', 'missing microversion header');
    }
    const path = url.pathname;
    if (route === 'GET /image/v2/images') {
      const images =
        url.searchParams.get('name') === 'debian-sbx' ? [{ id: 'img-1', name: 'debian-sbx', status: 'active' }] : [];
      return json(res, 200, { images });
    }
    if (route === 'GET /compute/v2.1/flavors') return json(res, 200, { flavors: fakeFlavors });
    if (route === 'GET /network/v2.0/networks') {
      const networks = url.searchParams.get('name') === 'sandbox-net' ? [{ id: 'net-1', name: 'sandbox-net' }] : [];
      return json(res, 200, { networks });
    }
    let match = /^\/compute\/v2\.1\/os-keypairs\/(.+)$/.exec(path);
    if (match && req.method === 'GET') {
      const key = fake.keypairs.get(decodeURIComponent(match[1]!));
      return key
        ? json(res, 200, { keypair: { name: match[1], public_key: key } })
        : novaError(res, 404, 'itemNotFound', `Keypair ${match[1]} not found for user u-1`);
    }
    if (route === 'POST /compute/v2.1/os-keypairs') {
      const { keypair } = body as { keypair: { name: string; public_key: string } };
      if (fake.keypairs.has(keypair.name)) return novaError(res, 409, 'conflictingRequest', 'Key pair already exists');
      fake.keypairs.set(keypair.name, keypair.public_key);
      return json(res, 201, { keypair: { name: keypair.name, public_key: keypair.public_key } });
    }
    if (route === 'GET /network/v2.0/security-groups') {
      const name = url.searchParams.get('name');
      const answer = () =>
        json(res, 200, { security_groups: [...fake.groups.values()].filter((g) => g.name === name) });
      if (fake.groupLookupsTogether > 0) {
        heldLookups.push(answer);
        if (heldLookups.length < fake.groupLookupsTogether) return;
        fake.groupLookupsTogether = 0;
        for (const held of heldLookups.splice(0)) held();
        return;
      }
      return answer();
    }
    if (route === 'POST /network/v2.0/security-groups') {
      const { security_group: group } = body as { security_group: { name: string } };
      const id = fakeGroup(group.name);
      for (const ethertype of ['IPv4', 'IPv6'])
        fake.rules.push(
          rule(id, {
            direction: 'egress',
            ethertype,
            protocol: null,
            port_range_min: null,
            port_range_max: null,
            remote_ip_prefix: null,
          }),
        );
      return json(res, 201, { security_group: fake.groups.get(id) });
    }
    if (route === 'GET /network/v2.0/security-group-rules') {
      const group = url.searchParams.get('security_group_id');
      return json(res, 200, { security_group_rules: fake.rules.filter((r) => r.security_group_id === group) });
    }
    if (route === 'POST /network/v2.0/security-group-rules') {
      const { security_group_rule: wanted } = body as { security_group_rule: Omit<FakeRule, 'id' | 'remote_group_id'> };
      const exists = fake.rules.some(
        (r) =>
          r.security_group_id === wanted.security_group_id &&
          r.direction === wanted.direction &&
          r.protocol === wanted.protocol &&
          r.port_range_min === wanted.port_range_min &&
          r.port_range_max === wanted.port_range_max &&
          r.remote_ip_prefix === wanted.remote_ip_prefix,
      );
      if (exists)
        return json(res, 409, {
          NeutronError: { type: 'SecurityGroupRuleExists', message: 'Security group rule already exists.' },
        });
      const created = rule(wanted.security_group_id, wanted);
      fake.rules.push(created);
      return json(res, 201, { security_group_rule: created });
    }
    match = /^\/network\/v2\.0\/security-groups\/(.+)$/.exec(path);
    if (match && req.method === 'DELETE') {
      if (!fake.groups.delete(match[1]!)) return json(res, 404, { NeutronError: { type: 'SecurityGroupNotFound' } });
      fake.rules = fake.rules.filter((r) => r.security_group_id !== match![1]);
      return json(res, 204, undefined);
    }
    match = /^\/network\/v2\.0\/security-group-rules\/(.+)$/.exec(path);
    if (match && req.method === 'DELETE') {
      fake.rules = fake.rules.filter((r) => r.id !== match![1]);
      return json(res, 204, undefined);
    }
    if (route === 'POST /compute/v2.1/servers') {
      if (nextBootRefusal) {
        const refusal = nextBootRefusal;
        nextBootRefusal = null;
        return novaError(res, refusal.status, refusal.key, refusal.message);
      }
      const { server } = body as { server: { name: string; flavorRef: string; security_groups: { name: string }[] } };
      const id = randomUUID();
      fake.servers.set(id, {
        id,
        name: server.name,
        status: 'BUILD',
        polls: 0,
        flavorId: server.flavorRef,
        securityGroups: server.security_groups.map((g) => g.name),
        ...(nextBootFault ? { fault: nextBootFault } : {}),
      });
      nextBootFault = null;
      return json(res, 202, { server: { id, links: [], security_groups: server.security_groups, adminPass: 'x' } });
    }
    if (route === 'GET /compute/v2.1/servers/detail') {
      const pattern = new RegExp(url.searchParams.get('name') ?? '');
      return json(res, 200, {
        servers: [...fake.servers.values()].filter((s) => pattern.test(s.name)).map(serverView),
      });
    }
    match = /^\/compute\/v2\.1\/servers\/([^/]+)$/.exec(path);
    if (match) {
      const server = fake.servers.get(match[1]!);
      if (!server) return novaError(res, 404, 'itemNotFound', 'Instance could not be found.');
      if (req.method === 'DELETE') {
        fake.servers.delete(server.id);
        return json(res, 204, undefined);
      }
      if (req.method === 'GET') {
        if (server.status === 'BUILD' && ++server.polls > fake.buildPolls)
          server.status = server.fault ? 'ERROR' : 'ACTIVE';
        return json(res, 200, { server: serverView(server) });
      }
    }
    fake.unexpected.push(`${req.method} ${req.url}`);
    return json(res, 500, { error: `fake openstack: unexpected ${req.method} ${req.url}` });
  };

  let ruleCount = 0;
  const rule = (groupId: string, values: Partial<FakeRule>): FakeRule => ({
    id: `rule-${++ruleCount}`,
    security_group_id: groupId,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    ...values,
  });
  let groupCount = 0;
  const fakeGroup = (name: string) => {
    const id = `sg-${++groupCount}`;
    fake.groups.set(id, { id, name });
    return id;
  };

  const server = createServer((req, res) => {
    fake.calls.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      handle(req, res, text ? JSON.parse(text) : undefined).catch((error: unknown) => {
        fake.unexpected.push(`${req.method} ${req.url}: ${String(error)}`);
        json(res, 500, { error: String(error) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(fake, {
    url: base,
    authUrl: `${base}/identity/v3`,
    projectId,
    appCredential,
    failNextBoot(fault: string) {
      nextBootFault = fault;
    },
    refuseNextBoot(status: number, key: string, message: string) {
      nextBootRefusal = { status, key, message };
    },
    failCompute(count: number) {
      computeFailures = count;
    },
    expireTokens() {
      validTokens.clear();
    },
    addGroup: fakeGroup,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
