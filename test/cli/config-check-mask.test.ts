import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/cli/commands/config';
import { loadConfig } from '../../src/config/load-config';

describe('sbx config check masking', () => {
  it('masks repositories[].settings like the status page does', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sbx-config-'));
    writeFileSync(
      join(cwd, 'sandbox.yml'),
      [
        'repositories:',
        '  - name: acme/app',
        '    secret_settings: [LICENSE_CODE]',
        '    settings:',
        '      dbPassword: pw',
        '      SENTRY_DSN: https://key@sentry.io/1',
        '      DATABASE_URL: postgres://app:pw@db/app',
        '      LICENSE_CODE: abc',
        '      AUTHOR: jane',
        '',
      ].join('\n'),
    );
    const masked = maskSecrets(loadConfig({ env: {}, cwd })) as {
      repositories: { settings: Record<string, unknown> }[];
    };
    expect(masked.repositories[0]!.settings).toEqual({
      dbPassword: '***',
      SENTRY_DSN: '***',
      DATABASE_URL: 'postgres://app:***@db/app',
      LICENSE_CODE: '***',
      AUTHOR: 'jane',
    });
  });
});
