import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Instance } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { requestDeployment } from '../../src/core/operations/operations';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { logPieceBytes } from '../../src/core/provisioning/follow-appserver';

const actor: Actor = { surface: 'cli', id: 'tester' };
const capBytes = 64 * 1024;
// About 1.9 MB of deploy output, written at once: 30 times the cap.
const backlogLines = 40_000;
let repo: SampleRepo;
let t: TestBot;

beforeAll(async () => {
  repo = createSampleRepo();
  const workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
  const script = (deploy: string) => `
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
${deploy
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
      start: "exec node server.mjs"
      health_path: /healthz
      health_timeout: 4s`;
  t = await startTestBot(`
repositories:
  - name: acme/split
    url: ${repo.url}
    settings:
      API_TOKEN: tok-abcdef-9876
${script(
  [
    // Each secret is half written when the follower reads (it polls every 100 ms).
    "printf 'the token is tok-abc'; sleep 1; printf 'def-9876 ok\\n'",
    "printf 'password=hun'; sleep 1; printf 'ter2\\n'",
    "printf 'DATABASE_URL=postgres://app:pw'; sleep 1; printf 'xyz@db/app\\n'",
    'echo done',
  ].join('\n'),
)}
  - name: acme/chatty
    url: ${repo.url}
${script('for i in $(seq 1 4000); do echo "line $i of a chatty deploy, padded to about sixty bytes"; done\necho \'the last line\'')}
  - name: acme/backlog
    url: ${repo.url}
    settings:
      API_TOKEN: tok-abcdef-9876
${script(`seq -f 'backlog line %06g: the token is tok-abcdef-9876 ok' 1 ${backlogLines} > backlog.txt\ncat backlog.txt\necho 'the last line'`)}
compute:
  local:
    work_root: ${workRoot}
retention:
  log_max_bytes: ${capBytes}
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const store = () => t.bot.provisioning.store;

async function deploy(slug: string, repository: string): Promise<Instance> {
  const repoConfig = t.config.repositories.find((r) => r.name === repository)!;
  const instance = await createManualInstance(store(), {
    slug,
    repository: {
      name: repoConfig.name,
      url: repoConfig.url,
      defaultSettings: repoConfig.settings as never,
      defaultFields: repoConfig.fields,
      extraDomainPrefixes: [],
    },
    ref: 'main',
    settings: {},
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: t.config.base_domain,
    actor,
  });
  await requestDeployment({ store: store() }, instance, { actor });
  await waitFor(
    async () => ['running', 'failed', 'error'].includes((await store().findAppserver(instance.id, 1))?.state ?? ''),
    { timeoutMs: 30_000, what: `${slug} to deploy` },
  );
  return instance;
}

describe('following a deploy log with secrets split across reads', () => {
  it('stores no secret, whole or in halves, while the deploy writes it in two parts', async () => {
    const instance = await deploy('split', 'acme/split');
    const appserver = (await store().findAppserver(instance.id, 1))!;
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    const chunks = await store().readLog(appserver.id);
    const text = chunks.map((chunk) => chunk.content).join('');
    // The follower really read mid-secret: the lines were stored in more than one chunk.
    expect(chunks.length).toBeGreaterThan(1);
    expect(text).toContain('the token is *** ok\n');
    expect(text).toContain('password=***\n');
    expect(text).toContain('DATABASE_URL=postgres://app:***@db/app\n');
    for (const secret of ['tok-abcdef-9876', 'hunter2', 'pwxyz', 'tok-abc', 'def-9876'])
      expect(text).not.toContain(secret);
    expect(appserver.logDroppedBytes).toBe(0);
  }, 60_000);

  it('caps the stored log: the oldest chunks go, the tail stays, and the dropped bytes are counted', async () => {
    const instance = await deploy('chatty', 'acme/chatty');
    const appserver = (await store().findAppserver(instance.id, 1))!;
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    const chunks = await store().readLog(appserver.id);
    const text = chunks.map((chunk) => chunk.content).join('');
    // At least the last capBytes are kept, and at most one read more.
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(capBytes);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(capBytes + logPieceBytes(capBytes));
    expect(text).toContain('the last line\n');
    expect(text).not.toContain('line 1 of a chatty deploy');
    expect(appserver.logDroppedBytes).toBeGreaterThan(0);
    expect(appserver.logDroppedBytes).toBe(chunks[0]!.offset);
    expect(appserver.logDroppedBytes + Buffer.byteLength(text)).toBe(appserver.logOffset);
  }, 60_000);

  it('skips a backlog larger than the cap: stores its newest part from a line start, whole lines, redacted', async () => {
    const sequence = await t.database.pool.query<{ last: string }>(
      'select last_value::text as last from log_chunks_id_seq',
    );
    const idsBefore = Number(sequence.rows[0]!.last);
    const instance = await deploy('backlog', 'acme/backlog');
    const appserver = (await store().findAppserver(instance.id, 1))!;
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    const chunks = await store().readLog(appserver.id);
    const text = chunks.map((chunk) => chunk.content).join('');
    const written = readFileSync(join(appserver.workDir!, 'deploy.log'));
    const dropped = appserver.logDroppedBytes;
    expect(appserver.logOffset).toBe(written.length);
    // The marker counts the skipped bytes, and the stored log starts right after them, at a line start.
    expect(dropped).toBeGreaterThan(written.length - capBytes - logPieceBytes(capBytes));
    expect(chunks[0]!.offset).toBe(dropped);
    expect(written[dropped - 1]).toBe(0x0a);
    // Exactly the host's tail, each line whole and redacted: no secret or half of one got through.
    const expected = written.subarray(dropped).toString('utf8').replaceAll('tok-abcdef-9876', '***');
    expect(text).toBe(expected);
    expect(text).toMatch(/^backlog line \d{6}: the token is \*\*\* ok\n/);
    expect(text).toContain(
      `backlog line ${String(backlogLines).padStart(6, '0')}: the token is *** ok\nthe last line\n`,
    );
    for (const part of ['tok-abc', 'def-9876']) expect(text).not.toContain(part);
    // Skipped, not copied and then dropped: a copy of the whole backlog would insert one chunk per piece.
    const inserted =
      Math.max(
        ...(
          await t.database.pool.query<{ id: string }>('select id::text from log_chunks where appserver_id = $1', [
            appserver.id,
          ])
        ).rows.map((row) => Number(row.id)),
      ) - idsBefore;
    expect(inserted).toBeLessThan(written.length / logPieceBytes(capBytes) / 4);
  }, 60_000);
});
