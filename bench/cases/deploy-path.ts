/**
 * Issue 18: the no-op deploy on the local provider behind the builtin proxy,
 * request → running and routed, against its honest floor measured in the
 * same run: the same unavoidable work done by hand (work files written, one
 * clone at the commit plus the recipe's deploy phase, the same service
 * started detached, health requests until it answers, one route switch: the
 * builtin proxy's route is one row update), both observed alike through the
 * bot's builtin proxy. Goal: bot ≤ 2× floor. Each step
 * of the bot's deploy is reported from its own records, so the gap shows
 * where it goes (job hops, polling, queries).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createBareSandbox } from '../../test/support/manual-sandbox';
import { createSampleRepo } from '../../test/support/sample-repo';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { deploySteps, stepMetrics, type DeploySteps } from '../support/deploy-steps';
import { builtinProxyFloor, seenThroughProxy, type ProxiedFloorSteps } from '../support/honest-floor';
import { localComputeYml, sampleRepositoryYml } from '../../test/support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'bench' };
const rounds = 7;
/** Both the bot's deploys and the floor's are observed by polling the builtin proxy this often. */
const pollMs = 10;
const deployScript = 'git rev-parse HEAD > built-commit.txt';
const startScript = 'exec node server.mjs';

export default async function deployPath(): Promise<BenchResult> {
  const repo = createSampleRepo();
  const commit = repo.head();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-path-'));
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
base_domain: bench.test
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { deploy: deployScript, start: startScript })}
${localComputeYml(join(dir, 'work'), { run_as: 'null', port_range: '[21500, 21599]' })}
retention:
  min_age: 1h
`);
    const { store } = bench.bot.provisioning;
    const pool = bench.bot.database.pool;
    const botUrl = `http://127.0.0.1:${bench.bot.port}`;
    const floorRun = await builtinProxyFloor({
      store,
      botUrl,
      baseDomain: 'bench.test',
      pollMs,
      transport: createLocalTransport(),
      dir,
      repo,
      deployScript,
      startScript,
      basePort: 21600,
    });
    const floors: ProxiedFloorSteps[] = [];
    await floorRun(99);

    const bots: number[] = [];
    const steps: DeploySteps[] = [];
    const botRun = async (slug: string) => {
      const instance = await createBareSandbox(store, {
        slug,
        repository: { name: 'acme/sample', url: repo.url },
        baseDomain: 'bench.test',
        actor,
      });
      const started = performance.now();
      const deployment = await requestDeployment({ store }, instance, { actor });
      const seen = await seenThroughProxy({ botUrl, host: `${slug}.bench.test`, commit, pollMs });
      if (seen !== null) return { ms: seen - started, steps: await deploySteps(pool, deployment.id) };
      throw new Error(`${slug} never answered through the builtin proxy`);
    };
    await botRun('warm');
    // Alternated, so both see the same machine load.
    for (let i = 0; i < rounds; i += 1) {
      floors.push(await floorRun(i));
      const run = await botRun(`path-${i}`);
      bots.push(run.ms);
      steps.push(run.steps);
    }
    const floor = percentile(
      floors.map((f) => f['observed through the proxy']),
      50,
    );
    const floorSwitched = percentile(
      floors.map((f) => f['route switched']),
      50,
    );
    const bot = percentile(bots, 50);
    const floorSteps = Object.fromEntries(
      (Object.keys(floors[0]!) as (keyof ProxiedFloorSteps)[]).map((name) => [
        `floor step: ${name}, p50 (ms after start)`,
        percentile(
          floors.map((f) => f[name]),
          50,
        ),
      ]),
    );
    return {
      metrics: {
        'honest floor: no-op deploy by hand, local + builtin route, seen through the proxy, p50 (ms)': floor,
        'bot: no-op deploy, request → running and routed, seen through the proxy, p50 (ms)': bot,
        'bot / honest floor (goal ≤ 2)': bot / floor,
        // Without the observer: the floor's switch timed when its update returns, the bot's activation from its record.
        'honest floor: route switched (update returned), p50 (ms)': floorSwitched,
        'bot: request → activation recorded (its route switched), p50 (ms)': percentile(
          steps.map((s) => s.activated),
          50,
        ),
        'bot activation recorded / honest floor route switched':
          percentile(
            steps.map((s) => s.activated),
            50,
          ) / floorSwitched,
        ...floorSteps,
        ...stepMetrics('bot', steps),
      },
      notes: `${rounds} deploys each, alternated with the floor; local provider without run_as (the floor runs as the same user), builtin proxy; both the bot and the floor are measured until the bot’s builtin proxy answers with the new commit (polled every ${pollMs} ms from the start: each poll is a request through the proxy); the floor’s switch is the same row update the bot’s activation makes`,
    };
  } finally {
    await bench?.stop();
  }
}
