/**
 * Issue 16: how long a sleeping sandbox takes to answer again through the
 * builtin proxy, from the first request (which gets the waking page and
 * queues the wake) until a request reaches the app, against its honest floor
 * measured in the same run: the same start phase run by hand on the same
 * work directory and its health path polled directly. The gap is what the
 * bot adds (the job hop, its health polling interval, the route cache).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Appserver } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { sleepSandbox } from '../../src/core/sleep/sleep-sandboxes';
import { createSleepPolicy } from '../../src/infra/sleep-policy';
import { httpHealthProbe } from '../../src/infra/health-probe';
import { createBareSandbox, viaBuiltinProxy } from '../../test/support/manual-sandbox';
import { createSampleRepo } from '../../test/support/sample-repo';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { localComputeYml, sampleRepositoryYml } from '../../test/support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'bench' };
const rounds = 7;
const pollMs = 10;
const maxPolls = 6_000;

export default async function sleepWake(): Promise<BenchResult> {
  const repo = createSampleRepo();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-sleep-'));
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
base_domain: bench.test
repositories:
${sampleRepositoryYml('acme/sample', repo.url)}
    sleep_after: 1h
${localComputeYml(join(dir, 'work'), { run_as: 'null', port_range: '[21700, 21799]' })}
uptime:
  enabled: false
`);
    const provisioning = bench.bot.provisioning;
    const { store } = provisioning;
    const botUrl = `http://127.0.0.1:${bench.bot.port}`;
    const instance = await createBareSandbox(store, {
      slug: 'nap',
      repository: { name: 'acme/sample', url: repo.url },
      baseDomain: 'bench.test',
      actor,
    });
    await requestDeployment({ store }, instance, { actor });
    await until(async () => (await viaBuiltinProxy(botUrl, 'nap.bench.test').catch(() => null))?.status === 200);
    const active = (await store.getAppserver((await store.getInstance(instance.id))!.activeAppserverId!))!;
    const transport = provisioning.hosts.transportFor((await store.getHost(active.hostId!))!);
    const runner = (appserver: Appserver, phase: string, detached = false) =>
      transport.exec([...(detached ? ['setsid', '--fork'] : []), 'bash', `${appserver.workDir}/sbx-run.sh`, phase], {
        cwd: appserver.workDir!,
        timeoutMs: 30_000,
      });
    // The sleep decision on a clock two hours ahead: the sandbox is idle by then.
    const later = { ...provisioning, now: () => new Date(Date.now() + 2 * 3_600_000) };
    const policy = createSleepPolicy(bench.config);

    const floors: number[] = [];
    const wakes: number[] = [];
    const pages: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      // Floor: the stopped service started by hand, polled on its own port.
      await runner(active, 'stop');
      const floorStart = performance.now();
      await runner(active, 'start', true);
      await until(async () => (await httpHealthProbe(`http://127.0.0.1:${active.port}/healthz`, 1_000)).status === 200);
      floors.push(performance.now() - floorStart);
      await runner(active, 'stop');
      await runner(active, 'start', true);
      await until(async () => (await httpHealthProbe(`http://127.0.0.1:${active.port}/healthz`, 1_000)).status === 200);

      // The bot: asleep, then one visitor's requests until the app answers.
      if (!(await sleepSandbox(later, policy, instance.id))) throw new Error('the sandbox did not go to sleep');
      const started = performance.now();
      const first = await viaBuiltinProxy(botUrl, 'nap.bench.test');
      if (first.status !== 503) throw new Error(`a sleeping sandbox answered ${first.status}, not the waking page`);
      pages.push(performance.now() - started);
      await until(async () => (await viaBuiltinProxy(botUrl, 'nap.bench.test')).status === 200);
      wakes.push(performance.now() - started);
    }
    const floor = percentile(floors, 50);
    const wake = percentile(wakes, 50);
    return {
      metrics: {
        'honest floor: start phase by hand until its health path answers, p50 (ms)': floor,
        'bot: first request to a sleeping sandbox → app answers via the builtin proxy, p50 (ms)': wake,
        'bot: first request to a sleeping sandbox → app answers, p99 (ms)': percentile(wakes, 99),
        'bot: waking page answered in, p50 (ms)': percentile(pages, 50),
        'bot / honest floor': wake / floor,
      },
      notes: `${rounds} wakes of the sample app (node server.mjs), alternated with the floor; local provider without run_as; requests polled every ${pollMs} ms (each a request through the bot’s own proxy)`,
    };
  } finally {
    await bench?.stop();
  }
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < maxPolls; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`gave up after ${maxPolls} polls`);
}
