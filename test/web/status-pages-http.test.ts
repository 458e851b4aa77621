import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/model';
import { createSampleRepo } from '../support/sample-repo';
import { csrfFrom, seedInstance, signIn, startStatusBot, type StatusBot } from '../support/status-bot';
import { waitFor } from '../support/wait-for';

const planted = { webhook: 'whsec-planted-123', db: 's3cret-db-password' };
const alice = { login: 'alice', memberOf: ['acme'] };
const olivia = { login: 'olivia', memberOf: ['acme', 'acme/ops'] };
let t: StatusBot;
let demo: Instance;
let aliceCookie: string;

beforeAll(async () => {
  const repo = createSampleRepo();
  t = await startStatusBot(
    `
repositories:
  - name: acme/sample
    url: ${repo.url}
    settings:
      DB_PASSWORD: ${planted.db}
      GREETING: hello from the defaults
    fields:
      openedx_release: open-release/redwood.1
    script:
      deploy: "false"
      start: exec node server.mjs
web:
  auth:
    orgs: [acme]
    permissions:
      archive: [acme/ops]
`,
    { WEBHOOK_SECRET: planted.webhook },
  );
  ({ instance: demo } = await seedInstance(t, {
    slug: 'demo',
    settings: { NOTE: `do not print ${planted.webhook}`, EDXAPP: { API_TOKEN: 'tok-abcdef-123456', LANGUAGE: 'fr' } },
    appservers: [
      { state: 'running' },
      { state: 'failed', failureReason: `deploy phase exited with status 2; last lines:\nusing ${planted.webhook}` },
      { state: 'running' },
    ],
    active: 3,
  }));
  aliceCookie = await signIn(t, alice);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

afterEach(() => {
  expect(t.github.unexpected).toEqual([]);
});

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
const post = (path: string, form: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(form),
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
  });
const decode = (markup: string) => markup.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
/** Slugs in the dashboard's sandbox table, in order. */
const listed = (markup: string) =>
  [...(markup.split('<h2 id="jobs">')[0] ?? '').matchAll(/<tr><td><a href="\/sandboxes\/([^"]+)">/g)].map((m) => m[1]);
const expectNoSecrets = (text: string) => {
  for (const secret of [
    planted.webhook,
    planted.db,
    'tok-abcdef-123456',
    t.github.clientSecret,
    readFileSync(join(t.config.data_dir, 'session-secret'), 'utf8').trim(),
  ])
    expect(text).not.toContain(secret);
};

describe('signed out', () => {
  it('the instance page shows only the state and the domains', async () => {
    const answer = await get('/sandboxes/demo');
    expect(answer.status).toBe(200);
    const markup = await answer.text();
    expect(markup).toContain('demo.localhost');
    expect(markup).toMatch(/class="badge ok">running</);
    expect(markup).toContain('Sign in with GitHub');
    for (const hidden of ['GREETING', 'openedx_release', 'Deploy log', 'AppServers', '<form', 'log.txt', 'acme/sample'])
      expect(markup).not.toContain(hidden);
    expectNoSecrets(markup);
  });

  it('the dashboard lists sandboxes with state and domain, and nothing about jobs, hosts or activity', async () => {
    const markup = await (await get('/')).text();
    expect(markup).toContain('href="/sandboxes/demo"');
    expect(markup).toMatch(/GitHub App<\/td><td class="warn">off/);
    for (const hidden of ['Running jobs', 'Hosts', 'Recent activity', 'acme/sample#'])
      expect(markup).not.toContain(hidden);
  });

  it('logs, streams and actions are refused', async () => {
    expect((await get('/sandboxes/demo/appservers/1/log.txt')).status).toBe(403);
    expect((await get('/sandboxes/demo/appservers/1/log/stream')).status).toBe(403);
    const refused = await post('/sandboxes/demo/redeploy', { _csrf: 'x' });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('Sign in first');
  });

  it('unknown sandboxes and appservers are 404s, unknown paths too', async () => {
    expect((await get('/sandboxes/nope')).status).toBe(404);
    expect((await get('/sandboxes/demo/appservers/9/log.txt', aliceCookie)).status).toBe(404);
    expect((await get('/sandboxes/demo/appservers/x/log.txt', aliceCookie)).status).toBe(404);
    expect((await get('/nothing/here')).status).toBe(404);
    expect((await post('/sandboxes/nope/redeploy', {})).status).toBe(401);
  });
});

describe('sign-in with GitHub', () => {
  it('sends the browser to GitHub with state, and back with an HttpOnly, SameSite=Lax session cookie', async () => {
    const start = await get('/auth/sign-in?return_to=/sandboxes/demo');
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location')!);
    expect(`${location.host}${location.pathname}`).toBe(`${t.github.host}/login/oauth/authorize`);
    expect(location.searchParams.get('client_id')).toBe(t.github.clientId);
    expect(location.searchParams.get('redirect_uri')).toBe(`${t.url}/auth/callback`);
    expect(location.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    t.github.signInAs(alice);
    const back = await fetch(location, { redirect: 'manual' });
    const callback = await get(
      new URL(back.headers.get('location')!).pathname + new URL(back.headers.get('location')!).search,
      start.headers.getSetCookie()[0]!.split(';')[0],
    );
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/sandboxes/demo');
    const session = callback.headers.getSetCookie().find((cookie) => cookie.startsWith('sbx_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/);
  });

  it('refuses people outside the configured orgs and teams, and audits it', async () => {
    await expect(signIn(t, { login: 'mallory', memberOf: ['evil-corp'] })).rejects.toThrow(
      /HTTP 403.*mallory is not an active member of acme/s,
    );
    const audit = await t.database.pool.query(`select actor, action, result from audit_events where actor = 'mallory'`);
    expect(audit.rows).toEqual([{ actor: 'mallory', action: 'sign_in', result: 'refused' }]);
  });

  it('rejects a callback whose state does not match the browser’s sign-in cookie', async () => {
    const start = await get('/auth/sign-in');
    const cookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await get('/auth/callback?code=abc&state=forged', cookie)).status).toBe(400);
    expect(
      (await get(`/auth/callback?code=abc&state=${new URL(start.headers.get('location')!).searchParams.get('state')}`))
        .status,
    ).toBe(400);
  });

  it('a tampered session cookie counts as signed out; return_to never leaves the site', async () => {
    const [name, value] = aliceCookie.split('=') as [string, string];
    const tampered = `${name}=${value.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}`;
    expect(await (await get('/sandboxes/demo', tampered)).text()).not.toContain('GREETING');
    const start = await get('/auth/sign-in?return_to=//evil.example/x');
    t.github.signInAs(alice);
    const back = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = await fetch(back.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: start.headers.getSetCookie()[0]!.split(';')[0]! },
    });
    expect(callback.headers.get('location')).toBe('/');
  });

  it('keeps its generated session secret in the data directory, readable by the owner only', () => {
    expect(statSync(join(t.config.data_dir, 'session-secret')).mode & 0o777).toBe(0o600);
  });

  it('signs out with a POST carrying the CSRF token', async () => {
    const cookie = await signIn(t, alice);
    const markup = await (await get('/', cookie)).text();
    expect((await post('/auth/sign-out', {}, cookie)).status).toBe(403);
    const out = await post('/auth/sign-out', { _csrf: csrfFrom(markup) }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()[0]).toMatch(/^sbx_session=; .*Max-Age=0/);
  });
});

