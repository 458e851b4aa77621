import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { loadSessionSecret } from '../../src/web/auth/session-secret';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

/**
 * The bot's layout as an operator has it: a world-readable project folder
 * with `.env` (0644, as written by hand) and the data directory inside it
 * holding the session secret and embedded PostgreSQL's cluster. Sandboxes
 * deploy from a repository whose deploy phase tries to read all of it.
 */
const actor: Actor = { surface: 'cli', id: 'tester' };
let repo: SampleRepo;
let project: string;
let dataDir: string;
let workRoot: string;
let postgres: EmbeddedPostgres;
let t: TestBot;
let canaryPath: string;
const canary = 'canary-4711-only-root-reads-this ';

const probes = () => ({
  'session secret': join(dataDir, 'session-secret'),
  '.env': join(project, '.env'),
  "the other sandbox's vars.yml": join(workRoot, 'other', 'appserver-1', 'vars.yml'),
  'the PostgreSQL data directory': join(dataDir, 'postgres', 'PG_VERSION'),
});

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'sbx-project-'));
  chmodSync(project, 0o755);
  dataDir = join(project, '.data');
  mkdirSync(dataDir, { mode: 0o755 });
  writeFileSync(join(project, '.env'), 'PRIVATE_KEY=planted-private-key\n', { mode: 0o644 });
  chmodSync(join(project, '.env'), 0o644);
  postgres = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off' } });
  workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
  canaryPath = join(dataDir, 'canary.txt');
  writeFileSync(canaryPath, canary.repeat(400), { mode: 0o600 });
  repo = createSampleRepo();
  // CommonJS, no package.json of its own: must not pick up the bot's "type": "module".
  repo.commit({
    'server.js': `const http = require('http');\nhttp.createServer((req, res) => { res.end(req.url === '/healthz' ? 'ok' : 'cjs'); }).listen(Number(process.env.PORT), '127.0.0.1');\n`,
  });
  const tries = Object.entries(probes())
    .map(
      ([what, path]) =>
        `if cat ${JSON.stringify(path)} >/dev/null 2>&1; then echo "READ ${what}"; else echo "DENIED ${what}"; fi`,
    )
    .join('\n');
  t = await startTestBot(
    `
repositories:
  - name: acme/other
    url: ${repo.url}
    settings: { OTHER_SECRET: other-sandbox-secret }
    script: { start: "exec node server.js", health_path: /healthz, health_timeout: 10s }
  - name: acme/linker
    url: ${repo.url}
    script:
      # The deploy log the bot copies becomes a link to a file only root may read.
      deploy: "echo linking; rm -f ../deploy.log; ln -s '${canaryPath}' ../deploy.log"
      start: "exec node server.js"
      health_path: /healthz
      health_timeout: 10s
  - name: acme/probe
    url: ${repo.url}
    script:
      deploy: |
        echo "uid=$(id -u)"
${tries
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
      start: "exec node server.js"
      health_path: /healthz
      health_timeout: 10s
compute:
  local:
    work_root: ${workRoot}
`,
    { SBX_DATA_DIR: dataDir, SBX_ENV_FILE: join(project, '.env') },
  );
}, 90_000);

afterAll(async () => {
  await t?.stop();
  await postgres?.stop();
});

async function deploy(slug: string, repository: string) {
  const store = t.bot.provisioning.store;
  const instance = await createConfiguredSandbox(t, slug, repository, {}, actor);
  await requestDeployment({ store }, instance, { actor });
  await waitFor(
    async () => ['running', 'failed', 'error'].includes((await store.findAppserver(instance.id, 1))?.state ?? ''),
    { timeoutMs: 40_000, what: `${slug} to finish deploying` },
  );
  const appserver = (await store.findAppserver(instance.id, 1))!;
  return { appserver, log: (await store.readLog(appserver.id)).map((chunk) => chunk.content).join('') };
}

describe('sandbox code cannot reach the bot', () => {
  it('runs as a user of its own that reads none of the bot’s secrets nor other sandboxes, and serves a CommonJS server.js', async () => {
    loadSessionSecret(t.config);
    for (const path of Object.values(probes()).slice(0, 2)) expect(existsSync(path)).toBe(true);
    const other = await deploy('other', 'acme/other');
    expect(existsSync(probes()["the other sandbox's vars.yml"])).toBe(true);
    expect(other.appserver.failureReason).toBeNull();
    expect(other.appserver.state).toBe('running');

    const probe = await deploy('probe', 'acme/probe');
    expect(probe.appserver.failureReason).toBeNull();
    expect(probe.appserver.state).toBe('running');
    const uid = Number(/uid=(\d+)/.exec(probe.log)?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(uid).not.toBe(process.getuid!());
    for (const what of Object.keys(probes())) expect(probe.log).toContain(`DENIED ${what}`);
    expect(probe.log).not.toContain('READ ');

    // Each sandbox has its own user; the bot's files were written for it alone.
    const probeDir = statSync(join(workRoot, 'probe'));
    const otherDir = statSync(join(workRoot, 'other'));
    expect(probeDir.uid).toBe(uid);
    expect(otherDir.uid).not.toBe(uid);
    expect(probeDir.mode & 0o777).toBe(0o700);
    expect(statSync(probe.appserver.workDir!).mode & 0o777).toBe(0o700);
    for (const name of ['vars.yml', 'sandbox.env']) {
      const file = statSync(join(probe.appserver.workDir!, name));
      expect([file.uid, file.mode & 0o777]).toEqual([uid, 0o600]);
    }
    expect(statSync(dataDir).mode & 0o077).toBe(0);
    expect(statSync(join(project, '.env')).mode & 0o077).toBe(0);
  }, 90_000);

  it('a log file the sandbox replaced with a link is read as the sandbox user: nothing of the link’s target is stored', async () => {
    const linker = await deploy('linker', 'acme/linker');
    expect(linker.log).not.toContain('canary-4711');
    // The sandbox broke its own log (its start phase cannot append to it), and nothing else.
    expect(linker.appserver.failureReason ?? '').not.toContain('canary-4711');
  }, 90_000);
});
