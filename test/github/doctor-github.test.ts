import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorChecks } from '../../src/cli/commands/doctor';
import { checkGitHubApp } from '../../src/cli/doctor-github';
import { configSchema } from '../../src/config/schema';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { testPrivateKey } from '../support/github-webhooks';

let fake: FakeGitHub;
const key = testPrivateKey();

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepo('acme/app', 7);
});

afterAll(async () => {
  await fake.stop();
});

const check = (github: Record<string, unknown>, repositories: string[] = []) =>
  checkGitHubApp({
    config: configSchema.parse({
      github: { ghe_host: fake.host, ghe_protocol: 'http', ...github },
      repositories: repositories.map((name) => ({ name })),
    }),
    database: null,
    env: {},
  });
const credentials = { app_id: '1', private_key: key, webhook_secret: 's' };

describe('sbx doctor: GitHub App', () => {
  it('is one of the doctor checks', () => {
    expect(doctorChecks).toContain(checkGitHubApp);
  });

  it('skips when the App is off, saying how to register it', async () => {
    expect(await check({})).toEqual([
      {
        check: 'GitHub App credentials',
        status: 'skip',
        detail: 'the GitHub App is off',
        hint: expect.stringContaining('/probot'),
      },
    ]);
  });

  it('names what is missing from a partial configuration', async () => {
    expect(await check({ app_id: '1' })).toMatchObject([
      { status: 'fail', detail: 'missing PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET' },
    ]);
  });

  it('fails on a private key that is not a key', async () => {
    expect(await check({ ...credentials, private_key: 'not a key' })).toMatchObject([
      { status: 'fail', detail: expect.stringContaining('PRIVATE_KEY is not a PEM private key') },
    ]);
  });

  it('passes when GitHub accepts the App and it is installed on every repository; fails for a repository without it', async () => {
    const results = await check(credentials, ['acme/app', 'acme/other']);
    expect(results).toEqual([
      { check: 'GitHub App credentials', status: 'ok', detail: `app sandbox-bot (id 1) on http://${fake.host}/api/v3` },
      { check: 'GitHub App on acme/app', status: 'ok', detail: 'installed (installation 7)' },
      {
        check: 'GitHub App on acme/other',
        status: 'fail',
        detail: 'the App is not installed on this repository',
        hint: expect.stringContaining('installations/new'),
      },
    ]);
  });

  it('fails with a hint when GitHub refuses the App’s JWT', async () => {
    fake.rejectAppJwt = true;
    try {
      expect(await check(credentials, ['acme/app'])).toMatchObject([
        {
          status: 'fail',
          detail: 'GitHub refused the App’s JWT (401)',
          hint: expect.stringContaining('different Apps'),
        },
      ]);
    } finally {
      fake.rejectAppJwt = false;
    }
  });

  it('fails when GitHub cannot be reached', async () => {
    const results = await checkGitHubApp({
      config: configSchema.parse({ github: { ...credentials, ghe_host: '127.0.0.1:9', ghe_protocol: 'http' } }),
      database: null,
      env: {},
    });
    expect(results).toMatchObject([
      { status: 'fail', detail: expect.stringContaining('cannot reach GitHub at http://127.0.0.1:9/api/v3') },
    ]);
  });
});
