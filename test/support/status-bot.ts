import { createServer } from 'node:net';
import type { AppserverState } from '../../src/core/appserver-state';
import type { Appserver, Instance } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import type { Store } from '../../src/core/ports/store';
import { startFakeGitHubOAuth, type FakeGitHubOAuth, type FakeUser } from './fake-github-oauth';
import { startTestBot, type TestBot } from './test-bot';

export interface StatusBot extends TestBot {
  github: FakeGitHubOAuth;
  store: Store;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

/** The whole bot on a known loopback port (so PUBLIC_URL and the OAuth redirect URI are right), signing in through the fake GitHub. */
export async function startStatusBot(yaml: string, env: Record<string, string> = {}): Promise<StatusBot> {
  const github = await startFakeGitHubOAuth();
  const port = await freePort();
  const t = await startTestBot(yaml, {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    GHE_HOST: github.host,
    GHE_PROTOCOL: 'http',
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    ...env,
  });
  return {
    ...t,
    github,
    store: t.bot.provisioning.store,
    async stop() {
      await t.stop();
      await github.close();
    },
  };
}

/** Signs in over HTTP the way a browser does (sign-in → GitHub → callback) and returns the Cookie header to send. */
export async function signIn(t: StatusBot, user: FakeUser): Promise<string> {
  t.github.signInAs(user);
  const start = await fetch(`${t.url}/auth/sign-in?return_to=/`, { redirect: 'manual' });
  const oauthCookie = cookiePair(start.headers.getSetCookie(), 'sbx_oauth');
  const atGitHub = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = await fetch(atGitHub.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: oauthCookie },
  });
  if (callback.status !== 303)
    throw new Error(`sign-in of ${user.login} failed with HTTP ${callback.status}: ${await callback.text()}`);
  return cookiePair(callback.headers.getSetCookie(), 'sbx_session');
}

export function cookiePair(setCookies: string[], name: string): string {
  const found = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(setCookies)}`);
  return found.split(';')[0]!;
}

/** The CSRF token of the first form on a page. */
export function csrfFrom(markup: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(markup);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1]!;
}

export interface SeedOptions {
  slug: string;
  repository?: string;
  settings?: Record<string, unknown>;
  appservers?: { state: AppserverState; commit?: string; failureReason?: string }[];
  /** Number of the appserver to mark active (it must be running). */
  active?: number;
}

/**
 * An instance with appservers in the given states, written straight to the
 * database (no deploy runs: no job is enqueued and no work directory exists,
 * so the worker and reconcile leave them alone).
 */
export async function seedInstance(
  t: StatusBot,
  options: SeedOptions,
): Promise<{ instance: Instance; appservers: Appserver[] }> {
  const repository = t.config.repositories.find(
    (r) => r.name === (options.repository ?? t.config.repositories[0]?.name),
  );
  if (!repository) throw new Error('seedInstance needs a configured repository');
  const instance = await createManualInstance(t.store, {
    slug: options.slug,
    repository: {
      name: repository.name,
      url: repository.url,
      defaultSettings: repository.settings as never,
      defaultFields: repository.fields,
      extraDomainPrefixes: repository.script?.extra_domain_prefixes ?? [],
    },
    ref: 'main',
    settings: (options.settings ?? {}) as never,
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: t.config.base_domain,
    actor: { surface: 'cli', id: 'seed' },
  });
  const host = (await t.store.listHosts())[0]!;
  const appservers: Appserver[] = [];
  for (const [i, spec] of (options.appservers ?? []).entries()) {
    const deployment = await t.store.insertDeployment({
      instanceId: instance.id,
      requestedBy: 'seed',
      surface: 'cli',
      attempts: 1,
      activateOnSuccess: false,
      state: spec.state === 'running' ? 'succeeded' : 'failed',
      finishedAt: new Date(),
    });
    const created = await t.store.insertAppserver({
      instanceId: instance.id,
      deploymentId: deployment.id,
      config: {
        slug: instance.slug,
        domains: [instance.domain, ...instance.extraDomains],
        settings: instance.settings,
        fields: instance.fields,
        healthPath: '/',
        healthTimeoutMs: 1000,
      },
      commitSha: spec.commit ?? `${String(i + 1).repeat(8)}abcdef`,
    });
    const steps: AppserverState[] =
      spec.state === 'new'
        ? []
        : spec.state === 'error'
          ? ['error']
          : spec.state === 'waiting'
            ? ['waiting']
            : ['waiting', 'configuring', ...(spec.state === 'configuring' ? [] : [spec.state])];
    let current: Appserver = created;
    for (const to of steps) {
      const patch =
        to === 'waiting'
          ? { hostId: host.id, port: 45000 + created.id }
          : to === 'running'
            ? { readyAt: new Date() }
            : to === 'failed' || to === 'error'
              ? { failureReason: spec.failureReason ?? 'deploy phase exited with status 1', finishedAt: new Date() }
              : {};
      current = (await t.store.transitionAppserver(current.id, current.state, to, patch))!;
    }
    appservers.push(current);
  }
  if (options.active !== undefined) {
    const active = appservers.find((a) => a.number === options.active)!;
    await t.store.updateInstance(instance.id, { activeAppserverId: active.id });
  }
  return { instance: (await t.store.getInstance(instance.id))!, appservers };
}
