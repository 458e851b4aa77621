import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SandboxError } from '../../src/core/errors';
import type { HostTransport } from '../../src/core/ports/host-transport';
import type { Route } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createNginxLoadBalancer, type NginxLoadBalancerOptions } from '../../src/infra/load-balancers/nginx';
import { recording } from '../support/recording-transport';

// Hostile input must be refused before the transport is touched, so no nginx is needed here.
let dir: string;
const local = createLocalTransport();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbx-nginx-validation-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeBalancer(transport: HostTransport, extra: Partial<NginxLoadBalancerOptions> = {}) {
  return createNginxLoadBalancer({
    transport,
    configDir: dir,
    namePrefix: 'sbx-',
    testCommand: ['false'],
    reloadCommand: ['false'],
    listen: 80,
    ...extra,
  });
}

function route(slug: string): Route {
  return { slug, domains: [`${slug}.localhost`], target: null };
}

async function rejection(promise: Promise<unknown>): Promise<SandboxError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SandboxError);
  return error as SandboxError;
}

const hostile: Array<[string, Route]> = [
  ['slug with ;', { slug: 'evil;', domains: ['evil.localhost'], target: null }],
  ['slug with }', { slug: 'evil}', domains: ['evil.localhost'], target: null }],
  ['slug with a newline', { slug: 'evil\nreturn', domains: ['evil.localhost'], target: null }],
  ['slug with a path', { slug: '../evil', domains: ['evil.localhost'], target: null }],
  ['domain with ;', { slug: 'evil', domains: ['evil.localhost; return 200 owned'], target: null }],
  ['domain with }', { slug: 'evil', domains: ['evil.localhost', 'x}'], target: null }],
  ['domain with a newline', { slug: 'evil', domains: ['evil.localhost\n}\nserver {'], target: null }],
  ['domain with $', { slug: 'evil', domains: ['$host'], target: null }],
  ['no domain at all', { slug: 'evil', domains: [], target: null }],
  [
    'address with ;',
    { slug: 'evil', domains: ['evil.localhost'], target: { address: '127.0.0.1; include /etc/passwd', port: 80 } },
  ],
  [
    'address with a newline',
    { slug: 'evil', domains: ['evil.localhost'], target: { address: '127.0.0.1\n}', port: 80 } },
  ],
  ['port out of range', { slug: 'evil', domains: ['evil.localhost'], target: { address: '127.0.0.1', port: 70_000 } }],
];

it.each(hostile)('rejects a %s before anything is written', async (_label, hostileRoute) => {
  const { transport, events } = recording(local);
  const error = await rejection(makeBalancer(transport).apply(hostileRoute));
  expect(error.code).toBe('usage');
  expect(error.message).not.toContain('\n');
  expect(events).toEqual([]);
  expect(await readdir(dir)).toEqual([]);
});

it('rejects a preliminary link that is not an http(s) URL', async () => {
  const { transport, events } = recording(local);
  const balancer = makeBalancer(transport, { preliminaryUrl: () => 'javascript:alert(1)' });
  expect((await rejection(balancer.apply(route('pr11-app')))).code).toBe('usage');
  expect((await rejection(balancer.remove('x;y'))).code).toBe('usage');
  expect(events).toEqual([]);
});

it('refuses a name prefix that could leave the directory', () => {
  expect(() => makeBalancer(local, { namePrefix: '../x' })).toThrowError(
    expect.objectContaining({ code: 'config_invalid' }) as Error,
  );
});
