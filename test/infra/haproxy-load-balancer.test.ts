import { request } from 'node:http';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/core/errors';
import type { HostTransport } from '../../src/core/ports/host-transport';
import type { BasicCredentials, Route } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createSshTransport } from '../../src/infra/hosts/ssh-transport';
import { createHaproxyLoadBalancer, type HaproxyLoadBalancerOptions } from '../../src/infra/load-balancers/haproxy';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { findFreePort, getWithHost } from '../support/nginx';
import { failure, recording } from '../support/recording-transport';
import { startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait-for';

let haproxy: HaproxyHarness;
let a: Upstream;
let b: Upstream;
const local = createLocalTransport();

beforeAll(async () => {
  [haproxy, a, b] = await Promise.all([startHaproxy(), startUpstream('a'), startUpstream('b')]);
});

afterAll(async () => {
  await Promise.all([haproxy?.stop(), a?.close(), b?.close()]);
});

afterEach(async () => {
  // Every test starts with only the bot's frontend loaded (the first apply of a test writes it again if it differs).
  for (const name of await readdir(haproxy.configDir))
    if (!name.endsWith('_frontend.cfg')) await rm(join(haproxy.configDir, name), { force: true });
  const reloaded = await local.exec(haproxy.reloadCommand);
  expect(reloaded.code, reloaded.stderr).toBe(0);
  await haproxy.settle();
});

function makeBalancer(transport: HostTransport = local, extra: Partial<HaproxyLoadBalancerOptions> = {}) {
  return createHaproxyLoadBalancer({
    transport,
    configDir: haproxy.configDir,
    namePrefix: 'sbx-',
    testCommand: haproxy.testCommand,
    reloadCommand: haproxy.reloadCommand,
    listen: haproxy.listen,
    statusUrl: (slug) => `http://localhost:3000/sandboxes/${slug}`,
    ...extra,
  });
}

function route(
  slug: string,
  upstream: Upstream | null,
  extraDomains: string[] = [],
  access: BasicCredentials | null = null,
): Route {
  return { slug, domains: [`${slug}.localhost`, ...extraDomains], target: upstream?.target ?? null, access };
}

async function answerOf(host: string, auth?: string): Promise<string> {
  const response = await get(host, auth);
  if (response.status !== 200) return `status ${response.status}`;
  return (JSON.parse(response.body) as { name: string }).name;
}

function get(
  host: string,
  auth?: string,
  path = '/',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  if (auth === undefined) return getWithHost(haproxy.port, host, { path });
  return new Promise((resolve, reject) => {
    const headers = { host, authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
    const req = request(
      { host: '127.0.0.1', port: haproxy.port, path, headers, agent: false, timeout: 5_000 },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The master starts new workers on USR2; wait for the new answer, then for the old workers to finish. */
async function expectAnswer(host: string, expected: string, auth?: string): Promise<void> {
  let last = '';
  await waitFor(async () => (last = await answerOf(host, auth).catch((error: Error) => error.message)) === expected, {
    timeoutMs: 5_000,
    what: `${host} to answer ${expected}`,
  }).catch((error: Error) => {
    throw new Error(`${error.message}; it last answered ${last}`);
  });
  await haproxy.settle();
}

async function rejection(promise: Promise<unknown>): Promise<SandboxError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SandboxError);
  return error as SandboxError;
}

/** A writeFile hook that appends an unknown keyword to the first write of `name` (not to the restore after it). */
function corruptOnce(name: string) {
  let done = false;
  return (path: string, content: string | Buffer, real: (content: string | Buffer) => Promise<void>) => {
    if (done || !path.endsWith(name)) return real(content);
    done = true;
    return real(`${content.toString()}    bogus_keyword on\n`);
  };
}

const fragmentPath = (slug: string) => join(haproxy.configDir, `sbx-${slug}.cfg`);

describe('haproxy load balancer against a real haproxy', () => {
  it('routes every domain of an instance by Host header with the forwarded headers', async () => {
    await makeBalancer().apply(route('pr1-app', a, ['studio-pr1-app.localhost']));
    await expectAnswer('pr1-app.localhost', 'a');
    expect(await answerOf('studio-pr1-app.localhost')).toBe('a');
    expect(await answerOf('PR1-APP.localhost:80')).toBe('a');
    const response = await get('pr1-app.localhost', undefined, '/some/path?q=1');
    const { headers } = JSON.parse(response.body) as { headers: Record<string, string> };
    expect(headers).toMatchObject({
      host: 'pr1-app.localhost',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'pr1-app.localhost',
      'x-real-ip': '127.0.0.1',
    });
    // Unknown hosts: the frontend's 404, not HAProxy's bare 503.
    const unknown = await get('nobody.localhost');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('no sandbox answers');
  });

  it('switches to another appserver when applied again, and passes upgrades through', async () => {
    const balancer = makeBalancer();
    await balancer.apply(route('pr2-app', a));
    await expectAnswer('pr2-app.localhost', 'a');
    await balancer.apply(route('pr2-app', b));
    await expectAnswer('pr2-app.localhost', 'b');
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: haproxy.port,
        headers: { host: 'pr2-app.localhost', connection: 'Upgrade', upgrade: 'sbx-echo' },
        agent: false,
        timeout: 5_000,
      });
      req.on('upgrade', (_res, socket) => {
        socket.once('data', (chunk: Buffer) => {
          socket.destroy();
          resolve(chunk.toString());
        });
        socket.write('ping');
      });
      req.on('response', (res) => reject(new Error(`no upgrade: status ${res.statusCode}`)));
      req.on('timeout', () => req.destroy(new Error('upgrade timed out')));
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('b:ping');
  });

  it('answers the 503 holding page with Retry-After when there is no active appserver', async () => {
    await makeBalancer().apply(route('pr4-app', null, ['lms-pr4-app.localhost'], { user: 'u', password: 'p' }));
    await expectAnswer('lms-pr4-app.localhost', 'status 503');
    const response = await get('lms-pr4-app.localhost');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['retry-after']).toBe('30');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('no active appserver yet');
    expect(response.body).toContain("href='http://localhost:3000/sandboxes/pr4-app'");
  });

  it('answers a 502 page linking to the status page when the active appserver does not answer', async () => {
    const port = await findFreePort();
    await makeBalancer().apply({
      slug: 'pr5-app',
      domains: ['pr5-app.localhost'],
      target: { address: '127.0.0.1', port },
    });
    await expectAnswer('pr5-app.localhost', 'status 502');
    const response = await get('pr5-app.localhost');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('not answering');
    expect(response.body).toContain("href='http://localhost:3000/sandboxes/pr5-app'");
  });

  it('removes a route (404 again), lists only its own fragments, and does nothing when the same route is applied again', async () => {
    const { transport, execs } = recording(local);
    const balancer = makeBalancer(transport);
    await balancer.apply(route('pr6-app', a));
    await expectAnswer('pr6-app.localhost', 'a');
    await balancer.apply(route('pr6-app', a));
    await balancer.apply(route('one', null));
    await writeFile(join(haproxy.configDir, 'operator.cfg'), '');
    await writeFile(join(haproxy.configDir, 'sbx-Not_A_Slug.cfg'), '');
    expect(await balancer.listRoutes()).toEqual(['one', 'pr6-app']);
    await rm(join(haproxy.configDir, 'operator.cfg'));
    await rm(join(haproxy.configDir, 'sbx-Not_A_Slug.cfg'));
    await balancer.remove('pr6-app');
    await expectAnswer('pr6-app.localhost', 'status 404');
    await balancer.remove('pr6-app');
    const pair = [haproxy.testCommand.join(' '), haproxy.reloadCommand.join(' ')];
    expect(execs()).toEqual([...pair, ...pair, ...pair]);
    expect((await readdir(haproxy.configDir)).sort()).toEqual(['sbx-_frontend.cfg', 'sbx-one.cfg']);
  });

  it('keeps the old route when haproxy rejects the configuration, and restores every file', async () => {
    const balancer = makeBalancer();
    await balancer.apply(route('pr8-app', a));
    await expectAnswer('pr8-app.localhost', 'a');
    const before = await readFile(fragmentPath('pr8-app'));
    const broken = recording(local, { writeFile: corruptOnce('pr8-app.cfg') });
    const error = await rejection(makeBalancer(broken.transport).apply(route('pr8-app', b)));
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toContain('bogus_keyword');
    expect(error.message).toContain('the previous files were restored');
    expect((await readFile(fragmentPath('pr8-app'))).equals(before)).toBe(true);
    expect(broken.execs()).toEqual([haproxy.testCommand.join(' ')]);
    expect(await answerOf('pr8-app.localhost')).toBe('a');

    // A first route that fails leaves nothing behind.
    const fresh = recording(local, {
      writeFile: (path, content, real) => real(path.endsWith('.cfg') && path.includes('pr9') ? 'backend\n' : content),
    });
    await rejection(makeBalancer(fresh.transport).apply(route('pr9-app', a)));
    expect((await readdir(haproxy.configDir)).filter((name) => name.includes('pr9'))).toEqual([]);
  });

  it('restores the previous files and reloads again when the reload fails', async () => {
    await makeBalancer().apply(route('pr10-app', a));
    await expectAnswer('pr10-app.localhost', 'a');
    let failNext = true;
    const { transport, execs } = recording(local, {
      exec: (argv, real) => {
        if (argv[0] !== 'sh' || !failNext) return real();
        failNext = false;
        return Promise.resolve(failure('the haproxy master 4242 (from /run/haproxy.pid) is not running'));
      },
    });
    const error = await rejection(makeBalancer(transport).apply(route('pr10-app', b)));
    expect(error.message).toContain('is not running');
    expect(error.message).toContain('restored and haproxy reloaded');
    expect(execs().length).toBe(3);
    await haproxy.settle();
    expect(await answerOf('pr10-app.localhost')).toBe('a');
  });

  it('asks for basic auth, keeps the credentials from the appserver, and stores only a hash', async () => {
    const credentials = { user: 'sbx-a1b2c3', password: 'pa:ss wörd $1 "q"' };
    const balancer = makeBalancer();
    await balancer.apply(route('pr11-app', a, [], credentials));
    await expectAnswer('pr11-app.localhost', 'status 401');
    const none = await get('pr11-app.localhost');
    expect(none.headers['www-authenticate']).toBe('Basic realm="pr11-app"');
    expect(await answerOf('pr11-app.localhost', `${credentials.user}:wrong`)).toBe('status 401');
    const ok = await get('pr11-app.localhost', `${credentials.user}:${credentials.password}`);
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { headers: Record<string, string> }).headers.authorization).toBeUndefined();
    const fragment = await readFile(fragmentPath('pr11-app'), 'utf8');
    expect(fragment).toContain("password '$6$rounds=1000$");
    expect(fragment).not.toContain('wörd');
    // Same credentials, same text: no reload.
    const { transport, execs } = recording(local);
    await makeBalancer(transport).apply(route('pr11-app', a, [], credentials));
    expect(execs()).toEqual([]);
  });

  it('runs operations one at a time and reports check()', async () => {
    const balancer = makeBalancer();
    await Promise.all(['q1', 'q2', 'q3'].map((slug) => balancer.apply(route(slug, slug === 'q2' ? b : a))));
    await expectAnswer('q2.localhost', 'b');
    expect(await answerOf('q3.localhost')).toBe('a');
    expect((await balancer.check()).ok).toBe(true);
    await writeFile(join(haproxy.configDir, 'broken.cfg'), 'frontend x\n    bind nowhere\n');
    const broken = await balancer.check();
    expect(broken.ok).toBe(false);
    expect(broken.detail).toContain('broken.cfg');
  });

  it('answers every request while switching A→B→A ten times under a polling client', async () => {
    const balancer = makeBalancer();
    const host = 'flip.localhost';
    await balancer.apply(route('flip', a));
    await expectAnswer(host, 'a');
    let polling = true;
    const failures: string[] = [];
    const seen = new Set<string>();
    let answered = 0;
    const poll = async () => {
      while (polling) {
        try {
          const name = await answerOf(host);
          if (name === 'a' || name === 'b') {
            seen.add(name);
            answered += 1;
          } else failures.push(name);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const pollers = [poll(), poll(), poll(), poll()];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 40));
    const reloads: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      for (const next of [b, a]) {
        const started = performance.now();
        await balancer.apply(route('flip', next));
        reloads.push(performance.now() - started);
        await pause();
      }
    }
    polling = false;
    await Promise.all(pollers);
    console.info(
      `haproxy switch: ${answered} requests answered, ${failures.length} failed; apply (write+check+reload) median ${median(reloads).toFixed(0)} ms`,
    );
    expect(failures).toEqual([]);
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(answered).toBeGreaterThan(100);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe('haproxy load balancer over SSH', () => {
  let sshd: TestSshd;
  let ssh: HostTransport;

  beforeAll(async () => {
    sshd = await startSshd();
    ssh = createSshTransport({
      name: 'lb-host',
      address: sshd.address,
      port: sshd.port,
      user: sshd.user,
      privateKey: sshd.privateKey,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      connectTimeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await ssh?.close();
    await sshd?.stop();
  });

  it('writes, validates, reloads, restores and removes through the SSH transport', async () => {
    const balancer = makeBalancer(ssh);
    await balancer.apply(route('pr20-app', a, ['studio-pr20-app.localhost']));
    await expectAnswer('studio-pr20-app.localhost', 'a');
    await balancer.apply(route('pr20-app', b, ['studio-pr20-app.localhost']));
    await expectAnswer('pr20-app.localhost', 'b');
    expect(await balancer.listRoutes()).toEqual(['pr20-app']);
    const before = await readFile(fragmentPath('pr20-app'));
    const broken = recording(ssh, { writeFile: corruptOnce('pr20-app.cfg') });
    const error = await rejection(
      makeBalancer(broken.transport).apply(route('pr20-app', a, ['studio-pr20-app.localhost'])),
    );
    expect(error.message).toContain('bogus_keyword');
    expect((await readFile(fragmentPath('pr20-app'))).equals(before)).toBe(true);
    expect(await answerOf('pr20-app.localhost')).toBe('b');
    await balancer.remove('pr20-app');
    await expectAnswer('pr20-app.localhost', 'status 404');
  });
});
