/**
 * Issue 17: guidance for `worker.concurrency`. One process (web + worker, the local provider) deploys 16 manual
 * sandboxes asked for at once, at worker.concurrency 1, 4 and 8: deploys per minute from the request to every
 * deployment succeeded. Each deploy clones the sample app, runs a 2-second deploy phase (standing in for a
 * recipe's own work, which runs detached on the host) and starts it behind its health check.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Instance } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { createSampleRepo } from '../../test/support/sample-repo';
import type { BenchResult } from '../run';
import { startBenchBot } from '../support/bench-bot';
import { createBareSandbox } from '../../test/support/manual-sandbox';
import { localComputeYml, sampleRepositoryYml } from '../../test/support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'bench' };
const deploys = 16;
// The sample app's deploy plus two seconds standing in for a recipe's own work.
const twoSecondDeploy = `|
        git rev-parse HEAD > built-commit.txt
        sleep 2`;

async function deploysPerMinute(
  concurrency: number,
): Promise<{ perMinute: number; failed: number; reasons: string[] }> {
  const repo = createSampleRepo();
  const low = 20_000 + (process.pid % 20) * 100;
  const bench = await startBenchBot(`
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { deploy: twoSecondDeploy, health_timeout: '120s' })}
${localComputeYml(mkdtempSync(join(tmpdir(), 'sbx-bench-work-')), { port_range: `[${low}, ${low + 99}]` })}
worker:
  concurrency: ${concurrency}
retention:
  min_age: 1h
`);
  try {
    const { store } = bench.bot.provisioning;
    const instances: Instance[] = [];
    for (let i = 0; i < deploys; i += 1)
      instances.push(
        await createBareSandbox(store, {
          slug: `c${concurrency}-${i}`,
          repository: { name: 'acme/sample', url: repo.url },
          baseDomain: 'localhost',
          actor,
        }),
      );
    const started = performance.now();
    for (const instance of instances) await requestDeployment({ store }, instance, { actor });
    const states = async () =>
      Promise.all(instances.map(async (instance) => (await store.findAppserver(instance.id, 1))?.state ?? 'new'));
    for (let i = 0; i < 6_000; i += 1) {
      const now = await states();
      if (now.every((state) => state === 'running' || state === 'failed' || state === 'error')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const minutes = (performance.now() - started) / 60_000;
    const final = await Promise.all(instances.map((instance) => store.findAppserver(instance.id, 1)));
    const failed = final.filter((appserver) => appserver?.state !== 'running');
    return {
      perMinute: deploys / minutes,
      failed: failed.length,
      reasons: [...new Set(failed.map((appserver) => `${appserver?.state}: ${appserver?.failureReason ?? ''}`))],
    };
  } finally {
    await bench.stop();
  }
}

export default async function workerConcurrency(): Promise<BenchResult> {
  const metrics: Record<string, number> = {};
  const problems: string[] = [];
  // BENCH_CONCURRENCIES=1,4 measures only those.
  for (const concurrency of (process.env.BENCH_CONCURRENCIES ?? '1,4,8').split(',').map(Number)) {
    const { perMinute, failed, reasons } = await deploysPerMinute(concurrency);
    metrics[`deploys/min at worker.concurrency ${concurrency} (${deploys} at once)`] = perMinute;
    metrics[`deploys not running at concurrency ${concurrency} (goal 0)`] = failed;
    problems.push(...reasons.map((reason) => `concurrency ${concurrency}: ${reason}`));
  }
  return {
    metrics,
    notes: [
      'one process, local provider, 2 cores shared with the machine’s other work: compare the three, not the absolute numbers',
      ...problems,
    ].join('\n  '),
  };
}
