import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandDeps } from '../../src/app/command-deps';
import { parseSandboxCommand } from '../../src/core/commands';
import { runCommand } from '../../src/core/commands/runners';
import { requestDeployment } from '../../src/core/operations/operations';
import { createRuntimeLogStore } from '../../src/infra/db/runtime-log-store';
import { renderAnswer } from '../../src/infra/slack/render/render-answer';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { runSbx } from '../support/spawn-sbx';
import { signIn, startStatusBot, type StatusBot } from '../support/status-bot';
import { waitFor } from '../support/wait-for';

/*
 * Issue 17, runtime log: a real deploy whose service prints after its health
 * check answered. That output is kept (redacted, capped with a marker) and
 * shown by the status page, `sbx logs --runtime` and `/sandbox logs --runtime`.
 */

// Answers /healthz, and only after the first health check prints 300 numbered lines (with a secret), then stays quiet.
const talker = `import { createServer } from 'node:http';
let talking = false;
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok\\n');
  if (req.url !== '/healthz' || talking) return;
  talking = true;
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    console.log(\`runtime line \${String(n).padStart(3, '0')} password=hunter2-runtime-secret\`);
    if (n === 300) clearInterval(timer);
  }, 5);
}).listen(Number(process.env.PORT), '127.0.0.1');
console.log('talker listening before its health check');
`;

let t: StatusBot;
let repo: SampleRepo;
let cookie: string;

const runtimeText = async (appserverId: number) =>
  (await createRuntimeLogStore(t.database.db).read(appserverId)).map((chunk) => chunk.content).join('');

beforeAll(async () => {
  repo = createSampleRepo();
  repo.commit({ 'talker.mjs': talker });
  t = await startStatusBot(`
repositories:
  - name: acme/talk
    url: ${repo.url}
    script:
      deploy: echo deploying
      start: exec node talker.mjs
      health_path: /healthz
      health_timeout: 20s
web:
  auth:
    orgs: [acme]
runtime_log:
  max_bytes: 4096
  interval: 100ms
`);
  cookie = await signIn(t, { login: 'alice', memberOf: ['acme'] });
  const instance = await createConfiguredSandbox(t, 'talk', 'acme/talk');
  await requestDeployment({ store: t.store }, instance, { actor: { surface: 'cli', id: 'tester' } });
  await waitFor(async () => (await t.store.findInstanceBySlug('talk'))?.activeAppserverId != null, {
    timeoutMs: 60_000,
    what: 'the sandbox to run and be active',
  }).catch(async (error: unknown) => {
    const instance = await t.store.findInstanceBySlug('talk');
    const appservers = instance ? await t.store.listAppservers(instance.id) : [];
    throw new Error(
      `${String(error)}: ${JSON.stringify(appservers.map((a) => [a.state, a.failureReason]))}; deployments ${JSON.stringify(instance ? (await t.store.listDeployments(instance.id)).map((d) => d.state) : [])}`,
    );
  });
}, 90_000);

afterAll(async () => {
  await t?.stop();
});

describe('the runtime log', () => {
  it('keeps what the service printed after it became healthy, redacted, the newest 4 KiB with a marker', async () => {
    const instance = (await t.store.findInstanceBySlug('talk'))!;
    const appserverId = instance.activeAppserverId!;
    await waitFor(async () => (await runtimeText(appserverId)).includes('runtime line 300'), {
      timeoutMs: 30_000,
      what: 'the last runtime line to be copied',
    });
    const text = await runtimeText(appserverId);
    expect(text).not.toContain('hunter2-runtime-secret');
    expect(text).toContain('runtime line 300 password=');
    // Capped: the oldest lines went; what is kept is at most the cap plus the chunk straddling it.
    expect(text).not.toContain('runtime line 001 ');
    expect(Buffer.byteLength(text)).toBeLessThan(4096 + 2048);
    const state = (await createRuntimeLogStore(t.database.db).state(appserverId))!;
    expect(state.droppedBytes).toBeGreaterThan(0);
    // Every kept line is whole and in order; nothing was copied twice.
    const numbers = text
      .trimEnd()
      .split('\n')
      .map((line) => Number(/^runtime line (\d+) password=\*+$/.exec(line)?.[1] ?? NaN));
    expect(numbers.every((n) => Number.isInteger(n))).toBe(true);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    // The deploy log ends where the runtime log starts: no runtime line in it.
    const deploy = (await t.store.readLog(appserverId)).map((chunk) => chunk.content).join('');
    expect(deploy).toContain('talker listening before its health check');
    expect(deploy).not.toContain('runtime line');
  }, 60_000);

  it('sbx logs --runtime prints the marker and the kept output; the deploy log stays separate', async () => {
    const runtime = await runSbx(['logs', 'talk', '--runtime'], t.cliEnv);
    expect(runtime.code).toBe(0);
    const lines = runtime.stdout.split('\n');
    expect(lines[0]).toMatch(/^\[sandbox: the first .* of this log were dropped/);
    expect(runtime.stdout).toContain('runtime line 300 password=***');
    const deploy = await runSbx(['logs', 'talk'], t.cliEnv);
    expect(deploy.stdout).toContain('deploying');
    expect(deploy.stdout).not.toContain('runtime line');
  }, 60_000);

  it('/sandbox logs talk --runtime answers through the shared runner', async () => {
    const parsed = parseSandboxCommand('logs talk --runtime --lines 3', { surface: 'slack' });
    expect(parsed).toMatchObject({ kind: 'run', command: { name: 'logs', runtime: true, lines: 3 } });
    if (parsed.kind !== 'run' || parsed.command.name !== 'logs') throw new Error('not parsed');
    const deps = createCommandDeps({ config: t.config, db: t.database.db, store: t.store });
    const result = await runCommand(deps, {
      actor: { surface: 'slack', id: 'U0ALICE' },
      command: parsed.command,
      authorize: async () => undefined,
    });
    if (!result.ok) throw result.error;
    expect(result.answer).toMatchObject({ name: 'logs', log: 'runtime' });
    const view = JSON.stringify(renderAnswer(result.answer));
    expect(view).toContain('appserver 1 runtime log: last 3 lines');
    expect(view).toContain('runtime line 300 password=***');
    expect(view).not.toContain('runtime line 297');
  }, 30_000);

  it('the status page shows it as "Runtime log" to signed-in people only', async () => {
    const page = await (await fetch(`${t.url}/sandboxes/talk`, { headers: { cookie } })).text();
    expect(page).toContain('Runtime log · appserver 1');
    expect(page).toContain('runtime line 300 password=***');
    expect(page).not.toContain('hunter2-runtime-secret');
    const anonymous = await (await fetch(`${t.url}/sandboxes/talk`)).text();
    expect(anonymous).not.toContain('Runtime log');
    expect(anonymous).not.toContain('runtime line');
  }, 30_000);

  it('sbx deploy --wait on a terminal shows a progress bar through to the new appserver being active', async () => {
    // A real pseudo-terminal (util-linux script), as a person at a terminal runs it.
    const output = await new Promise<string>((resolve) =>
      execFile(
        'script',
        ['-qec', `${process.execPath} bin/sbx.js deploy talk --wait --timeout 60`, '/dev/null'],
        {
          cwd: join(import.meta.dirname, '..', '..'),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...t.cliEnv },
          timeout: 90_000,
        },
        (_error, stdout) => resolve(stdout),
      ),
    );
    expect(output).toMatch(/talk \[=+\] 5\/5 appserver 2: active/);
    expect(output).toContain('ok: talk appserver 2 is running and active');
    expect(output).not.toMatch(/^talk appserver 2: configuring$/m);
  }, 90_000);
});
