import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cookiePair, startStatusBot, type StatusBot } from '../support/status-bot';

let t: StatusBot;

beforeAll(async () => {
  t = await startStatusBot(`
web:
  auth:
    orgs: [acme]
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

afterEach(() => {
  expect(t.github.unexpected).toEqual([]);
});

/** The whole browser flow with a raw `return_to` query value; returns where the bot sends the browser after sign-in. */
async function signInReturningTo(rawReturnTo: string): Promise<string> {
  t.github.signInAs({ login: 'alice', memberOf: ['acme'] });
  const start = await fetch(`${t.url}/auth/sign-in?return_to=${rawReturnTo}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const atGitHub = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = await fetch(atGitHub.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: cookiePair(start.headers.getSetCookie(), 'sbx_oauth') },
  });
  expect(callback.status).toBe(303);
  return callback.headers.get('location')!;
}

/** What a browser does with a Location: strip tabs and newlines, then resolve it against the page. */
const browserTarget = (location: string) => new URL(location.replace(/[\t\n\r]/g, ''), t.url);

describe('return_to after signing in through GitHub', () => {
  it.each([
    ['/%09/evil.example/x'],
    ['/%0a/evil.example/x'],
    ['//evil.example/x'],
    ['/%5Cevil.example'],
    ['/%5C%5Cevil.example'],
    ['%2F%2Fevil.example'],
    ['https://evil.example/'],
    ['https%3A%2F%2Fevil.example%2F'],
    ['javascript:alert(1)'],
  ])('%s stays on the bot’s site', async (raw) => {
    const location = await signInReturningTo(raw);
    expect(location).toBe('/');
    expect(browserTarget(location).origin).toBe(new URL(t.url).origin);
  });

  it('a path on the site is kept', async () => {
    expect(await signInReturningTo(encodeURIComponent('/sandboxes/demo?appserver=2'))).toBe(
      '/sandboxes/demo?appserver=2',
    );
  });
});