describe('signed in', () => {
  it('the instance page shows everything, with secrets masked, gzipped for the wire', async () => {
    const answer = await get('/sandboxes/demo', aliceCookie, { 'accept-encoding': 'gzip' });
    expect(answer.headers.get('content-encoding')).toBe('gzip');
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const markup = decode(await answer.text());
    expect(markup).toContain('Signed in as <strong>alice</strong>');
    expect(markup).toContain('GREETING: hello from the defaults');
    expect(markup).toContain('DB_PASSWORD: "***"');
    expect(markup).toContain('API_TOKEN: "***"');
    expect(markup).toContain('NOTE: do not print ***');
    expect(markup).toContain('open-release/redwood.1');
    expect(markup).toContain('ephemeral');
    expect(markup).toMatch(/<tr id="appserver-3">.*data-active="true"/s);
    expect(markup).toContain('aria-label="Activate appserver 1"');
    expect(markup).not.toContain('aria-label="Activate appserver 2"');
    expect(markup).toContain('using ***');
    expect(markup).toContain('>Redeploy</button>');
    expect(markup).not.toContain('>Archive</button>');
    expect(markup).toContain('href="http://demo.localhost:');
    expectNoSecrets(markup);
  });

  it('the dashboard filters and searches, and shows jobs, hosts and recent activity', async () => {
    await seedInstance(t, { slug: 'other', appservers: [{ state: 'failed' }] });
    const all = await (await get('/', aliceCookie)).text();
    expect(listed(all)).toEqual(['other', 'demo']);
    for (const section of ['Running jobs', 'Failed jobs', 'Hosts', 'Recent activity', 'local'])
      expect(all).toContain(section);
    expect(listed(await (await get('/?state=failed', aliceCookie)).text())).toEqual(['other']);
    expect(listed(await (await get('/?q=dem', aliceCookie)).text())).toEqual(['demo']);
    expect(await (await get('/?kind=pr', aliceCookie)).text()).toContain('No sandbox matches these filters');
    expect(listed(await (await get('/?repository=acme/sample&archived=all&kind=manual', aliceCookie)).text())).toEqual([
      'other',
      'demo',
    ]);
    expect(listed(await (await get('/?archived=yes', aliceCookie)).text())).toEqual([]);
    expectNoSecrets(all);
  });

  it('links the pull request of a PR sandbox', async () => {
    await t.store.updateInstance(demo.id, {
      prRepo: 'acme/sample',
      prNumber: 42,
      prUrl: 'https://github.com/acme/sample/pull/42',
      prAuthor: 'octocat',
    });
    const markup = await (await get('/sandboxes/demo', aliceCookie)).text();
    expect(markup).toContain('<a href="https://github.com/acme/sample/pull/42">acme/sample#42</a> by @octocat');
    expect(await (await get('/', aliceCookie)).text()).toContain(
      'acme/sample#42</a> <span class="muted">@octocat</span>',
    );
  });

  it('the dashboard shows a job that failed, with its error', async () => {
    const failedAppserver = (await t.store.listAppservers(demo.id)).find((a) => a.number === 2)!;
    await t.store.enqueue('activate_appserver', { appserverId: failedAppserver.id }, { maxAttempts: 1 });
    await waitFor(
      async () =>
        (
          await t.database.pool.query(
            `select 1 from graphile_worker.jobs where task_identifier = 'activate_appserver' and attempts >= max_attempts and locked_at is null and last_error is not null`,
          )
        ).rowCount === 1,
      { timeoutMs: 10_000, what: 'the job to fail' },
    );
    const markup = decode(await (await get('/', aliceCookie)).text());
    expect(markup).toMatch(/<td>activate_appserver<\/td>.*failed<\/span> after 1 attempts/s);
    expect(markup).toContain('cannot activate appserver 2 of demo: it is failed');
  });

  it('serves the live-log script as a cacheable asset', async () => {
    const answer = await get('/assets/live-log.js');
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toContain('max-age');
    expect(await answer.text()).toContain('new EventSource(pre.dataset.stream)');
  });

  it('log.txt is the whole stored log, redacted', async () => {
    const [first] = await t.store.listAppservers(demo.id);
    await t.store.appendLog(first!.id, 0, `line one\nthe secret is ${planted.webhook}\n`, 40);
    await t.store.appendLog(first!.id, 40, 'line three\n', 51);
    const answer = await get('/sandboxes/demo/appservers/1/log.txt', aliceCookie);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await answer.text()).toBe('line one\nthe secret is ***\nline three\n');
  });
});

