import { describe, expect, it } from 'vitest';
import { maskSecretSettings } from '../../../src/core/settings/mask-secret-settings';

describe('maskSecretSettings: every name the issue lists, and URLs', () => {
  it.each([
    ['dbPassword'],
    ['DBPASSWORD'],
    ['PASSWD'],
    ['APIKEY'],
    ['PASSPHRASE'],
    ['SENTRY_DSN'],
    ['secret'],
    ['auth_token'],
    ['privateKey'],
    ['CREDENTIALS'],
  ])('%s is masked, even when short', (name) => {
    expect(maskSecretSettings({ [name]: 'a', AUTHOR: 'jane' })).toEqual({ [name]: '***', AUTHOR: 'jane' });
  });

  it('masks the password of a URL value, wherever it is', () => {
    expect(
      maskSecretSettings({ DATABASE_URL: 'postgres://app:pw@db/app', LIST: ['https://tok@git.example/r'] }),
    ).toEqual({
      DATABASE_URL: 'postgres://app:***@db/app',
      LIST: ['https://***@git.example/r'],
    });
  });

  it('masks the repository’s explicit secret_settings', () => {
    expect(maskSecretSettings({ LICENSE_CODE: 'abc', SITE: 'demo' }, ['license_code'])).toEqual({
      LICENSE_CODE: '***',
      SITE: 'demo',
    });
  });
});
