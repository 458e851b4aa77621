import { request } from 'node:http';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/core/errors';
import type { HostTransport } from '../../src/core/ports/host-transport';
import type { Route } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createSshTransport } from '../../src/infra/hosts/ssh-transport';
import { createNginxLoadBalancer, type NginxLoadBalancerOptions } from '../../src/infra/load-balancers/nginx';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { getWithHost, startNginx, type NginxHarness } from '../support/nginx';
import { failure, recording } from '../support/recording-transport';
import { startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait-for';

let nginx: NginxHarness;
let a: Upstream;
let b: Upstream;
const local = createLocalTransport();

beforeAll(async () => {
  [nginx, a, b] = await Promise.all([startNginx(), startUpstream('a'), startUpstream('b')]);
});

afterAll(async () => {
  await Promise.all([nginx?.stop(), a?.close(), b?.close()]);
});

afterEach(async () => {
  // Every test starts from an empty sites directory that nginx has loaded.
  for (const name of await readdir(nginx.configDir)) await rm(join(nginx.configDir, name), { force: true });
  const reloaded = await local.exec(nginx.reloadCommand);
  expect(reloaded.code, reloaded.stderr).toBe(0);
});

function makeBalancer(transport: HostTransport = local, extra: Partial<NginxLoadBalancerOptions> = {}) {
  return createNginxLoadBalancer({
    transport,
    configDir: nginx.configDir,
    namePrefix: 'sbx-',
    testCommand: nginx.testCommand,
    reloadCommand: nginx.reloadCommand,
    listen: nginx.listen,
    preliminaryUrl: (slug) => `http://localhost:3000/instances/${slug}`,
    ...extra,
  });
}

function route(slug: string, upstream: Upstream | null, extraDomains: string[] = []): Route {
  return { slug, domains: [`${slug}.localhost`, ...extraDomains], target: upstream?.target ?? null };
}

async function answerOf(host: string): Promise<string> {
  const response = await getWithHost(nginx.port, host);
  if (response.status !== 200) return `status ${response.status}`;
  return (JSON.parse(response.body) as { name: string }).name;
}

/**
 * nginx applies a reload asynchronously: new workers start, and the old ones
 * keep accepting for ~100 ms before they drain. Wait for the new answer, then
 * for the old workers to be gone, so the next assertion sees only the new configuration.
 */
async function expectAnswer(host: string, expected: string): Promise<void> {
  let last = '';
  await waitFor(async () => (last = await answerOf(host)) === expected, {
    timeoutMs: 5_000,
    what: `${host} to answer ${expected}`,
  }).catch((error: Error) => {
    throw new Error(`${error.message}; it last answered ${last}`);
  });
  await nginx.settle();
}

function fragmentPath(slug: string): string {
  return join(nginx.configDir, `sbx-${slug}.conf`);
}

async function rejection(promise: Promise<unknown>): Promise<SandboxError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SandboxError);
  return error as SandboxError;
}

