/**
 * Issue 4 benchmarks, on real parts (OpenSSH sshd on loopback as hosts, real nginx over SSH):
 * 1. no-op recipe, request → running and routed, against the honest floor (issue 18): the same unavoidable
 *    work by hand over the same SSH transport (work files over SFTP, one exec that clones at the commit and
 *    runs the deploy phase, the service started detached, health requests, one nginx apply over SSH to the
 *    host nginx runs on, as the bot's), alternated with the bot's deploys in the same run, both with warm SSH
 *    connections; each step of the bot's deploy from its own records;
 * 2. 20 deploys across 2 SSH hosts: total against the slowest single deploy (goal ≤ 1.5×);
 * 3. a deploy printing 100 MB: RSS growth of the bot (goal < 64 MB) and line latency host → database (goal < 1 s).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { requestDeployment } from '../../src/core/operations/operations';
import { createSshTransport } from '../../src/infra/hosts/ssh-transport';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { getWithHost, startNginx } from '../../test/support/nginx';
import { createSampleRepo } from '../../test/support/sample-repo';
import { startSshd } from '../../test/support/sshd';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { deploySteps, stepMetrics, type DeploySteps } from '../support/deploy-steps';
import { cleanFloor, honestFloor } from '../support/honest-floor';
import { sampleRepositoryYml } from '../../test/support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'bench' };

export default async function provisioning(): Promise<BenchResult> {
  const [sshdA, sshdB, nginx] = await Promise.all([startSshd(), startSshd(), startNginx()]);
  const repo = createSampleRepo();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-prov-'));
  const keyA = join(dir, 'a');
  const keyB = join(dir, 'b');
  writeFileSync(keyA, sshdA.privateKey, { mode: 0o600 });
  writeFileSync(keyB, sshdB.privateKey, { mode: 0o600 });
  const host = (name: string, sshd: typeof sshdA, key: string, low: number) => `
    - name: ${name}
      address: 127.0.0.1
      port: ${sshd.port}
      user: root
      private_key_path: ${key}
      host_key_fingerprint: "${sshd.hostKeyFingerprint}"
      work_root: ${join(dir, name)}
      capacity: 20
      port_range: [${low}, ${low + 99}]`;
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
base_domain: bench.test
repositories:
${sampleRepositoryYml('acme/sample', repo.url)}
  - name: acme/loud
    url: ${repo.url}
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        for i in $(seq 1 40); do echo "tick $(date +%s%N)"; sleep 0.05; done
        head -c 75000000 /dev/zero | base64 -w 100
        for i in $(seq 1 20); do echo "after $(date +%s%N)"; sleep 0.05; done
      start: exec node server.mjs
      health_path: /healthz
compute:
  provider: ssh
  hosts:${host('host-a', sshdA, keyA, 30000)}${host('host-b', sshdB, keyB, 30200)}
load_balancer:
  provider: nginx
  nginx:
    host: host-a
    config_dir: ${nginx.configDir}
    test_command: ${JSON.stringify(nginx.testCommand)}
    reload_command: ${JSON.stringify(nginx.reloadCommand)}
    listen: "${nginx.listen}"
retention:
  min_age: 1h
`);
    const { store } = bench.bot.provisioning;
    const create = (slug: string, repository = 'acme/sample') =>
      createManualInstance(store, {
        slug,
        ref: 'main',
        globalFields: {},
        ephemeralDatabases: true,
        baseDomain: 'bench.test',
        actor,
        repository: {
          name: repository,
          url: repo.url,
          defaultSettings: {},
          defaultFields: {},
          extraDomainPrefixes: [],
        },
      });
    const stepsOf = new Map<string, DeploySteps>();
    const deployAndTime = async (slug: string) => {
      const instance = await create(slug);
      const started = performance.now();
      const deployment = await requestDeployment({ store }, instance, { actor });
      for (let i = 0; i < 6000; i += 1) {
        const response = await getWithHost(nginx.port, `${slug}.bench.test`).catch(() => null);
        if (response?.status === 200) {
          const ms = performance.now() - started;
          stepsOf.set(slug, await deploySteps(bench!.bot.database.pool, deployment.id));
          return ms;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`${slug} never answered through nginx`);
    };

    // The honest floor over the same sshd and nginx: the same work files, clone, deploy phase, detached start,
    // health requests and one nginx apply, with nothing of the bot in between.
    const raw = createSshTransport({
      name: 'floor',
      address: '127.0.0.1',
      port: sshdA.port,
      user: 'root',
      privateKey: sshdA.privateKey,
      hostKeyFingerprint: sshdA.hostKeyFingerprint,
    });
    // nginx runs on host-a (load_balancer.nginx.host): the bot reaches it over SSH, and so does the floor.
    const floorLb = createNginxLoadBalancer({
      transport: raw,
      configDir: nginx.configDir,
      namePrefix: 'floor-',
      testCommand: nginx.testCommand,
      reloadCommand: nginx.reloadCommand,
      listen: nginx.listen,
    });
    const floorRun = async (i: number) => {
      const workDir = join(dir, 'floor', `run-${i}`);
      try {
        const steps = await honestFloor({
          transport: raw,
          workDir,
          repoUrl: repo.url,
          commit: repo.head(),
          deployScript: 'git rev-parse HEAD > built-commit.txt',
          startScript: 'exec node server.mjs',
          port: 30400 + i,
          healthPath: '/healthz',
          switchRoute: (port) =>
            floorLb.apply({ slug: 'floor', domains: ['floor.bench.test'], target: { address: '127.0.0.1', port } }),
        });
        return steps['route switched'];
      } finally {
        await cleanFloor(raw, workDir);
      }
    };
    await floorRun(99);
    // The floor's connection is warm: so are the bot's, one to each host (placement spreads the two).
    await deployAndTime('warm-0');
    await deployAndTime('warm-1');
    stepsOf.clear();
    const floors: number[] = [];
    const singles: number[] = [];
    // Alternated, so both see the same machine load.
    for (let i = 0; i < 5; i += 1) {
      floors.push(await floorRun(i));
      singles.push(await deployAndTime(`single-${i}`));
    }
    await floorLb.remove('floor');
    await raw.close();
    const floor = percentile(floors, 50);
    const single = percentile(singles, 50);
    const singleSteps = [...stepsOf.values()];

    const parallelStarted = performance.now();
    const each = await Promise.all(Array.from({ length: 20 }, (_, i) => deployAndTime(`many-${i}`)));
    const total = performance.now() - parallelStarted;
    const slowest = Math.max(...each);
    const hostsUsed = new Set((await store.listAppserversInStates(['running'])).map((a) => a.hostId)).size;

    // 100 MB of output: bot RSS and host → database latency of marked lines
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    const loud = await create('loud', 'acme/loud');
    await requestDeployment({ store }, loud, { actor });
    const latencies: number[] = [];
    const backlogLatencies: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i += 1) {
      const appserver = await store.findAppserver(loud.id, 1);
      if (appserver) {
        const tail = await store.readLog(appserver.id, { tailBytes: 4096 });
        for (const match of tail
          .map((c) => c.content)
          .join('')
          .matchAll(/(tick|after) (\d+)/g)) {
          if (seen.has(match[2]!)) continue;
          seen.add(match[2]!);
          (match[1] === 'tick' ? latencies : backlogLatencies).push(
            Date.now() - Number(BigInt(match[2]!) / 1_000_000n),
          );
        }
        if (appserver.state !== 'configuring' && appserver.state !== 'waiting' && appserver.state !== 'new') break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(sampler);
    const loudServer = await store.findAppserver(loud.id, 1);
    const storedBytes = loudServer
      ? (await store.readLog(loudServer.id, { tailBytes: Number.MAX_SAFE_INTEGER })).reduce(
          (sum, chunk) => sum + Buffer.byteLength(chunk.content),
          0,
        )
      : 0;

    return {
      metrics: {
        'honest floor: no-op deploy by hand over SSH + nginx apply, p50 of 5 (ms)': floor,
        'no-op deploy, request → running and routed (SSH + nginx), p50 of 5 (ms)': single,
        'no-op deploy / honest floor (goal ≤ 2)': single / floor,
        ...stepMetrics('SSH + nginx', singleSteps),
        '20 deploys on 2 hosts: total (ms)': total,
        '20 deploys: slowest single (ms)': slowest,
        '20 deploys: total / slowest deploy of the batch (goal ≤ 1.5)': total / slowest,
        '20 deploys: total / a lone deploy p50': total / single,
        '20 deploys: hosts used': hostsUsed,
        '100 MB deploy: final state': loudServer?.state ?? 'missing',
        '100 MB deploy: bytes followed (log offset)': loudServer?.logOffset ?? 0,
        '100 MB deploy: bytes dropped over the log cap': loudServer?.logDroppedBytes ?? 0,
        '100 MB deploy: bytes stored': storedBytes,
        '100 MB deploy: bot RSS growth, peak (MiB)': (rssPeak - rssBefore) / 1048576,
        'line latency host → database at a normal rate, p50 (ms)': percentile(latencies, 50),
        'line latency at a normal rate, max (ms)': Math.max(...latencies),
        'line latency right behind 100 MB of backlog, max (ms)': Math.max(...backlogLatencies),
      },
      notes: `latencies sampled from ${latencies.length} + ${backlogLatencies.length} marked lines (sampling adds up to 50 ms)`,
    };
  } finally {
    await bench?.stop();
    await Promise.all([sshdA.stop(), sshdB.stop(), nginx.stop()]);
  }
}
