import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program';
import { describeSandboxError } from '../../src/cli/error-words';
import type { CliContext } from '../../src/cli/context';
import { isSandboxError } from '../../src/core/errors';
import type { Instance } from '../../src/core/model';
import { createWebAuth } from '../../src/web/auth/web-auth';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import {
  commentEvent,
  gitHubEnv,
  postWebhook,
  pullRequestEvent,
  testPrivateKey,
  webhookSecret,
} from '../support/github-webhooks';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { postToSlack, slashCommandForm } from '../support/slack-requests';
import { freePort } from '../support/status-bot';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';

/*
 * Issue 11 §1: one runner per command, whichever surface asks. The same table
 * of commands runs through every surface — GitHub (a PR comment through the
 * fake GitHub), Slack (signed requests), the CLI (in-process) and the status
 * pages (HTTP forms) — and each must leave the same outcome behind: the same
 * expiry, the same restore, the same error code in the audit log.
 */

const repoName = 'acme/app';
const signingSecret = 'table-signing-secret';
const sessionSecret = 'table-session-secret-0123456789abcdef0123456789';
const farFuture = new Date('2099-01-01T00:00:00Z');

let fake: FakeGitHub;
let slack: FakeSlack;
let repo: SampleRepo;
let t: TestBot;

type SurfaceName = 'github' | 'slack' | 'cli' | 'web';

/** A command as a person types it: the words after the command name (the sandbox is named by each surface). */
interface TableCommand {
  name: 'extend' | 'pin' | 'unpin' | 'redeploy' | 'archive' | 'status';
  args?: string;
}

/** What each surface answers, reduced to whether it worked (each surface's own words are its renderer's business). */
interface SurfaceAnswer {
  ok: boolean;
  text: string;
}

const store = () => t.bot.provisioning.store;
const sandboxOf: Record<SurfaceName, () => Promise<Instance>> = {
  github: async () => (await store().findInstanceByPr(repoName, 1))!,
  slack: async () => (await store().findInstanceBySlug('slack-box'))!,
  cli: async () => (await store().findInstanceBySlug('cli-box'))!,
  web: async () => (await store().findInstanceBySlug('web-box'))!,
};

