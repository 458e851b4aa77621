import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AppserverConfig } from '../../../src/core/model';
import { validateRef } from '../../../src/core/operations/create-instance';
import { closeMatches } from '../../../src/core/operations/resolve-instance';
import { renderEnvFile, renderWorkFiles, sandboxEnv } from '../../../src/core/provisioning/work-files';

const config: AppserverConfig = {
  recipe: 'script',
  repository: 'acme/shop',
  repoUrl: 'file:///repo',
  ref: 'main',
  commitSha: 'abc123',
  slug: 'pr1-shop',
  domains: ['pr1-shop.example.com', 'studio-pr1-shop.example.com'],
  settings: { NESTED: { list: [1, 2] }, EVIL: '$(touch /tmp/x)' },
  fields: { openedx_release: 'master' },
  databaseMode: 'ephemeral',
  phases: { deploy: 'make', start: 'node server.js', stop: null, destroy: null },
  healthPath: '/',
  healthTimeoutMs: 1000,
};

describe('work directory files', () => {
  it('writes the settings as YAML, the env as quoted assignments, and phases as scripts', () => {
    const env = sandboxEnv(config, { id: 17, number: 3, port: 20001, workDir: '/srv/pr1-shop/appserver-3' });
    expect(env).toMatchObject({
      SBX_APPSERVER_ID: '17',
      SBX_SLUG: 'pr1-shop',
      SBX_DOMAINS: 'pr1-shop.example.com studio-pr1-shop.example.com',
      PORT: '20001',
      SBX_FIELD_OPENEDX_RELEASE: 'master',
      SBX_COMMIT: 'abc123',
    });
    const files = renderWorkFiles(config, env);
    expect(files.map((f) => f.name)).toEqual([
      'vars.yml',
      'vars.json',
      'sandbox.env',
      'phases/deploy.sh',
      'phases/start.sh',
      'sbx-run.sh',
    ]);
    // The sandbox's own values join the settings (and win over them).
    expect(parse(files[0]!.content)).toEqual({
      ...config.settings,
      SBX_SLUG: 'pr1-shop',
      SBX_DOMAIN: 'pr1-shop.example.com',
      SBX_PORT: 20001,
    });
    expect(JSON.parse(files[1]!.content)).toEqual(parse(files[0]!.content));
    expect(files[0]!.mode).toBe(0o600);
  });

  it.each([['plain'], ['$(touch /tmp/x)'], ['`id`'], ["it's"], ['a\nb'], ['x; rm -rf /'], ['']])(
    'an env file value %j reads back exactly when sourced by bash',
    (value) => {
      const dir = mkdtempSync(join(tmpdir(), 'sbx-env-'));
      writeFileSync(join(dir, 'sandbox.env'), renderEnvFile({ VALUE: value }));
      const out = execFileSync('bash', ['-c', 'set -a; . ./sandbox.env; printf %s "$VALUE"'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(out).toBe(value);
    },
  );

  it('refuses environment names that are not plain identifiers', () => {
    expect(() => renderEnvFile({ 'BAD NAME': 'x' })).toThrow();
    expect(() => renderEnvFile({ 'X;touch': 'x' })).toThrow();
  });
});

describe('refs and references', () => {
  it.each(['main', 'release/1.2', 'v1.0.0', 'abc123def', 'feature_x-y'])('accepts ref %s', (ref) =>
    expect(validateRef(ref)).toBe(ref),
  );
  it.each(['--upload-pack=touch', '-x', 'a..b', 'a b', 'a;b', '$(x)', ''])('refuses ref %j', (ref) =>
    expect(() => validateRef(ref)).toThrow(/invalid ref/),
  );
  it('suggests close slugs', () => {
    expect(closeMatches('pr42-shpo', ['pr42-shop', 'pr43-shop', 'other'])).toEqual(['pr42-shop']);
    expect(closeMatches('pr4', ['pr42-shop', 'pr43-shop', 'other'])).toEqual(['pr42-shop', 'pr43-shop']);
    expect(closeMatches('zzz', ['pr42-shop'])).toEqual([]);
  });
});
