import { request } from 'node:http';
import { join } from 'node:path';
import { renderWorkFiles } from '../../src/core/provisioning/work-files';
import type { HostTransport } from '../../src/core/ports/host-transport';
import type { Store } from '../../src/core/ports/store';
import { createBareSandbox, viaBuiltinProxy } from '../../test/support/manual-sandbox';

export interface FloorOptions {
  transport: HostTransport;
  /** Directory to deploy into (created; removed afterwards). */
  workDir: string;
  repoUrl: string;
  commit: string;
  deployScript: string;
  startScript: string;
  port: number;
  healthPath: string;
  /** The route switch of the load balancer in use (an nginx apply, or the builtin proxy's one row update). */
  switchRoute(port: number): Promise<void>;
}

export interface FloorSteps {
  'files written': number;
  'clone + deploy phase done': number;
  'service launched': number;
  'health ok': number;
  'route switched': number;
}

/**
 * The unavoidable work of a no-op deploy done by hand with the raw tools, and
 * nothing else: the same work files written (SFTP over SSH, plain writes
 * locally), one exec that clones the repository at the commit and runs the
 * recipe's deploy phase, one detached start of the same service, health
 * requests until it answers (the service's own start-up is unavoidable), one
 * route switch. No jobs, no polling interval, no database records. Returns
 * each step's end in milliseconds after the start.
 */