/** One driver per surface: runs a command on a sandbox the way a person there would. */
const surfaces: Record<SurfaceName, (command: TableCommand, slug: string) => Promise<SurfaceAnswer>> = {
  async github(command, slug) {
    // A comment on the sandbox's pull request (`pr<N>-app`): there the PR names the sandbox.
    const number = Number(/^pr(\d+)-/.exec(slug)?.[1] ?? 1);
    const body = `/sandbox ${command.name}${command.args ? ` ${command.args}` : ''}`;
    const written = fake.addUserComment(repoName, number, 'maintainer', body);
    expect(
      (
        await postWebhook(
          t.url,
          'issue_comment',
          commentEvent(repoName, number, { id: written.id, body, login: 'maintainer' }),
          { secret: webhookSecret },
        )
      ).status,
    ).toBe(200);
    await waitFor(() => written.reactions.length > 0, { what: `a reaction to ${body}` });
    return { ok: !['confused', '-1'].includes(written.reactions[0]!), text: written.reactions[0]! };
  },
  async slack(command, slug) {
    const text = `${command.name} ${slug}${command.args ? ` ${command.args}` : ''}`;
    const answer = await postToSlack(
      t.url,
      signingSecret,
      slashCommandForm({ command: '/sandbox', text, responseUrl: slack.responseUrl(), user: 'U0ALICE' }),
    );
    expect(answer.status).toBe(200);
    const reply = String(answer.json?.text ?? '');
    return { ok: !/^:(mag|no_entry|warning|grey_question|x):/.test(reply), text: reply };
  },
  async cli(command, slug) {
    // `sbx redeploy` is the bulk campaign (SPEC §7): one sandbox is `sbx deploy`.
    return runCli([
      command.name === 'redeploy' ? 'deploy' : command.name,
      slug,
      ...(command.args ? command.args.split(' ') : []),
    ]);
  },
  async web(command, slug) {
    const action = command.name === 'redeploy' ? 'redeploy' : command.name;
    const auth = createWebAuth(t.config, sessionSecret);
    const session = { login: 'webber', memberOf: [], sid: 'table-session' };
    const cookie = `sbx_session=${auth.values.seal('session', session, 3_600_000)}`;
    const response = await fetch(`${t.url}/sandboxes/${slug}/${action}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: auth.csrfToken(session),
        ...(command.name === 'extend' ? { duration: command.args ?? '' } : {}),
      }).toString(),
    });
    return {
      ok: response.status === 303,
      text: `${response.status} ${response.status === 303 ? response.headers.get('location') : await response.text()}`,
    };
  },
};

/** Runs `sbx` in-process against the bot's database, rendering errors as `main` does. */
async function runCli(args: string[]): Promise<SurfaceAnswer> {
  let out = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => void ((out += String(chunk)), done()) });
  let exitCode = 0;
  const ctx: CliContext = {
    env: { ...t.cliEnv, SBX_ACTOR: 'operator', LOG_LEVEL: 'silent' },
    stdout: sink,
    stderr: sink,
    setExitCode: (code) => void (exitCode = code),
    config: () => t.config,
  };
  try {
    await buildProgram(ctx)
      .exitOverride()
      .parseAsync(['node', 'sbx', ...args]);
  } catch (error) {
    if (!isSandboxError(error)) throw error;
    const described = describeSandboxError(error);
    out += described.text;
    exitCode = described.exitCode;
  }
  return { ok: exitCode === 0, text: out };
}

async function lastAudit(surface: SurfaceName, action: string) {
  const result = await t.database.pool.query<{
    action: string;
    result: string;
    instance_slug: string | null;
    detail: Record<string, unknown>;
  }>(
    'select action, result, instance_slug, detail from audit_events where surface = $1 and action = $2 order by id desc limit 1',
    [surface, action],
  );
  return result.rows[0] ?? null;
}

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepo(repoName);
  fake.setPermission(repoName, 'maintainer', 'write');
  slack = await startFakeSlack({ allow: ['auth.test', 'chat.postMessage', 'chat.update'] });
  repo = createSampleRepo();
  const port = await freePort();
  t = await startTestBot(
    `
repositories:
  - name: ${repoName}
    url: ${repo.url}
    script:
      deploy: git rev-parse HEAD > built-commit.txt
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 15s
    ttl: 7d
    manual_ttl: 7d
expiry:
  max_extension: 30000d
slack:
  permissions:
    deploy: [U0ALICE]
    activate: [U0ALICE]
    archive: [U0ALICE]
    delete: [U0ALICE]
    create: [U0ALICE]
    pin: [U0ALICE]
web:
  auth:
    permissions:
      pin: [webber]
github:
  throttle: false
`,
    {
      ...gitHubEnv(fake.host, testPrivateKey()),
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SLACK_BOT_TOKEN: 'xoxb-table',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SESSION_SECRET: sessionSecret,
    },
  );
  // GitHub's sandbox belongs to a pull request; the others are manual sandboxes.
  fake.setPull(repoName, { number: 1, headSha: repo.commit({ 'one.txt': '1\n' }), author: 'maintainer' });
  await postWebhook(t.url, 'pull_request', pullRequestEvent('opened', repoName, fake.pullJson(repoName, 1)), {
    secret: webhookSecret,
  });
  await waitFor(async () => (await store().findInstanceByPr(repoName, 1)) !== null, { what: 'the sandbox of PR 1' });
  const repository = t.config.repositories[0]!;
  for (const slug of ['slack-box', 'cli-box', 'web-box']) {
    await createBareSandbox(store(), { slug, repository, baseDomain: t.config.base_domain });
  }
  // The PR's first deploy must not race the table's commands.
  await waitFor(
    async () =>
      (await store().listDeployments((await sandboxOf.github()).id)).every(
        (d) => d.state !== 'pending' && d.state !== 'running',
      ),
    { timeoutMs: 60_000, what: 'the first deploy of PR 1 to end' },
  );
}, 120_000);

afterAll(async () => {
  // Let the restores' deploys end first: a job stopped halfway would be failed after the pool is gone.
  const unfinished = async () =>
    (await t.database.pool.query(`select 1 from deployments where state in ('pending', 'running') limit 1`))
      .rowCount === 0;
  if (t) await waitFor(unfinished, { timeoutMs: 60_000, what: 'the deploys to end' }).catch(() => undefined);
  await t?.stop();
  await fake?.stop();
  await slack?.close();
});

const all: SurfaceName[] = ['github', 'slack', 'cli', 'web'];

describe('the same command table through every surface', () => {
  it.each(all)('extend 3d sets the same expiry from %s', async (surface) => {
    const sandbox = await sandboxOf[surface]();
    await store().updateInstance(sandbox.id, { expiresAt: farFuture });
    const answer = await surfaces[surface]({ name: 'extend', args: '3d' }, sandbox.slug);
    expect(answer, answer.text).toMatchObject({ ok: true });
    expect((await sandboxOf[surface]()).expiresAt).toEqual(new Date('2099-01-04T00:00:00Z'));
    expect(await lastAudit(surface, 'extend')).toMatchObject({
      result: 'ok',
      instance_slug: sandbox.slug,
      detail: { expiresAt: '2099-01-04T00:00:00.000Z' },
    });
  });

  it.each(all)('pin, then unpin from %s', async (surface) => {
    const sandbox = await sandboxOf[surface]();
    if (surface === 'github') fake.setPermission(repoName, 'maintainer', 'admin');
    try {
      const pinned = await surfaces[surface]({ name: 'pin' }, sandbox.slug);
      expect(pinned, pinned.text).toMatchObject({ ok: true });
      expect(await sandboxOf[surface]()).toMatchObject({ pinned: true, expiresAt: null });
      const unpinned = await surfaces[surface]({ name: 'unpin' }, sandbox.slug);
      expect(unpinned, unpinned.text).toMatchObject({ ok: true });
      const after = await sandboxOf[surface]();
      expect(after.pinned).toBe(false);
      expect(Math.abs(after.expiresAt!.getTime() - after.lastActivityAt.getTime() - 7 * 86_400_000)).toBeLessThan(
        10_000,
      );
      expect(await lastAudit(surface, 'unpin')).toMatchObject({ result: 'ok', instance_slug: sandbox.slug });
    } finally {
      fake.setPermission(repoName, 'maintainer', 'write');
    }
  });

  it('pin is for maintainers: refused to people who may only deploy (GitHub write permission)', async () => {
    const sandbox = await sandboxOf.github();
    const answer = await surfaces.github({ name: 'pin' }, sandbox.slug);
    expect(answer.ok, answer.text).toBe(false);
    expect((await sandboxOf.github()).pinned).toBe(false);
    expect(await lastAudit('github', 'pin')).toMatchObject({ result: 'refused' });
  });

  it.each(['github', 'slack', 'cli'] as const)('status from %s is a read, audited alike', async (surface) => {
    const sandbox = await sandboxOf[surface]();
    const answer = await surfaces[surface]({ name: 'status' }, sandbox.slug);
    expect(answer, answer.text).toMatchObject({ ok: true });
    expect(await lastAudit(surface, 'status')).toMatchObject({ result: 'ok', instance_slug: sandbox.slug });
  });

  it.each(all)('archive from %s archives the sandbox', async (surface) => {
    const sandbox = await sandboxOf[surface]();
    const answer = await surfaces[surface]({ name: 'archive' }, sandbox.slug);
    expect(answer, answer.text).toMatchObject({ ok: true });
    expect((await sandboxOf[surface]()).archivedAt).not.toBeNull();
    expect(await lastAudit(surface, 'archive')).toMatchObject({ result: 'ok', instance_slug: sandbox.slug });
  });

  it.each(all)('redeploy of an archived sandbox from %s restores it', async (surface) => {
    const sandbox = await sandboxOf[surface]();
    expect(sandbox.archivedAt).not.toBeNull();
    const before = (await store().listDeployments(sandbox.id)).length;
    const answer = await surfaces[surface]({ name: 'redeploy' }, sandbox.slug);
    expect(answer, answer.text).toMatchObject({ ok: true });
    const after = await sandboxOf[surface]();
    expect(after.archivedAt).toBeNull();
    const deployments = await store().listDeployments(sandbox.id);
    expect(deployments).toHaveLength(before + 1);
    expect(deployments.at(-1)).toMatchObject({ surface, activateOnSuccess: true });
    expect(await lastAudit(surface, 'restore')).toMatchObject({ result: 'ok', instance_slug: sandbox.slug });
  });

  it.each(all)('a sandbox that does not exist gives not_found from %s', async (surface) => {
    let answer: SurfaceAnswer;
    if (surface === 'github') {
      // On a pull request the sandbox is the PR's own: a closed PR has none.
      fake.setPull(repoName, {
        number: 2,
        headSha: repo.commit({ 'two.txt': '2\n' }),
        author: 'maintainer',
        state: 'closed',
      });
      answer = await surfaces.github({ name: 'status' }, 'pr2-app');
    } else {
      answer = await surfaces[surface]({ name: surface === 'web' ? 'archive' : 'status' }, 'no-such-box');
    }
    expect(answer.ok, answer.text).toBe(false);
    const action = surface === 'web' ? 'archive' : 'status';
    expect(await lastAudit(surface, action)).toMatchObject({ result: 'error', detail: { code: 'not_found' } });
  });
});
