import { describe, expect, it } from 'vitest';
import { isSecretName, maskUrlUserinfo, normalizeName, urlUserinfo } from '../../src/core/secret-names';

describe('isSecretName', () => {
  it.each([
    ['dbPassword', true],
    ['DBPASSWORD', true],
    ['DB_PASSWORD', true],
    ['db-password', true],
    ['PASSWD', true],
    ['APIKEY', true],
    ['api.key', true],
    ['apiKey', true],
    ['PASSPHRASE', true],
    ['SENTRY_DSN', true],
    ['dsn', true],
    ['SECRET_KEY', true],
    ['EDXAPP_JWT_SECRET_KEY', true],
    ['GITHUB_TOKEN', true],
    ['SEGMENT_KEY', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['SSH_KEY_ID', true],
    ['privateKey', true],
    ['OAUTH_CREDENTIALS', true],
    ['credential', true],
    ['BASIC_AUTH', true],
    ['Authorization', true],
    ['DB_PASS', true],
    ['DB_PWD', true],
    ['PIN', true],
    ['AUTHOR', false],
    ['author_name', false],
    ['AUTHORS', false],
    ['AUTH_TYPE', false],
    ['KEYBOARD_LAYOUT', false],
    ['KEY_NAME', false],
    ['PASS_THROUGH', false],
    ['PWD', false],
    ['DATABASE_URL', false],
    ['EDXAPP_MYSQL_HOST', false],
    ['PLATFORM_NAME', false],
    ['openedx_release', false],
    ['', false],
  ])('%s: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it('normalises case and separators', () => {
    expect(normalizeName('Db_Pass-Word.X')).toBe('dbpasswordx');
  });
});

describe('URL user information', () => {
  it.each([
    ['postgres://app:pw@db/app', { user: 'app', password: 'pw' }, 'postgres://app:***@db/app'],
    ['https://tok@github.com/o/r', { user: 'tok', password: null }, 'https://***@github.com/o/r'],
    ['mysql://root:@db', { user: 'root', password: '' }, 'mysql://root:***@db'],
    ['https://example.com/a@b', null, 'https://example.com/a@b'],
    ['not a url: a:b@c', null, 'not a url: a:b@c'],
  ])('%s', (value, userinfo, masked) => {
    expect(urlUserinfo(value)).toEqual(userinfo);
    expect(maskUrlUserinfo(value)).toBe(masked);
  });
});