export async function honestFloor(options: FloorOptions): Promise<FloorSteps> {
  const { transport, workDir, port } = options;
  const started = performance.now();
  const at = () => performance.now() - started;
  const env = {
    SBX_SLUG: 'floor',
    SBX_DOMAIN: 'floor.bench.test',
    SBX_REPO_URL: options.repoUrl,
    SBX_COMMIT: options.commit,
    SBX_WORK_DIR: workDir,
    PORT: String(port),
  };
  const files = renderWorkFiles(
    {
      recipe: 'floor',
      repository: 'floor',
      repoUrl: options.repoUrl,
      ref: options.commit,
      commitSha: options.commit,
      slug: 'floor',
      domains: ['floor.bench.test'],
      settings: {},
      fields: {},
      databaseMode: 'ephemeral',
      phases: { deploy: options.deployScript, start: options.startScript },
      healthPath: options.healthPath,
      healthTimeoutMs: 15_000,
      tasks: {},
    } as Parameters<typeof renderWorkFiles>[0],
    env,
  );
  for (const file of files) await transport.writeFile(`${workDir}/${file.name}`, file.content, file.mode);
  const filesWritten = at();
  const deployed = await transport.exec(
    [
      'bash',
      '-c',
      'git clone --quiet --no-checkout -- "$SBX_REPO_URL" checkout && git -C checkout checkout --quiet --detach "$SBX_COMMIT" -- && cd checkout && bash ../phases/deploy.sh',
    ],
    { cwd: workDir, env },
  );
  if (deployed.code !== 0) throw new Error(`floor deploy failed: ${deployed.stderr}`);
  const deployDone = at();
  const launched = await transport.exec(
    [
      'setsid',
      '--fork',
      'bash',
      '-c',
      'echo $$ > service.pid; cd checkout; exec bash ../phases/start.sh </dev/null >>../deploy.log 2>&1',
    ],
    { cwd: workDir, env },
  );
  if (launched.code !== 0) throw new Error(`floor start failed: ${launched.stderr}`);
  const serviceLaunched = at();
  for (let i = 0; ; i += 1) {
    if ((await status(transport.address, port, options.healthPath)) === 200) break;
    if (i > 5_000) throw new Error('floor service never answered');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const healthOk = at();
  await options.switchRoute(port);
  const routeSwitched = at();
  return {
    'files written': filesWritten,
    'clone + deploy phase done': deployDone,
    'service launched': serviceLaunched,
    'health ok': healthOk,
    'route switched': routeSwitched,
  };
}

/** Stops the floor's service (its own process group, by the pid it recorded) and removes its directory. */
export async function cleanFloor(transport: HostTransport, workDir: string): Promise<void> {
  await transport.exec(['bash', '-c', 'kill -TERM -- "-$(cat service.pid)" 2>/dev/null; true'], { cwd: workDir });
  await transport.remove(workDir);
}

function status(address: string, port: number, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path, agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The floor's steps behind the builtin proxy: plus when the proxy, polled as the bot is, answered with the commit. */
export type ProxiedFloorSteps = FloorSteps & { 'observed through the proxy': number };

/**
 * The floor behind the bot's own builtin proxy, ready to run: run `i` deploys the sample app's `head()` by hand into
 * `floor-<i>` under `dir` on port `basePort + i`; its route switch is what the builtin proxy routes by (the
 * sandbox's active appserver: one row update, on a sandbox and appserver row made beforehand); and it is observed
 * as the bot's deploys are, by polling the proxy every `pollMs` from the start until it answers with the commit.
 * Both sides pay the same observer: the ratio of the observed times is the bot's overhead alone.
 */
export async function builtinProxyFloor(options: {
  store: Store;
  botUrl: string;
  baseDomain: string;
  transport: HostTransport;
  dir: string;
  repo: { url: string; head(): string };
  deployScript: string;
  startScript: string;
  basePort: number;
  pollMs: number;
}): Promise<(i: number) => Promise<ProxiedFloorSteps>> {
  const { store, transport, pollMs } = options;
  const [host] = await store.listHosts();
  if (!host) throw new Error("the floor needs the bot's local host row");
  return async (i) => {
    const workDir = join(options.dir, `floor-${i}`);
    const port = options.basePort + i;
    const slug = `floor-${i}`;
    const instance = await createBareSandbox(store, {
      slug,
      repository: { name: 'floor', url: options.repo.url },
      baseDomain: options.baseDomain,
    });
    const appserver = await store.insertAppserver({
      instanceId: instance.id,
      deploymentId: null,
      config: {},
      commitSha: options.repo.head(),
      ref: 'main',
    });
    await store.updateAppserver(appserver.id, { state: 'running', hostId: host.id, port, workDir });
    const started = performance.now();
    let observed = NaN;
    let floorDone = false;
    const observing = seenThroughProxy({
      botUrl: options.botUrl,
      host: `${slug}.${options.baseDomain}`,
      commit: options.repo.head(),
      pollMs,
      stopped: () => floorDone,
    }).then((at) => {
      if (at !== null) observed = at - started;
    });
    try {
      const steps = await honestFloor({
        transport,
        workDir,
        repoUrl: options.repo.url,
        commit: options.repo.head(),
        deployScript: options.deployScript,
        startScript: options.startScript,
        port,
        healthPath: '/healthz',
        // The builtin proxy routes by the sandbox's active appserver: the switch is one row update.
        switchRoute: async () => void (await store.updateInstance(instance.id, { activeAppserverId: appserver.id })),
      });
      await observing;
      if (Number.isNaN(observed)) throw new Error(`${slug} never answered through the builtin proxy`);
      return { ...steps, 'observed through the proxy': observed };
    } finally {
      floorDone = true;
      await observing;
      await store.updateInstance(instance.id, { activeAppserverId: null });
      await store.updateAppserver(appserver.id, { state: 'terminated' });
      await cleanFloor(transport, workDir);
    }
  };
}

/**
 * Polls the bot's builtin proxy for `host` every `pollMs` until it answers 200 with `commit` in the body: the moment
 * (performance.now()) it did, or null when `stopped` first (or after 10,000 polls). The one observer of both the
 * bot's deploys and the floor's.
 */
export async function seenThroughProxy(options: {
  botUrl: string;
  host: string;
  commit: string;
  pollMs: number;
  stopped?: () => boolean;
}): Promise<number | null> {
  for (let poll = 0; poll < 10_000 && !options.stopped?.(); poll += 1) {
    const answer = await viaBuiltinProxy(options.botUrl, options.host).catch(() => null);
    if (answer?.status === 200 && answer.body.includes(options.commit)) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  return null;
}
