import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (installed by scripts/install-system-deps.sh); never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';

/** Headless Chromium with the flags this machine needs (no background calls to Google's hosts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const loopback = /^https?:\/\/(127\.0\.0\.1|localhost|[a-z0-9-]+\.localhost)(:\d+)?\//;

/** A browser context that may only reach loopback addresses; anything else is aborted and recorded. */
export async function loopbackContext(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext & { blocked: string[] }> {
  const context = (await browser.newContext(options)) as BrowserContext & { blocked: string[] };
  context.blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (loopback.test(url)) return route.continue();
    context.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return context;
}
