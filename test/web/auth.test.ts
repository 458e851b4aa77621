import { describe, expect, it } from 'vitest';
import { groupsToCheck, mayAct, maySignIn, viewerFor, type Session } from '../../src/web/auth/access';
import { safeReturnPath } from '../../src/web/auth/auth-routes';
import { createSignedValues } from '../../src/web/auth/signed-values';

const auth = (overrides: Partial<Parameters<typeof viewerFor>[0]> = {}) => ({
  orgs: ['acme'],
  teams: ['acme/ops'],
  public_read: false,
  session_secret: null,
  local_token: null,
  session_ttl: 3_600_000,
  permissions: {},
  ...overrides,
});
const session = (login: string, memberOf: string[]): Session => ({ login, memberOf, sid: 's' });

describe('signed values', () => {
  const secret = 'x'.repeat(64);
  it('open what they sealed, for the same purpose and before expiry only', () => {
    let now = 1_000;
    const values = createSignedValues(secret, () => now);
    const sealed = values.seal('session', { login: 'alice' }, 60_000);
    expect(values.open('session', sealed)).toMatchObject({ login: 'alice' });
    expect(values.open('oauth', sealed)).toBeNull();
    expect(createSignedValues('y'.repeat(64), () => now).open('session', sealed)).toBeNull();
    now += 60_001;
    expect(values.open('session', sealed)).toBeNull();
  });

  it.each([
    '',
    'abc',
    'abc.def',
    '.',
    'eyJsb2dpbiI6ImV2ZSJ9.',
    `${Buffer.from('{"login":"eve","exp":9e15}').toString('base64url')}.forged`,
  ])('reject %j', (text) => {
    expect(createSignedValues(secret).open('session', text)).toBeNull();
  });
});

describe('who may do what', () => {
  it('signs in members of the configured orgs or teams only', () => {
    expect(maySignIn(auth(), ['acme'])).toBe(true);
    expect(maySignIn(auth(), ['ACME/ops'])).toBe(true);
    expect(maySignIn(auth(), ['other'])).toBe(false);
    expect(maySignIn(auth({ orgs: [], teams: [] }), ['acme'])).toBe(false);
  });

  it('checks the teams named in permissions as well at sign-in', () => {
    expect(groupsToCheck(auth({ permissions: { archive: ['acme/admins', 'bob', '*'] } }))).toEqual([
      'acme',
      'acme/ops',
      'acme/admins',
    ]);
  });

  const cases: [Partial<Record<'archive', string[]>>, string, string[], boolean][] = [
    [{}, 'alice', [], true],
    [{ archive: ['acme/ops'] }, 'alice', ['acme'], false],
    [{ archive: ['acme/ops'] }, 'olivia', ['acme', 'acme/ops'], true],
    [{ archive: ['Alice'] }, 'alice', [], true],
    [{ archive: ['*'] }, 'anyone', [], true],
    [{ archive: [] }, 'alice', ['acme/ops'], false],
  ];
  it.each(cases)('permissions %j: %s in %j may archive: %s', (permissions, login, memberOf, allowed) => {
    expect(mayAct(auth({ permissions }), session(login, memberOf), 'archive')).toBe(allowed);
  });

  it('signed out: reads only with public_read, never acts', () => {
    expect(viewerFor(auth(), null, null).canRead).toBe(false);
    const reader = viewerFor(auth({ public_read: true }), null, null);
    expect(reader.canRead).toBe(true);
    expect(reader.can('deploy')).toBe(false);
  });
});

describe('return paths after sign-in', () => {
  const publicUrl = 'https://sbx.example.com';

  it.each([
    ['/sandboxes/demo?appserver=2', '/sandboxes/demo?appserver=2'],
    ['/sandboxes/demo#log', '/sandboxes/demo#log'],
    ['/', '/'],
    [null, '/'],
    ['', '/'],
  ])('keeps the same-origin path %j → %j', (input, expected) => {
    expect(safeReturnPath(input, publicUrl)).toBe(expected);
  });

  it.each([
    '//evil.example/x',
    '///evil.example/x',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    '/\t/evil.example/x',
    '/\n/evil.example/x',
    '/\r\n/evil.example/x',
    '/x\r\nSet-Cookie: a=b',
    '/\u0000/evil.example',
    '/%09/evil.example/x',
    '/%0a/evil.example/x',
    '/%5c/evil.example',
    '/%5C%5Cevil.example',
    'https://evil.example/',
    'http://sbx.example.com/',
    'https://sbx.example.com.evil.example/',
    'https:evil.example',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.example',
    '%2F%2Fevil.example',
    '/%',
  ])('refuses %j', (input) => {
    expect(safeReturnPath(input, publicUrl)).toBe('/');
  });

  it.each(['/%2F%2Fevil.example', '/%2fevil.example', '/./evil.example', '/a/../..//evil.example', '/.//evil.example'])(
    'keeps %j on this site',
    (input) => {
      const result = safeReturnPath(input, publicUrl);
      expect(result.startsWith('/') && !result.startsWith('//')).toBe(true);
      expect(new URL(result, publicUrl).origin).toBe(publicUrl);
    },
  );
});
