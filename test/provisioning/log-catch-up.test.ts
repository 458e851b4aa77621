import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { logCatchUpBytes, logPieceBytes } from '../../src/core/provisioning/follow-appserver';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

const actor: Actor = { surface: 'cli', id: 'tester' };
// A cap larger than the part of a burst the follower keeps, and a burst of about 60 MB: twice the cap.
const capBytes = 32 * 1024 * 1024;
const burstLines = 1_100_000;
let repo: SampleRepo;
let t: TestBot;

beforeAll(async () => {
  repo = createSampleRepo();
  const workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
  t = await startTestBot(`
repositories:
  - name: acme/burst
    url: ${repo.url}
    settings:
      API_TOKEN: tok-abcdef-9876
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        echo 'before the burst'
        seq -f 'burst line %08.0f: the token is tok-abcdef-9876 ok' 1 ${burstLines} > burst.txt
        cat burst.txt
        rm burst.txt
        echo 'the last line'
      start: "exec node server.mjs"
      health_path: /healthz
      health_timeout: 4s
retention:
  log_max_bytes: ${capBytes}
compute:
  local:
    work_root: ${workRoot}
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('a burst of output larger than the log cap', () => {
  it('keeps only its newest part, from a line start, whole lines redacted, and everything after it', async () => {
    const store = t.bot.provisioning.store;
    const catchUp = logCatchUpBytes(capBytes);
    // The case this file is about: the part kept is smaller than the cap.
    expect(catchUp).toBeLessThan(capBytes / 2);
    const instance = await createConfiguredSandbox(t, 'burst', 'acme/burst');
    await requestDeployment({ store }, instance, { actor });
    await waitFor(
      async () => ['running', 'failed', 'error'].includes((await store.findAppserver(instance.id, 1))?.state ?? ''),
      { timeoutMs: 60_000, what: 'the burst to deploy' },
    );
    const appserver = (await store.findAppserver(instance.id, 1))!;
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    const written = readFileSync(join(appserver.workDir!, 'deploy.log'));
    expect(written.length).toBeGreaterThan(capBytes * 1.5);
    expect(appserver.logOffset).toBe(written.length);

    const chunks = await store.readLog(appserver.id);
    const text = chunks.map((chunk) => chunk.content).join('');
    const dropped = appserver.logDroppedBytes;
    // The marker counts the skipped bytes; the stored log starts right after them, at a line start.
    expect(chunks[0]!.offset).toBe(dropped);
    expect(written[dropped - 1]).toBe(0x0a);
    // The newest catch-up part at least (one line may straddle its start), and less than the newest cap's
    // worth a full copy keeps: the follower copies far slower than `cat` writes, so it is never more than
    // 1.25× the catch-up part behind once the burst outran the cap (it skips again beyond that).
    const stored = written.length - dropped;
    expect(stored).toBeGreaterThanOrEqual(catchUp - 100);
    expect(stored).toBeLessThan(capBytes - logPieceBytes(capBytes));
    // Exactly the host's tail, redacted: no secret or half of one got through, nothing after the burst lost.
    expect(text).toBe(written.subarray(dropped).toString('utf8').replaceAll('tok-abcdef-9876', '***'));
    expect(text).toMatch(/^burst line \d{8}: the token is \*\*\* ok\n/);
    expect(text).toContain(`burst line ${String(burstLines).padStart(8, '0')}: the token is *** ok\nthe last line\n`);
    expect(text).not.toContain('tok-abc');
    expect(text).not.toContain('before the burst');
  }, 90_000);
});
