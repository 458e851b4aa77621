/**
 * Issue 18: pull request opened → check run `success`, end to end, with a
 * no-op recipe on the local provider behind the builtin proxy and a local
 * fake GitHub. The floor is the honest no-op deploy by hand (see
 * bench/support/honest-floor.ts) measured in the same run plus the GitHub
 * calls of the path, each a few ms against the fake. Goal: under 1 s. The
 * bot's steps come from its own records; the GitHub calls are listed with
 * the moment the fake received them, so every job hop and coalescing delay
 * on the path shows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { startFakeGitHub } from '../../test/support/fake-github';
import { postWebhook, pullRequestEvent, testPrivateKey } from '../../test/support/github-webhooks';
import { createSampleRepo } from '../../test/support/sample-repo';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { deploySteps, stepMetrics, type DeploySteps } from '../support/deploy-steps';
import { builtinProxyFloor } from '../support/honest-floor';
import { fakeGitHubAppYml, localComputeYml, sampleRepositoryYml } from '../../test/support/sandbox-yml';

const secret = 'bench-webhook-secret';
const repository = 'acme/app';
const rounds = 5;
const deployScript = 'git rev-parse HEAD > built-commit.txt';
const startScript = 'exec node server.mjs';

export default async function prCheckRun(): Promise<BenchResult> {
  const privateKey = testPrivateKey();
  const fake = await startFakeGitHub();
  fake.addRepo(repository);
  fake.setPermission(repository, 'dev', 'write');
  const repo = createSampleRepo();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-pr-'));
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
base_domain: bench.test
repositories:
${sampleRepositoryYml(repository, repo.url, { deploy: deployScript, start: startScript })}
${localComputeYml(join(dir, 'work'), { run_as: 'null', port_range: '[21700, 21799]' })}
retention:
  min_age: 1h
${fakeGitHubAppYml(fake.host, secret, privateKey)}
`);
    const pool = bench.bot.database.pool;
    const botUrl = `http://127.0.0.1:${bench.bot.port}`;
    const floorRun = await builtinProxyFloor({
      store: bench.bot.provisioning.store,
      botUrl,
      baseDomain: 'bench.test',
      pollMs: 10,
      transport: createLocalTransport(),
      dir,
      repo,
      deployScript,
      startScript,
      basePort: 21800,
    });

    const opened = async (number: number) => {
      const sha = repo.commit({ [`pr${number}.txt`]: `${number}\n` });
      fake.setPull(repository, { number, headSha: sha, author: 'dev' });
      const callsBefore = fake.calls.length;
      const seen = new Map<number, number>();
      const started = performance.now();
      const answer = await postWebhook(
        botUrl,
        'pull_request',
        pullRequestEvent('opened', repository, fake.pullJson(repository, number)),
        { secret },
      );
      if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
      for (let i = 0; i < 20_000; i += 1) {
        for (let c = callsBefore; c < fake.calls.length; c += 1)
          if (!seen.has(c)) seen.set(c, performance.now() - started);
        const run = fake.checkRunsFor(sha).at(-1);
        if (run?.current.conclusion === 'success') {
          const ms = performance.now() - started;
          const { rows } = await pool.query<{ id: number }>(
            `select d.id from deployments d join instances i on i.id = d.instance_id where i.pr_number = $1 order by d.id limit 1`,
            [number],
          );
          const calls = [...seen].map(
            ([c, at]) => `${Math.round(at)} ms ${fake.calls[c]!.method} ${fake.calls[c]!.path}`,
          );
          return { ms, steps: await deploySteps(pool, rows[0]!.id), calls };
        }
        if (run?.current.conclusion && run.current.conclusion !== 'success')
          throw new Error(`PR ${number}: check run concluded ${String(run.current.conclusion)}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      throw new Error(`PR ${number}: no successful check run`);
    };

    await floorRun(99);
    await opened(1);
    const floors: number[] = [];
    const bots: number[] = [];
    const steps: DeploySteps[] = [];
    let calls: string[] = [];
    for (let i = 0; i < rounds; i += 1) {
      floors.push((await floorRun(i))['route switched']);
      const run = await opened(10 + i);
      bots.push(run.ms);
      steps.push(run.steps);
      calls = run.calls;
    }
    const floor = percentile(floors, 50);
    const bot = percentile(bots, 50);
    return {
      metrics: {
        'honest floor: no-op deploy by hand (local + builtin route), p50 (ms)': floor,
        'bot: PR opened → check run success, p50 (ms)': bot,
        'bot: PR opened → check run success, max (ms)': Math.max(...bots),
        'bot / honest floor': bot / floor,
        ...stepMetrics('bot', steps),
        'GitHub calls of the last PR (ms after the webhook)': calls.join('; '),
      },
      notes:
        `${rounds} PRs opened one at a time, alternated with the floor; goal: under 1000 ms. ` +
        'Job hops on the path: sync_pull_request (reads the PR and the sender’s permission) → deploy_instance (creates and provisions the appserver) → follow_appserver → activate_appserver → report_instance; ' +
        'pull_request.opened is not debounced (only synchronize/edited wait sync_debounce for more pushes).',
    };
  } finally {
    await bench?.stop();
    await fake.stop();
  }
}
