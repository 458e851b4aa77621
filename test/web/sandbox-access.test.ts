import { viaBuiltinProxy } from '../support/manual-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/model';
import { ensureSandboxAccess } from '../../src/core/provisioning/sandbox-access';
import { renderCheckRun } from '../../src/infra/github/report/render-check-run';
import { renderComment } from '../../src/infra/github/report/render-comment';
import type { ReportState } from '../../src/infra/github/report/report-state';
import { renderStatus } from '../../src/infra/slack/render/render-status';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { createSampleRepo } from '../support/sample-repo';
import { seedInstance, signIn, startStatusBot, type StatusBot } from '../support/status-bot';

// Issue 10 item 8: `access: basic_auth`, enforced by the builtin load balancer, shown only to the right people.
let t: StatusBot;
let upstream: Upstream;
let instance: Instance;
const shared = { user: 'team', password: 'shared-Pa55word' };

beforeAll(async () => {
  upstream = await startUpstream('app');
  const url = createSampleRepo().url;
  t = await startStatusBot(
    `
repositories:
  - name: acme/private
    url: ${url}
    access: basic_auth
  - name: acme/shared
    url: ${url}
    access: basic_auth
    access_credentials_env: SBX_SHARED_ACCESS
  - name: acme/open
    url: ${url}
web:
  auth:
    orgs: [acme]
    public_read: true
`,
    { SBX_SHARED_ACCESS: `${shared.user}:${shared.password}` },
  );
  const seeded = await seedInstance(t, {
    slug: 'locked',
    repository: 'acme/private',
    appservers: [{ state: 'running' }],
    active: 1,
  });
  // Point the active appserver at a real upstream that echoes the headers it gets.
  await t.store.updateAppserver(seeded.appservers[0]!.id, { port: upstream.target.port });
  await ensureSandboxAccess(t.bot.provisioning, seeded.instance);
  instance = (await t.store.getInstance(seeded.instance.id))!;
}, 60_000);

afterAll(async () => {
  await Promise.all([t?.stop(), upstream?.close()]);
});

afterEach(() => {
  expect(t.github.unexpected).toEqual([]);
});

describe('credentials per sandbox', () => {
  it('are generated once, kept, shared from the environment, and cleared for a public repository', async () => {
    expect(instance.accessUser).toMatch(/^sbx-[0-9a-f]{6}$/);
    expect(instance.accessPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await ensureSandboxAccess(t.bot.provisioning, instance)).toEqual({
      user: instance.accessUser,
      password: instance.accessPassword,
    });

    const { instance: teamOne } = await seedInstance(t, { slug: 'team-one', repository: 'acme/shared' });
    expect(await ensureSandboxAccess(t.bot.provisioning, teamOne)).toEqual(shared);
    expect(await t.store.getInstance(teamOne.id)).toMatchObject({
      accessUser: shared.user,
      accessPassword: shared.password,
    });

    const { instance: open } = await seedInstance(t, { slug: 'wide-open', repository: 'acme/open' });
    await t.store.updateInstance(open.id, { accessUser: 'old', accessPassword: 'old' });
    expect(await ensureSandboxAccess(t.bot.provisioning, (await t.store.getInstance(open.id))!)).toBeNull();
    expect(await t.store.getInstance(open.id)).toMatchObject({ accessUser: null, accessPassword: null });
  });
});

describe('the builtin load balancer', () => {
  it('answers 401 with WWW-Authenticate without or with wrong credentials', async () => {
    const none = await viaProxy('locked.localhost');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="locked", charset="UTF-8"');
    expect(none.body).not.toContain(instance.accessPassword!);
    expect((await viaProxy('locked.localhost', `${instance.accessUser}:wrong`)).status).toBe(401);
    expect((await viaProxy('locked.localhost', `${instance.accessUser}:${instance.accessPassword}x`)).status).toBe(401);
    expect((await viaProxy('locked.localhost', `someone:${instance.accessPassword}`)).status).toBe(401);
    expect((await viaProxy('locked.localhost', 'not base64 at all')).status).toBe(401);
  });

  it('serves with the right credentials, and the appserver never sees them', async () => {
    const ok = await viaProxy('locked.localhost', `${instance.accessUser}:${instance.accessPassword}`);
    expect(ok.status).toBe(200);
    const seen = JSON.parse(ok.body) as { name: string; headers: Record<string, string> };
    expect(seen.name).toBe('app');
    expect(seen.headers.authorization).toBeUndefined();
  });
});

describe('who sees the credentials', () => {
  it('the status page shows them to signed-in people, not in the public_read view', async () => {
    const publicView = await (await fetch(`${t.url}/sandboxes/locked`)).text();
    expect(publicView).toContain('<h2 id="appservers">AppServers</h2>');
    expect(publicView).toContain('sign in to see the user and password');
    expect(publicView).not.toContain(instance.accessPassword!);

    const cookie = await signIn(t, { login: 'alice', memberOf: ['acme'] });
    const signedIn = await (await fetch(`${t.url}/sandboxes/locked`, { headers: { cookie } })).text();
    expect(signedIn).toContain(
      `user <code>${instance.accessUser}</code>, password <code>${instance.accessPassword}</code>`,
    );
  });

  it('Slack status shows them only to people who may deploy', async () => {
    const view: Parameters<typeof renderStatus>[0] = {
      instance,
      appservers: [],
      deployments: [],
      links: { status: `${t.url}/sandboxes/locked`, sandboxes: ['http://locked.localhost:3000'] },
    };
    const forReader = JSON.stringify(renderStatus(view));
    expect(forReader).toContain('HTTP basic auth');
    expect(forReader).not.toContain(instance.accessPassword!);
    expect(JSON.stringify(renderStatus(view, { showCredentials: true }))).toContain(instance.accessPassword!);
  });

  it('the PR comment and the check run never contain them', () => {
    const record = {
      id: 1,
      repository: 'acme/private',
      number: 7,
      state: 'open',
      draft: false,
      headSha: 'c'.repeat(40),
      author: 'dev',
      fromFork: false,
      waiting: null,
      notice: null,
    } as never;
    const appserver = {
      id: 1,
      number: 1,
      state: 'running',
      commitSha: 'c'.repeat(40),
      deploymentId: 1,
      createdAt: new Date(),
      readyAt: new Date(),
      finishedAt: null,
      activatedAt: new Date(),
      failureReason: null,
      ref: 'main',
    } as never;
    const state: ReportState = {
      record,
      repository: null,
      instance: { ...instance, activeAppserverId: 1, settingsErrors: [] } as Instance,
      appservers: [appserver],
      deployments: [{ id: 1, commitSha: 'c'.repeat(40), state: 'succeeded', activateOnSuccess: true } as never],
      urls: ['http://locked.localhost:3000'],
      statusUrl: `${t.url}/sandboxes/locked`,
      logTail: null,
      now: new Date(),
    };
    const everything = renderComment(state, new Date()) + JSON.stringify(renderCheckRun(state, new Date()));
    expect(everything).toContain('locked.localhost');
    expect(everything).not.toContain(instance.accessPassword!);
    expect(everything).not.toContain(instance.accessUser!);
  });
});

const viaProxy = (host: string, auth?: string) =>
  viaBuiltinProxy(t.url, host, {
    headers: auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
