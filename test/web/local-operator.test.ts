import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenFile } from '../../src/infra/local-token';
import { runSbx } from '../support/spawn-sbx';
import { startWebOnlyBot, type WebOnlyBot } from '../support/web-only-bot';
import { requestText, type TextAnswer } from '../support/http-request';

/*
 * Issue 17: right after `npm start`, with no sign-in configured, the person
 * at the machine signs in with the link the bot prints (a token in the data
 * directory) and sees everything; `sbx auth local --rotate` ends it.
 */

let t: WebOnlyBot;
beforeAll(async () => {
  t = await startWebOnlyBot('{}\n', {});
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

const token = () => readFileSync(join(t.config.data_dir, localTokenFile), 'utf8').trim();
const port = () => t.bot.port!;

/** A GET with a Host header of our choosing (fetch does not let a test set it). */
function get(path: string, headers: Record<string, string> = {}): Promise<TextAnswer> {
  return requestText({ host: '127.0.0.1', port: port(), path, headers: { host: `localhost:${port()}`, ...headers } });
}

const cookieOf = (answer: { headers: Record<string, string | string[] | undefined> }) =>
  String((answer.headers['set-cookie'] as string[])[0]).split(';')[0]!;

describe('the local operator', () => {
  it('signed out, pages point at the local link instead of a GitHub button that leads to a 503; a favicon is served', async () => {
    const dashboard = await get('/');
    expect(dashboard.body).toContain('Sign in with the local link the bot printed at start');
    expect(dashboard.body).not.toContain('Sign in with GitHub</a>');
    expect(dashboard.body).toContain('<link rel="icon" href="/favicon.svg"');
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const icon = await get(path);
      expect(icon.status).toBe(200);
      expect(icon.headers['content-type']).toBe('image/svg+xml');
      expect(icon.body).toContain('<svg');
    }
  });

  it('the token lives in the data directory, mode 0600', () => {
    expect(token()).toMatch(/^[\w-]{32}$/);
    expect(statSync(join(t.config.data_dir, localTokenFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong token and any other origin (a sandbox domain, a rebound name)', async () => {
    expect((await get('/auth/local?token=wrong')).status).toBe(403);
    expect((await get('/auth/local')).status).toBe(403);
    for (const host of [`pr1-app.sandbox.example:${port()}`, `evil.example:${port()}`]) {
      const refused = await get(`/auth/local?token=${token()}`, { host });
      expect(refused.status).toBe(403);
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
  });

  it('the link signs in as the local operator with every permission, until the token is rotated', async () => {
    const signIn = await get(`/auth/local?token=${token()}`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/');
    expect(signIn.headers['referrer-policy']).toBe('no-referrer');
    const cookie = cookieOf(signIn);
    const dashboard = await get('/', { cookie });
    expect(dashboard.body).toContain('Signed in as <strong>local-operator</strong>');
    expect(dashboard.body).toContain('Recent activity');
    const audit = await t.database.pool.query(
      `select actor, result from audit_events where action = 'sign_in' order by id`,
    );
    expect(audit.rows.at(-1)).toEqual({ actor: 'local-operator', result: 'ok' });

    const old = token();
    const rotated = await runSbx(['auth', 'local', '--rotate', '--json'], {
      SBX_DATA_DIR: t.config.data_dir,
      PORT: String(port()),
    });
    expect(rotated.code).toBe(0);
    const answer = JSON.parse(rotated.stdout) as { url: string; token: string };
    expect(answer.token).not.toBe(old);
    expect(answer.url).toBe(`http://localhost:${port()}/auth/local?token=${answer.token}`);
    expect(statSync(join(t.config.data_dir, localTokenFile)).mode & 0o777).toBe(0o600);

    // the running bot sees the new token at once: the old session and the old link are over
    expect((await get('/', { cookie })).body).not.toContain('Signed in as');
    expect((await get(`/auth/local?token=${old}`)).status).toBe(403);
    expect((await get(`/auth/local?token=${answer.token}`)).status).toBe(303);
  });
});
