import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { testPrivateKey } from '../support/github-webhooks';
import { freePort, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';

/**
 * The register-the-app flow keeps nothing in one process's memory: it is started on one `sbx web` and
 * finished on another (as behind a round-robin load balancer), here two "machines" that share only the
 * database and the local operator token (SBX_LOCAL_TOKEN), each with its own data directory and .env.
 */
describe('registering the GitHub App across two web processes', () => {
  const token = 'replica-shared-local-token-0123456789';
  let fake: FakeGitHub;
  let database: Database;
  let dir: string;
  const webs: { url: string; envFile: string; process: SbxProcess }[] = [];

  beforeAll(async () => {
    fake = await startFakeGitHub();
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sbx-register-replicas-'));
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const envFile = join(dir, name, '.env');
      const process = spawnSbx(
        ['web'],
        {
          DATABASE_URL: database.url,
          SBX_DATA_DIR: join(dir, name, 'data'),
          SBX_LOCAL_TOKEN: token,
          SBX_ENV_FILE: envFile,
          PORT: String(port),
          GHE_HOST: fake.host,
          GHE_PROTOCOL: 'http',
          LOG_LEVEL: 'warn',
        },
        dir,
      );
      webs.push({ url: `http://127.0.0.1:${port}`, envFile, process });
    }
    await Promise.all(webs.map((web) => waitForStatus(`${web.url}/healthz`, 200, 120_000)));
  }, 180_000);

  afterAll(async () => {
    for (const web of webs) await web.process.stop('SIGTERM');
    await database?.close();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stateFrom = async (url: string) => {
    const answer = await fetch(`${url}/probot`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ setup_code: token }).toString(),
    });
    expect(answer.status).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(await answer.text())![1]!.replaceAll('&amp;', '&');
    return new URL(action).searchParams.get('state')!;
  };

  it('a state handed out by one process is completed by the other, once', async () => {
    const [a, b] = webs as [(typeof webs)[0], (typeof webs)[0]];
    const pem = testPrivateKey();
    fake.manifestConversions.set('code-replicas', {
      id: 777,
      slug: 'replica-bot',
      html_url: 'https://github.example/apps/replica-bot',
      pem,
      webhook_secret: 'whsec-replicas',
    });
    const state = await stateFrom(a.url);

    const finished = await fetch(`${b.url}/probot/setup?code=code-replicas&state=${state}`, { redirect: 'manual' });
    expect(finished.status).toBe(302);
    expect(finished.headers.get('location')).toBe('https://github.example/apps/replica-bot/installations/new');
    expect(parseEnv(readFileSync(b.envFile, 'utf8'))).toMatchObject({
      APP_ID: '777',
      WEBHOOK_SECRET: 'whsec-replicas',
    });
    expect(existsSync(a.envFile)).toBe(false);

    // Used once anywhere is used everywhere: neither process takes it again.
    for (const web of [a, b]) {
      const again = await fetch(`${web.url}/probot/setup?code=code-replicas&state=${state}`, { redirect: 'manual' });
      expect(again.status).toBe(400);
    }
    expect(fake.callsTo('POST', /^\/app-manifests\/code-replicas\/conversions$/)).toHaveLength(1);
    expect(fake.unexpected).toEqual([]);
  });

  it('refuses a state signed with another token on either process', async () => {
    const state = await stateFrom(webs[0]!.url);
    const [nonce] = state.split('.');
    const forged = `${nonce}.${'A'.repeat(43)}`;
    for (const web of webs) {
      const answer = await fetch(`${web.url}/probot/setup?code=code-replicas&state=${forged}`, { redirect: 'manual' });
      expect(answer.status).toBe(400);
    }
  });
});
