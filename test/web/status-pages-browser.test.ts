import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { requestDeployment } from '../../src/core/operations/operations';
import { launchChromium, loopbackContext } from '../support/browser';
import { createSampleRepo } from '../support/sample-repo';
import { startStatusBot, type StatusBot } from '../support/status-bot';
import { waitFor } from '../support/wait-for';

const planted = 'whsec-planted-browser-1';
const actor: Actor = { surface: 'cli', id: 'tester' };
const artifacts = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
/** The README's pictures are refreshed on request only (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean. */
const readmeScreenshots = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
  : null;
async function screenshot(name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(artifacts, name), fullPage });
  if (readmeScreenshots) await page.screenshot({ path: join(readmeScreenshots, name), fullPage });
}
let t: StatusBot;
let browser: Browser;
let page: Page;
let blocked: string[];

beforeAll(async () => {
  const repo = createSampleRepo();
  t = await startStatusBot(
    `
repositories:
  - name: acme/sample
    url: ${repo.url}
    settings:
      DB_PASSWORD: s3cret-db-password
      EDXAPP_LANGUAGE: fr
    fields:
      openedx_release: open-release/redwood.1
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        echo "webhook secret: ${planted}"
        for i in $(seq 1 30); do echo "deploy line $i"; sleep 0.2; done
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 10s
      extra_domain_prefixes: [studio]
compute:
  local:
    work_root: ${mkdtempSync(join(tmpdir(), 'sbx-work-'))}
web:
  auth:
    orgs: [acme]
`,
    { WEBHOOK_SECRET: planted },
  );
  browser = await launchChromium();
  const context = await loopbackContext(browser, { viewport: { width: 1280, height: 900 } });
  blocked = context.blocked;
  page = await context.newPage();
  mkdirSync(artifacts, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const store = () => t.store;
const appserver = async (number: number) =>
  store().findAppserver((await store().findInstanceBySlug('demo'))!.id, number);
const logLines = (text: string) => text.split('\n').filter((line) => /^deploy line \d+$/.test(line));

describe('the status pages in a browser (Debian Chromium, headless, loopback only)', () => {
  it('signs in through GitHub’s OAuth pages (a local fake) and comes back to the page', async () => {
    const repository = t.config.repositories[0]!;
    await createManualInstance(store(), {
      slug: 'demo',
      repository: {
        name: repository.name,
        url: repository.url,
        defaultSettings: repository.settings as never,
        defaultFields: repository.fields,
        extraDomainPrefixes: repository.script!.extra_domain_prefixes,
      },
      ref: 'main',
      globalFields: {},
      ephemeralDatabases: true,
      baseDomain: t.config.base_domain,
      actor,
    });
    await page.goto(`${t.url}/sandboxes/demo`);
    expect(await page.locator('#log-text').count()).toBe(0);
    t.github.signInAs({ login: 'alice', memberOf: ['acme'] });
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.waitForURL(`${t.url}/sandboxes/demo`);
    await expect.poll(() => page.locator('header').innerText()).toContain('Signed in as alice');
    expect(t.github.calls).toEqual(
      expect.arrayContaining([
        'GET /login/oauth/authorize',
        'POST /login/oauth/access_token',
        'GET /api/v3/user',
        'GET /api/v3/user/memberships/orgs/acme',
      ]),
    );
    expect(t.github.unexpected).toEqual([]);
  });

  it('shows log lines as the deploy writes them, without a reload and without duplicates', async () => {
    await requestDeployment({ store: store() }, (await store().findInstanceBySlug('demo'))!, { actor });
    await waitFor(
      async () =>
        (await appserver(1))?.state === 'configuring' && (await store().readLog((await appserver(1))!.id)).length > 0,
      { timeoutMs: 20_000, what: 'the deploy to write its first lines' },
    );
    await page.goto(`${t.url}/sandboxes/demo`);
    const first = logLines(await page.locator('#log-text').innerText());
    expect(first.length).toBeLessThan(25);
    const later = `deploy line ${Math.max(first.length, 1) + 8}`;
    await page.locator('#log-text').getByText(later).waitFor({ timeout: 20_000 });
    await expect
      .poll(() => page.locator('#log-status').innerText(), { timeout: 25_000 })
      .toContain('The deploy has finished');
    const lines = logLines(await page.locator('#log-text').innerText());
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `deploy line ${i + 1}`));
    const text = await page.locator('body').innerText();
    expect(text).toContain('webhook secret: ***');
    expect(await page.content()).not.toContain(planted);
  }, 60_000);

  it('activates an older appserver with a click, and the active flag moves', async () => {
    await waitFor(
      async () => (await store().findInstanceBySlug('demo'))!.activeAppserverId === (await appserver(1))?.id,
      { timeoutMs: 20_000, what: 'appserver 1 to be active' },
    );
    await requestDeployment({ store: store() }, (await store().findInstanceBySlug('demo'))!, { actor });
    await waitFor(
      async () => (await store().findInstanceBySlug('demo'))!.activeAppserverId === (await appserver(2))?.id,
      { timeoutMs: 40_000, what: 'appserver 2 to be active' },
    );
    await page.goto(`${t.url}/sandboxes/demo`);
    await expect.poll(() => page.locator('#appserver-2 [data-active]').count()).toBe(1);
    await page.getByRole('button', { name: 'Activate appserver 1' }).click();
    await expect
      .poll(() => page.getByRole('status').first().innerText())
      .toContain('Activation of appserver 1 requested');
    for (let i = 0; i < 40 && (await page.locator('#appserver-1 [data-active]').count()) === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.reload();
    }
    expect(await page.locator('#appserver-1 [data-active]').count()).toBe(1);
    expect(await page.locator('#appserver-2 [data-active]').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Activate appserver 2' }).count()).toBe(1);
    await screenshot('instance-page.png');
  }, 90_000);

  it('reaches every action with the keyboard alone', async () => {
    await page.goto(`${t.url}/sandboxes/demo?appserver=1`);
    const reached: string[] = [];
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press('Tab');
      // Expressions run in the page (this project's TypeScript has no DOM types).
      const focused = String(
        await page.evaluate(
          `(() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + ':' + (e.getAttribute('aria-label') ?? e.textContent.trim()) : ''; })()`,
        ),
      );
      if (reached.includes(focused)) break;
      reached.push(focused);
    }
    for (const action of [
      'a:Skip to content',
      'button:Sign out',
      'button:Redeploy',
      'button:Archive',
      'button:Activate appserver 2',
      'a:Log of appserver 1',
      'a:Whole log as text',
    ])
      expect(reached).toContain(action);
    await page.keyboard.press('Shift+Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await skip.focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
  });

  it('the dashboard lists the sandbox with its state, jobs and hosts, and fits a phone', async () => {
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.locator('table').first().innerText()).toContain('demo');
    expect(await page.locator('body').innerText()).toContain('Recent activity');
    await screenshot('dashboard.png');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/', '/sandboxes/demo']) {
      await page.goto(`${t.url}${path}`);
      expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(
        true,
      );
    }
    await screenshot('instance-page-phone.png', false);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signed out, the page shows the state and the domains, and no settings, logs or actions', async () => {
    const context = await loopbackContext(browser);
    const anonymous = await context.newPage();
    await anonymous.goto(`${t.url}/sandboxes/demo`);
    const text = await anonymous.locator('main').innerText();
    expect(text).toContain('demo.localhost');
    expect(text).toContain('studio-demo.localhost');
    expect(text).toContain('running');
    for (const hidden of ['EDXAPP_LANGUAGE', 'deploy line', 'AppServers', 'open-release'])
      expect(text).not.toContain(hidden);
    expect(await anonymous.locator('#log-text').count()).toBe(0);
    expect(await anonymous.getByRole('button').count()).toBe(0);
    await context.close();
    expect(blocked).toEqual([]);
  });
});
