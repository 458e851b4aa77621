import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGitHubApp } from '../../src/cli/doctor-github';
import { configSchema } from '../../src/config/schema';
import { updateEnvFile } from '../../src/github/register-app';
import { localTokenFile } from '../../src/infra/local-token';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { testPrivateKey } from '../support/github-webhooks';
import { startWebOnlyBot, type WebOnlyBot } from '../support/web-only-bot';

let fake: FakeGitHub;
let t: WebOnlyBot;
let envFile: string;

beforeAll(async () => {
  fake = await startFakeGitHub();
  envFile = join(mkdtempSync(join(tmpdir(), 'sbx-env-')), '.env');
  writeFileSync(envFile, '# mine\nLOG_LEVEL=debug\n');
  t = await startWebOnlyBot('{}\n', { GHE_HOST: fake.host, GHE_PROTOCOL: 'http', SBX_ENV_FILE: envFile });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await fake?.stop();
});

const decode = (text: string) => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

describe('registering the GitHub App on a first start without credentials', () => {
  it('has no webhook endpoint until the App is configured', async () => {
    expect((await fetch(`${t.url}/api/github/webhooks`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  const setupCode = async () => readFileSync(join(t.config.data_dir, localTokenFile), 'utf8').trim();
  const enterCode = (code: string | null) =>
    fetch(`${t.url}/probot`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: code === null ? '' : new URLSearchParams({ setup_code: code }).toString(),
    });

  it('the setup code is the local operator token (a file in the data directory, mode 0600), and sbx doctor shows it', async () => {
    const code = await setupCode();
    expect(code).toMatch(/^[\w-]{32}$/);
    expect(statSync(join(t.config.data_dir, localTokenFile)).mode & 0o777).toBe(0o600);
    const [result] = await checkGitHubApp({
      config: configSchema.parse({ public_url: t.config.public_url, data_dir: t.config.data_dir }),
      database: t.database,
      env: {},
    });
    expect(result).toMatchObject({
      status: 'skip',
      hint: expect.stringContaining(`/probot and enter the setup code ${code}`),
    });
  });

  it('asks for the setup code first: without it, or with a wrong one, no manifest and no state are handed out', async () => {
    const first = await fetch(`${t.url}/probot`);
    expect(first.status).toBe(200);
    const form = await first.text();
    expect(form).toContain('name="setup_code"');
    expect(form).not.toContain('name="manifest"');
    for (const code of [null, 'WRONG-CODE-1234', (await setupCode()).slice(0, -1), (await setupCode()).toUpperCase()]) {
      const answer = await enterCode(code);
      expect(answer.status).toBe(403);
      const text = await answer.text();
      expect(text).not.toContain('name="manifest"');
      expect(text).not.toContain('state=');
    }
  });

  it('with the setup code, offers app.yml as a manifest, exchanges the code and stores the credentials in .env', async () => {
    const entered = await enterCode(await setupCode());
    expect(entered.status).toBe(200);
    const page = await entered.text();
    const action = decode(/<form method="post" action="([^"]+)"/.exec(page)![1]!);
    expect(action).toMatch(new RegExp(`^http://${fake.host}/settings/apps/new\\?state=[0-9a-f]{32}\\.[\\w-]{43}$`));
    const manifest = JSON.parse(decode(/name="manifest" value="([^"]+)"/.exec(page)![1]!)) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'Sandbox Bot',
      hook_attributes: { url: `${t.config.public_url}/api/github/webhooks` },
      redirect_url: `${t.config.public_url}/probot/setup`,
      default_events: ['pull_request', 'issue_comment', 'check_run'],
      default_permissions: {
        checks: 'write',
        pull_requests: 'write',
        issues: 'write',
        deployments: 'write',
        contents: 'read',
        metadata: 'read',
        members: 'read',
      },
    });

    const pem = testPrivateKey();
    fake.manifestConversions.set('code123', {
      id: 4242,
      slug: 'my-sandbox-bot',
      html_url: 'https://github.example/apps/my-sandbox-bot',
      pem,
      webhook_secret: 'whsec',
      client_id: 'Iv1.abc',
      client_secret: 'cs',
    });
    const state = new URL(action).searchParams.get('state')!;
    const answer = await fetch(`${t.url}/probot/setup?code=code123&state=${state}`, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('https://github.example/apps/my-sandbox-bot/installations/new');

    const text = readFileSync(envFile, 'utf8');
    expect(text.startsWith('# mine\nLOG_LEVEL=debug\n')).toBe(true);
    expect(parseEnv(text)).toMatchObject({
      LOG_LEVEL: 'debug',
      APP_ID: '4242',
      APP_SLUG: 'my-sandbox-bot',
      WEBHOOK_SECRET: 'whsec',
      PRIVATE_KEY: pem.trimEnd(),
      GITHUB_CLIENT_ID: 'Iv1.abc',
      GITHUB_CLIENT_SECRET: 'cs',
    });

    // A state is good for one registration only.
    expect((await fetch(`${t.url}/probot/setup?code=code123&state=${state}`)).status).toBe(400);
  });

  it('refuses a code without a state it handed out', async () => {
    expect((await fetch(`${t.url}/probot/setup?code=code123&state=forged`)).status).toBe(400);
    expect((await fetch(`${t.url}/probot/setup`)).status).toBe(400);
  });
});

describe('updateEnvFile', () => {
  it('replaces keys (multi-line values too) and keeps every other line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sbx-env-')), '.env');
    writeFileSync(
      file,
      'A=1\nPRIVATE_KEY="-----BEGIN X-----\nold\n-----END X-----\n"\n# note\nAPP_ID=1\nB="two words"\n',
    );
    updateEnvFile(file, { APP_ID: '7', PRIVATE_KEY: '-----BEGIN Y-----\nnew\n-----END Y-----\n' });
    const text = readFileSync(file, 'utf8');
    expect(parseEnv(text)).toEqual({
      A: '1',
      B: 'two words',
      APP_ID: '7',
      PRIVATE_KEY: '-----BEGIN Y-----\nnew\n-----END Y-----',
    });
    expect(text).toContain('# note');
    expect(text).not.toContain('old');
  });
});
