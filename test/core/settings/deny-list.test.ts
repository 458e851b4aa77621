import { describe, expect, it } from 'vitest';
import {
  collectSecretValues,
  defaultDenyPatterns,
  findDenyingPattern,
  isSecretKey,
  matchesGlob,
} from '../../../src/core/settings';

describe('matchesGlob', () => {
  it.each([
    ['*_PASSWORD', 'MYSQL_PASSWORD', true],
    ['*_PASSWORD', 'mysql_password', true],
    ['*_PASSWORD', 'PASSWORD_POLICY', false],
    ['*_SECRET*', 'AWS_SECRET_ACCESS_KEY', true],
    ['*_SECRET*', 'SECRETARY', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['*a*b*c', 'xxaxxbxxc', true],
    ['*a*b*c', 'xxaxxcxxb', false],
    ['EDXAPP_FEATURES.*', 'EDXAPP_FEATURES.X', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(matchesGlob(pattern, text)).toBe(expected);
  });

  it('stays fast on patterns that would make a regular expression backtrack', () => {
    const started = performance.now();
    expect(matchesGlob('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('deny-list', () => {
  it.each([
    ['EDXAPP_MYSQL_PASSWORD', true],
    ['SECRET_KEY', true],
    ['EDXAPP_JWT_SECRET_KEY', true],
    ['GITHUB_TOKEN', true],
    ['SEGMENT_KEY', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['SOCIAL_AUTH_CREDENTIALS', true],
    ['ansible_ssh_private_key_file', true],
    ['ansible_become_password', true],
    ['EDXAPP_MONGO_HOSTS', true],
    ['SSH_AUTHORIZED_KEYS', true],
    ['EDXAPP_FEATURES', false],
    ['EDXAPP_PLATFORM_NAME', false],
    ['KEYBOARD_LAYOUT', false],
    ['openedx_release', false],
  ])('default list: %s denied: %s', (key, denied) => {
    expect(findDenyingPattern(key, key, defaultDenyPatterns) !== null).toBe(denied);
  });

  it('names the pattern that denied a key', () => {
    expect(findDenyingPattern('X_TOKEN', 'A.X_TOKEN', defaultDenyPatterns)).toBe('*_TOKEN');
    expect(findDenyingPattern('ENABLE', 'EDXAPP_FEATURES.ENABLE', ['EDXAPP_FEATURES.*'])).toBe('EDXAPP_FEATURES.*');
    expect(findDenyingPattern('ENABLE', 'ENABLE', ['EDXAPP_FEATURES.*'])).toBeNull();
  });

  it.each([
    ['EDXAPP_MYSQL_PASSWORD', true],
    ['api_token', true],
    ['Secret', true],
    ['EDXAPP_MYSQL_HOST', false],
    ['ansible_host', false],
    ['PLATFORM_NAME', false],
  ])('isSecretKey(%s) is %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });

  it('collects the values under secret keys, anywhere, longest first', () => {
    const values = collectSecretValues({
      EDXAPP_MYSQL_PASSWORD: 'hunter2hunter2',
      PLATFORM_NAME: 'Not a secret',
      NESTED: { API_TOKEN: 'tok-123456', list: [{ DB_PASSWORD: 'pw-0001' }] },
      OAUTH_CREDENTIALS: { client: 'client-id-xyz', numbers: [12345678] },
      SHORT_PASSWORD: 'abc',
      FLAG_SECRET: true,
      DUP_TOKEN: 'tok-123456',
    });
    expect(values).toEqual(['hunter2hunter2', 'client-id-xyz', 'tok-123456', '12345678', 'pw-0001']);
  });
});

describe('secret settings', () => {
  it.each([['dbPassword'], ['DBPASSWORD'], ['PASSWD'], ['APIKEY'], ['PASSPHRASE'], ['SENTRY_DSN']])(
    'isSecretKey(%s) by its normalised name',
    (key) => {
      expect(isSecretKey(key)).toBe(true);
    },
  );

  it('adds the repository’s secret_settings (names or globs, any case)', () => {
    expect(isSecretKey('LICENSE_CODE')).toBe(false);
    expect(isSecretKey('LICENSE_CODE', ['license_code'])).toBe(true);
    expect(isSecretKey('STRIPE_PUBLISHABLE', ['STRIPE_*'])).toBe(true);
  });

  it('collects URL passwords and the values of explicit secret settings', () => {
    expect(
      collectSecretValues({ DATABASE_URL: 'postgres://app:p%40ss@db/app', LICENSE_CODE: 'lic-1234', NAME: 'x' }, [
        'LICENSE_CODE',
      ]),
    ).toEqual(['lic-1234', 'p%40ss', 'p@ss']);
  });
});
