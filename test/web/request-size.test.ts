import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { gitHubEnv, signBody, testPrivateKey, webhookSecret } from '../support/github-webhooks';
import { slackSignature } from '../support/slack-requests';
import { freePort, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';

const MB = 1000 * 1000;
const bodyBytes = 30 * MB;

let database: Database;
let github: FakeGitHub;
let slack: FakeSlack;
let bot: SbxProcess;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  github = await startFakeGitHub();
  slack = await startFakeSlack({ allow: ['auth.test'] });
  const dir = mkdtempSync(join(tmpdir(), 'sbx-size-'));
  writeFileSync(join(dir, 'sandbox.yml'), '{}\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The web process alone (no worker), as a real process: its memory is measured from outside.
  bot = spawnSbx(
    ['web'],
    {
      ...gitHubEnv(github.host, testPrivateKey()),
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'size-test-secret',
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: database.url,
      PORT: String(port),
      SBX_DATA_DIR: join(dir, 'data'),
      SBX_ENV_FILE: join(dir, 'no.env'),
      LOG_LEVEL: 'warn',
    },
    dir,
  );
  await waitForStatus(`${base}/healthz`, 200, 60_000);
  // Slack answers 503 until auth.test has passed.
  for (let i = 0; i < 100 && (await fetch(`${base}/slack/events`, { method: 'POST', body: '' })).status === 503; i += 1)
    await new Promise((resolve) => setTimeout(resolve, 100));
}, 90_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await github?.stop();
  await database?.close();
});

/** Starts the peak (VmHWM) over from the current RSS (Linux: `5` in clear_refs). */
function resetPeak(): void {
  writeFileSync(`/proc/${bot.child.pid}/clear_refs`, '5');
}

/** VmRSS and VmHWM (the peak since resetPeak) of the bot process, in bytes. */
function memory(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${bot.child.pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * Streams a 30 MB body (with or without Content-Length) and stops sending as
 * soon as the answer arrives; resolves with its status and how long it took.
 */
function upload(
  path: string,
  headers: Record<string, string>,
  declared: boolean,
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let answered = false;
    const req = request(
      `${base}${path}`,
      { method: 'POST', headers: { ...headers, ...(declared ? { 'content-length': String(bodyBytes) } : {}) } },
      (res) => {
        answered = true;
        const ms = performance.now() - started;
        res.resume();
        req.destroy();
        resolve({ status: res.statusCode!, ms });
      },
    );
    // Once the bot has answered and closed the connection, writing fails: expected.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const timer = setTimeout(() => req.destroy(new Error(`no answer to ${path} within 10 s`)), 10_000);
    req.on('close', () => clearTimeout(timer));
    let sent = 0;
    const pump = () => {
      while (!answered && !req.destroyed && sent < bodyBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      if (sent >= bodyBytes && !answered && !req.destroyed) req.end();
    };
    pump();
  });
}

const now = () => String(Math.floor(Date.now() / 1000));
const endpoints: [string, string, Record<string, string>][] = [
  [
    'GitHub webhooks (signed as far as headers go)',
    '/api/github/webhooks',
    {
      'content-type': 'application/json',
      'x-github-event': 'issue_comment',
      'x-github-delivery': 'big-1',
      'x-hub-signature-256': signBody('{}', webhookSecret),
    },
  ],
  [
    'Slack events',
    '/slack/events',
    {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': slackSignature('size-test-secret', Number(now()), ''),
      'x-slack-request-timestamp': now(),
    },
  ],
  ['a form (sign-out)', '/auth/sign-out', { 'content-type': 'application/x-www-form-urlencoded' }],
];

describe('oversized request bodies, against a real bot process', () => {
  it('a signed small delivery still goes through (the body is read, verified and recorded)', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const answer = await fetch(`${base}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': 'small-1',
        'x-hub-signature-256': signBody(body, webhookSecret),
      },
      body,
    });
    expect(answer.status).toBe(200);
    expect(
      (await database.pool.query('select body_digest from webhook_deliveries where delivery_id = $1', ['small-1']))
        .rows,
    ).toMatchObject([{ body_digest: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('answers 30 MB bodies, declared or chunked, with 413 within a second; the process grows by less than 50 MB', async () => {
    resetPeak();
    const before = memory();
    const results: { what: string; status: number; ms: number }[] = [];
    for (const [what, path, headers] of endpoints) {
      for (const declared of [true, false]) {
        const answer = await upload(path, headers, declared);
        results.push({ what: `${what}, ${declared ? 'Content-Length' : 'chunked'}`, ...answer });
      }
    }
    // Any other path: refused on the declared length alone, before routing.
    results.push({
      what: 'an unknown path, Content-Length',
      ...(await upload('/nowhere', { 'content-type': 'application/json' }, true)),
    });
    const after = memory();
    console.info(
      JSON.stringify({
        results,
        rssBeforeMB: before.rss / MB,
        rssAfterMB: after.rss / MB,
        peakBeforeMB: before.peak / MB,
        peakGrowthMB: (after.peak - before.rss) / MB,
      }),
    );
    for (const result of results) {
      expect(result, result.what).toMatchObject({ status: 413 });
      expect(result.ms, result.what).toBeLessThan(1_000);
    }
    // The peak includes garbage not yet collected (discarded chunks); what stays must be small.
    expect(after.peak - before.rss).toBeLessThan(80 * MB);
    expect(after.rss - before.rss).toBeLessThan(50 * MB);
    // Still serving.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