describe('actions', () => {
  const form = async (cookie: string) => csrfFrom(await (await get('/sandboxes/demo', cookie)).text());

  it('refuse a missing or wrong CSRF token and a cross-site Origin', async () => {
    expect((await post('/sandboxes/demo/redeploy', {}, aliceCookie)).status).toBe(403);
    expect((await post('/sandboxes/demo/redeploy', { _csrf: 'forged' }, aliceCookie)).status).toBe(403);
    const other = await signIn(t, alice);
    expect((await post('/sandboxes/demo/redeploy', { _csrf: await form(other) }, aliceCookie)).status).toBe(403);
    expect(
      (
        await post('/sandboxes/demo/redeploy', { _csrf: await form(aliceCookie) }, aliceCookie, {
          origin: 'https://evil.example',
        })
      ).status,
    ).toBe(403);
    const deployments = await t.store.listDeployments(demo.id);
    expect(deployments.filter((d) => d.surface === 'web')).toEqual([]);
  });

  it('activate calls the core operation, audits it with the GitHub login and redirects back', async () => {
    const answer = await post(
      '/sandboxes/demo/appservers/1/activate',
      { _csrf: await form(aliceCookie) },
      aliceCookie,
      { origin: t.url },
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/sandboxes/demo?done=activate&n=1');
    const audit = await t.database.pool.query(
      `select actor, surface, action, result, detail from audit_events where action = 'activate' and actor = 'alice'`,
    );
    // the event names the job whose final outcome completes it
    expect(audit.rows).toEqual([
      {
        actor: 'alice',
        surface: 'web',
        action: 'activate',
        result: 'ok',
        detail: { appserver: 1, jobId: expect.stringMatching(/^\d+$/) },
      },
    ]);
    expect(await (await get(answer.headers.get('location')!, aliceCookie)).text()).toContain(
      'Activation of appserver 1 requested',
    );
  });

  it('activating an appserver that is not running is a conflict with the reason', async () => {
    const answer = await post('/sandboxes/demo/appservers/2/activate', { _csrf: await form(aliceCookie) }, aliceCookie);
    expect(answer.status).toBe(409);
    expect(await answer.text()).toContain('appserver 2 of demo is failed; only a running appserver can be activated');
    expect(
      (await post('/sandboxes/demo/appservers/7/activate', { _csrf: await form(aliceCookie) }, aliceCookie)).status,
    ).toBe(404);
  });

  it('respect web.auth.permissions, and audit refusals', async () => {
    const refused = await post('/sandboxes/demo/archive', { _csrf: await form(aliceCookie) }, aliceCookie);
    expect(refused.status).toBe(403);
    const audit = await t.database.pool.query(
      `select actor, action, result from audit_events where action = 'archive'`,
    );
    expect(audit.rows).toEqual([{ actor: 'alice', action: 'archive', result: 'refused' }]);
    const oliviaCookie = await signIn(t, olivia);
    const page = await (await get('/sandboxes/other', oliviaCookie)).text();
    expect(page).toContain('>Archive</button>');
    const archived = await post('/sandboxes/other/archive', { _csrf: csrfFrom(page) }, oliviaCookie);
    expect(archived.status).toBe(303);
    expect((await t.store.findInstanceBySlug('other'))?.archivedAt).not.toBeNull();
  });

  it('redeploy requests a deployment from the web surface', async () => {
    const answer = await post('/sandboxes/demo/redeploy', { _csrf: await form(aliceCookie) }, aliceCookie);
    expect(answer.status).toBe(303);
    const web = (await t.store.listDeployments(demo.id)).filter((d) => d.surface === 'web');
    expect(web).toMatchObject([{ requestedBy: 'alice', activateOnSuccess: true }]);
  });

  it('cancel reaches the core operation and the audit log', async () => {
    const answer = await post('/sandboxes/demo/cancel', { _csrf: await form(aliceCookie) }, aliceCookie);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/sandboxes/demo?done=cancel');
    const audit = await t.database.pool.query(
      `select actor, surface, result from audit_events where action = 'cancel'`,
    );
    expect(audit.rows).toEqual([{ actor: 'alice', surface: 'web', result: 'ok' }]);
  });

  it('a form that is not a form is refused', async () => {
    const answer = await fetch(`${t.url}/sandboxes/demo/cancel`, {
      method: 'POST',
      body: JSON.stringify({ _csrf: 'x' }),
      headers: { cookie: aliceCookie, 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(415);
  });
});