describe('nginx load balancer against a real nginx', () => {
  it('routes every domain of an instance to its appserver with the proxy headers', async () => {
    await makeBalancer().apply(route('pr1-app', a, ['studio-pr1-app.localhost']));
    await expectAnswer('pr1-app.localhost', 'a');
    expect(await answerOf('studio-pr1-app.localhost')).toBe('a');
    const response = await getWithHost(nginx.port, 'pr1-app.localhost', { path: '/some/path?q=1' });
    const { headers } = JSON.parse(response.body) as { headers: Record<string, string> };
    expect(headers).toMatchObject({
      host: 'pr1-app.localhost',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'pr1-app.localhost',
      connection: 'close',
    });
  });

  it('switches to another appserver when applied again', async () => {
    const balancer = makeBalancer();
    await balancer.apply(route('pr2-app', a));
    await expectAnswer('pr2-app.localhost', 'a');
    await balancer.apply(route('pr2-app', b));
    await expectAnswer('pr2-app.localhost', 'b');
  });

  it('passes a WebSocket-style upgrade through to the appserver', async () => {
    await makeBalancer().apply(route('pr3-app', b));
    await expectAnswer('pr3-app.localhost', 'b');
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: nginx.port,
        headers: { host: 'pr3-app.localhost', connection: 'Upgrade', upgrade: 'sbx-echo' },
        agent: false,
        timeout: 5_000,
      });
      req.on('upgrade', (res, socket) => {
        expect(res.statusCode).toBe(101);
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

  it('answers 503 with a preliminary page linking to the status page when there is no active appserver', async () => {
    await makeBalancer().apply(route('pr4-app', null, ['lms-pr4-app.localhost']));
    let response = await getWithHost(nginx.port, 'lms-pr4-app.localhost');
    await waitFor(async () => (response = await getWithHost(nginx.port, 'lms-pr4-app.localhost')).status === 503, {
      what: 'the preliminary page',
    });
    expect(response.headers['content-type']).toBe('text/html');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('no active appserver yet');
    expect(response.body).toContain("href='http://localhost:3000/instances/pr4-app'");
  });

  it('answers 404 for unknown hosts, and again once a route is removed', async () => {
    const { transport, execs } = recording(local);
    const balancer = makeBalancer(transport);
    expect(await answerOf('nobody.localhost')).toBe('status 404');
    await balancer.apply(route('pr5-app', a));
    await expectAnswer('pr5-app.localhost', 'a');
    await balancer.remove('pr5-app');
    await expectAnswer('pr5-app.localhost', 'status 404');
    expect(await readdir(nginx.configDir)).toEqual([]);
    await balancer.remove('pr5-app');
    expect(execs()).toEqual(['test', 'reload', 'reload']);
  });

  it('lists the slugs of its own fragments only', async () => {
    const balancer = makeBalancer();
    await balancer.apply(route('two', a));
    await balancer.apply(route('one', null));
    await writeFile(join(nginx.configDir, 'default.conf'), "# the operator's own\n");
    await writeFile(join(nginx.configDir, 'sbx-three.conf.tmp-0a1b2c3d'), '');
    await writeFile(join(nginx.configDir, 'sbx-Not_A_Slug.conf'), '');
    await writeFile(join(nginx.configDir, 'sbx-four.txt'), '');
    expect(await balancer.listRoutes()).toEqual(['one', 'two']);
    // Without a prefix, only the marker on the first line tells the bot's fragments apart.
    expect(await makeBalancer(local, { namePrefix: '' }).listRoutes()).toEqual(['sbx-one', 'sbx-two']);
  });

  it('does nothing, not even a reload, when the same route is applied again', async () => {
    const { transport, events } = recording(local);
    const balancer = makeBalancer(transport);
    await balancer.apply(route('pr6-app', a, ['x-pr6-app.localhost']));
    events.length = 0;
    await balancer.apply(route('pr6-app', a, ['x-pr6-app.localhost']));
    expect(events).toEqual([{ op: 'read', detail: 'sbx-pr6-app.conf' }]);
  });

  it('restores the previous fragment byte for byte when nginx -t rejects the new one', async () => {
    await makeBalancer().apply(route('pr7-app', a));
    await expectAnswer('pr7-app.localhost', 'a');
    const before = await readFile(fragmentPath('pr7-app'));
    let corruptNext = true;
    // The fragment reaches the disk damaged (as a broken template or a full disk would leave it).
    const { transport, execs } = recording(local, {
      writeFile: (_path, content, real) => {
        if (!corruptNext) return real(content);
        corruptNext = false;
        return real(`${content.toString()}bogus_directive on;\n`);
      },
    });
    const balancer = makeBalancer(transport);
    const error = await rejection(balancer.apply(route('pr7-app', b)));
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toContain('unknown directive "bogus_directive"');
    expect(error.message).toContain('the previous fragment was restored');
    expect((await readFile(fragmentPath('pr7-app'))).equals(before)).toBe(true);
    expect(execs()).toEqual(['test']);
    expect(await answerOf('pr7-app.localhost')).toBe('a');
    // The failure does not jam the queue: the next activation goes through.
    await balancer.apply(route('pr7-app', b));
    await expectAnswer('pr7-app.localhost', 'b');
  });

  it('removes a first fragment that nginx rejects', async () => {
    const { transport } = recording(local, { writeFile: (_path, content, real) => real(`${content.toString()}}\n`) });
    const error = await rejection(makeBalancer(transport).apply(route('pr8-app', a)));
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toMatch(/unexpected "}"/);
    expect(await readdir(nginx.configDir)).toEqual([]);
    expect(await answerOf('pr8-app.localhost')).toBe('status 404');
  });

  it('restores the previous fragment and reloads again when the reload fails', async () => {
    await makeBalancer().apply(route('pr9-app', a));
    await expectAnswer('pr9-app.localhost', 'a');
    const before = await readFile(fragmentPath('pr9-app'));
    let failNextReload = true;
    const { transport, execs } = recording(local, {
      exec: (argv, real) => {
        if (!argv.includes('reload') || !failNextReload) return real();
        failNextReload = false;
        return Promise.resolve(failure('nginx: [error] invalid PID number "" in "/run/nginx.pid"'));
      },
    });
    const error = await rejection(makeBalancer(transport).apply(route('pr9-app', b)));
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toContain('invalid PID number');
    expect(error.message).toContain('the previous fragment was restored and nginx reloaded');
    expect(execs()).toEqual(['test', 'reload', 'reload']);
    expect((await readFile(fragmentPath('pr9-app'))).equals(before)).toBe(true);
    await nginx.settle();
    expect(await answerOf('pr9-app.localhost')).toBe('a');
  });

  it('turns a transport failure into load_balancer_failed', async () => {
    const { transport } = recording(local, { writeFile: () => Promise.reject(new Error('sftp: permission denied')) });
    const error = await rejection(makeBalancer(transport).apply(route('pr10-app', a)));
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toContain('sftp: permission denied');
  });

  it('runs operations one at a time, in call order', async () => {
    const { transport, events } = recording(local);
    const balancer = makeBalancer(transport);
    const slugs = ['q1', 'q2', 'q3', 'q4'];
    await Promise.all(slugs.map((slug) => balancer.apply(route(slug, slug === 'q2' ? b : a))));
    const trace = events.map((event) => (event.op === 'exec' ? event.detail : `${event.op} ${event.detail}`));
    expect(trace).toEqual(
      slugs.flatMap((slug) => [`read sbx-${slug}.conf`, `write sbx-${slug}.conf`, 'test', 'reload']),
    );
    await expectAnswer('q2.localhost', 'b');
  });

  it('reports the state of the configuration in check()', async () => {
    const balancer = makeBalancer();
    const healthy = await balancer.check();
    expect(healthy.ok).toBe(true);
    expect(healthy.detail).toContain('syntax is ok');
    await writeFile(join(nginx.configDir, 'broken.conf'), 'server { listen nowhere; }\n');
    const broken = await balancer.check();
    expect(broken.ok).toBe(false);
    expect(broken.detail).toContain('broken.conf');
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
    for (let round = 0; round < 10; round += 1) {
      await balancer.apply(route('flip', b));
      await pause();
      await balancer.apply(route('flip', a));
      await pause();
    }
    polling = false;
    await Promise.all(pollers);
    expect(failures).toEqual([]);
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(answered).toBeGreaterThan(100);
  });
});

describe('nginx load balancer over SSH', () => {
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
    const { transport, execs } = recording(ssh);
    const balancer = makeBalancer(transport);
    await balancer.apply(route('pr20-app', a, ['studio-pr20-app.localhost']));
    await expectAnswer('studio-pr20-app.localhost', 'a');
    await balancer.apply(route('pr20-app', b, ['studio-pr20-app.localhost']));
    await expectAnswer('pr20-app.localhost', 'b');
    expect(await balancer.listRoutes()).toEqual(['pr20-app']);
    expect((await balancer.check()).ok).toBe(true);

    const before = await readFile(fragmentPath('pr20-app'));
    let corruptNext = true;
    const broken = recording(ssh, {
      writeFile: (_path, content, real) => {
        if (!corruptNext) return real(content);
        corruptNext = false;
        return real(`${content.toString()}bogus_directive on;\n`);
      },
    });
    const error = await rejection(
      makeBalancer(broken.transport).apply(route('pr20-app', a, ['studio-pr20-app.localhost'])),
    );
    expect(error.code).toBe('load_balancer_failed');
    expect(error.message).toContain('unknown directive "bogus_directive"');
    expect((await readFile(fragmentPath('pr20-app'))).equals(before)).toBe(true);
    expect(await answerOf('pr20-app.localhost')).toBe('b');

    await balancer.remove('pr20-app');
    await expectAnswer('pr20-app.localhost', 'status 404');
    expect(execs()).toEqual(['test', 'reload', 'test', 'reload', 'test', 'reload']);
  });
});
