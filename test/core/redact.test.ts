import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/core/redact';

describe('createRedactor', () => {
  it.each([
    ['password=hunter2-long', ['hunter2-long'], 'password=***'],
    ['a hunter2-long and hunter2-long', ['hunter2-long'], 'a *** and ***'],
    ['abc', ['ab'], 'abc'],
    ['token ghp_abcdef123456 tail', ['ghp_abcdef123456', 'abcdef'], 'token *** tail'],
    ['regex chars a.b*c(d) here', ['a.b*c(d)'], 'regex chars *** here'],
    ['line two of a key', ['-----BEGIN-----\nline two of a key\n-----END-----'], '***'],
    ['nothing to hide', [], 'nothing to hide'],
  ])('%j with %j → %j', (text, secrets, expected) => {
    expect(createRedactor(secrets).redact(text)).toBe(expected);
  });

  it('never leaves a secret in any text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 20 }).filter((s) => !s.includes('*')),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          expect(createRedactor([secret]).redact(before + secret + after)).not.toContain(secret);
        },
      ),
    );
  });
});

describe('createRedactor: what counts as a secret in a log line', () => {
  it.each([
    ['dbPassword=ab', [], 'dbPassword=***'],
    ['DBPASSWORD: x', [], 'DBPASSWORD: ***'],
    ['export PASSWD=a1', [], 'export PASSWD=***'],
    ['APIKEY=k1 next', [], 'APIKEY=*** next'],
    ['PASSPHRASE: "abc"', [], 'PASSPHRASE: "***"'],
    ['SENTRY_DSN=https://abc@sentry.io/1', [], 'SENTRY_DSN=***'],
    ['DATABASE_URL: postgres://app:pw@db/app', [], 'DATABASE_URL: postgres://app:***@db/app'],
    ['cloning https://x-access-token:ghs_1@github.com/o/r', [], 'cloning https://x-access-token:***@github.com/o/r'],
    ['cloning https://ghp_aaaaaaaaaaaaaaaaaaaaaaaa@github.com/o/r', [], 'cloning https://***@github.com/o/r'],
    ['ssh://git@github.com/o/r stays', [], 'ssh://git@github.com/o/r stays'],
    ['{"token": "t0k", "user": "bob"}', [], '{"token": "***", "user": "bob"}'],
    ["{'api_key': 'k'}", [], "{'api_key': '***'}"],
    ['Authorization: Bearer abc.def', [], 'Authorization: ***'],
    ['x: password=c', [], 'x: password=***'],
    ['mysql --password=abc --user=bob', [], 'mysql --password=*** --user=bob'],
    ['/login?user=bob&secret=s1&next=/', [], '/login?user=bob&secret=***&next=/'],
    ['author: Jane', [], 'author: Jane'],
    ['AUTH_TYPE=ldap KEYBOARD_LAYOUT=fr PWD=/srv', [], 'AUTH_TYPE=ldap KEYBOARD_LAYOUT=fr PWD=/srv'],
    ['time 12:30:45 ok', [], 'time 12:30:45 ok'],
    // A known short value is hidden only after a secret name, not everywhere.
    ['password=ab; the tab and abc stay', ['ab'], 'password=***; the tab and abc stay'],
    ['MYSQL_PASSWORD: ab', ['ab'], 'MYSQL_PASSWORD: ***'],
    ['long values go everywhere: s3cret-1', ['s3cret-1'], 'long values go everywhere: ***'],
    // Matches start where a run of name (or scheme) characters starts; the rules are the same inside a run.
    ['xyzPASSWORD=1 a.b-c_token=2', [], 'xyzPASSWORD=*** a.b-c_token=***'],
    ['9https://u:pw@h and +git+ssh://u:pw@h', [], '9https://u:***@h and +git+ssh://u:***@h'],
    [
      `${'A'.repeat(4000)}password=x ${'b9'.repeat(2000)}https://u:pw@h`,
      [],
      `${'A'.repeat(4000)}password=*** ${'b9'.repeat(2000)}https://u:***@h`,
    ],
  ])('%j with %j → %j', (text, secrets, expected) => {
    expect(createRedactor(secrets).redact(text)).toBe(expected);
  });

  it('is line-local: redacting line by line equals redacting the whole (property)', () => {
    const redactor = createRedactor(['hunter2-long']);
    const piece = fc.constantFrom('password', '=', ': ', ' ', 'x', 'hunter2-long', 'pg://a:', '@h', '\n', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(
          text
            .split(/(?<=\n)/)
            .map(redactor.redact)
            .join(''),
        ).toBe(redactor.redact(text));
      }),
    );
  });
});
