import { describe, expect, it } from 'vitest';
import { withoutSecretSettings } from '../../../src/core/pull-requests/fork-settings';

describe('withoutSecretSettings (what a fork inherits)', () => {
  it.each([
    [
      {
        dbPassword: 'x',
        DBPASSWORD: 'x',
        PASSWD: 'x',
        APIKEY: 'x',
        PASSPHRASE: 'x',
        SENTRY_DSN: 'https://k@sentry.io/1',
        SITE: 'demo',
      },
      [],
      { SITE: 'demo' },
    ],
    [
      { DATABASE_URL: 'postgres://app:pw@db/app', CACHE_URL: 'redis://cache:6379/0' },
      [],
      { CACHE_URL: 'redis://cache:6379/0' },
    ],
    [{ MIRRORS: ['https://u:p@m1/x', 'https://m2/x'] }, [], { MIRRORS: ['https://m2/x'] }],
    [
      { LICENSE_CODE: 'abc', NESTED: { license_code: 'abc', KEEP: 1 }, AUTHOR: 'jane' },
      ['LICENSE_*'],
      { NESTED: { KEEP: 1 }, AUTHOR: 'jane' },
    ],
  ])('%j with secret_settings %j → %j', (settings, secretSettings, expected) => {
    expect(withoutSecretSettings(settings, secretSettings)).toEqual(expected);
  });
});
