import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorChecks } from '../../src/cli/commands/doctor';
import { checkSlackTokens } from '../../src/cli/doctor-slack';
import { configSchema } from '../../src/config/schema';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../support/database';
import { runSbx } from '../support/spawn-sbx';

let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack({ allow: ['auth.test', 'apps.connections.open'] });
});

afterAll(async () => {
  await fake.close();
});

const check = (slack: Record<string, unknown>) =>
  checkSlackTokens({ config: configSchema.parse({ slack }), database: null, env: {} });

describe('sbx doctor: Slack tokens', () => {
  it('is one of the doctor checks', () => {
    expect(doctorChecks).toContain(checkSlackTokens);
  });

  it('skips when Slack is off, saying what to set', async () => {
    expect(await check({})).toEqual([
      { check: 'Slack token', status: 'skip', detail: expect.stringContaining('Slack is off: set SLACK_BOT_TOKEN') },
    ]);
  });

  it('passes when auth.test accepts the bot token', async () => {
    const results = await check({ bot_token: 'xoxb-good', signing_secret: 's', api_url: fake.apiUrl });
    expect(results).toEqual([
      { check: 'Slack token', status: 'ok', detail: 'auth.test: sandbox-bot in Test (HTTP at /slack/events)' },
    ]);
    expect(fake.callsTo('auth.test').at(-1)?.token).toBe('xoxb-good');
  });

  it('checks the app token too in Socket Mode', async () => {
    const results = await check({ bot_token: 'xoxb-good', app_token: 'xapp-good', api_url: fake.apiUrl });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['Slack token', 'ok'],
      ['Slack app token', 'ok'],
    ]);
    expect(fake.callsTo('apps.connections.open').at(-1)?.token).toBe('xapp-good');
  });

  it('fails with a hint when Slack refuses the token', async () => {
    fake.failNext('auth.test', 'invalid_auth');
    expect(await check({ bot_token: 'xoxb-bad', signing_secret: 's', api_url: fake.apiUrl })).toEqual([
      {
        check: 'Slack token',
        status: 'fail',
        detail: 'Slack refused SLACK_BOT_TOKEN: invalid_auth',
        hint: expect.stringContaining('the token is wrong or was revoked'),
      },
    ]);
  });

  it('fails when Slack cannot be reached', async () => {
    const [result] = await check({ bot_token: 'xoxb-x', signing_secret: 's', api_url: 'http://127.0.0.1:9/api/' });
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot reach Slack at http://127.0.0.1:9/api/'),
    });
  });

  it('makes `sbx doctor` exit non-zero on a refused token', async () => {
    fake.failNext('auth.test', 'token_revoked');
    const database = await createTestDatabase();
    try {
      const doctor = await runSbx(['doctor', '--json'], {
        DATABASE_URL: database.url,
        SBX_DATA_DIR: mkdtempSync(join(tmpdir(), 'sbx-doctor-')),
        SLACK_BOT_TOKEN: 'xoxb-revoked',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: fake.apiUrl,
      });
      const report = JSON.parse(doctor.stdout) as {
        ok: boolean;
        checks: { check: string; status: string; detail: string }[];
      };
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([
        expect.objectContaining({ check: 'Slack token', detail: 'Slack refused SLACK_BOT_TOKEN: token_revoked' }),
      ]);
      expect(doctor.code).toBe(1);
    } finally {
      await database.close();
    }
  });
});
