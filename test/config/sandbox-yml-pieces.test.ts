import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config';
import { testPrivateKey } from '../support/github-webhooks';
import { fakeGitHubAppYml, idleRepositoryYml, localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

// The pieces test/support/sandbox-yml.ts writes stand for the YAML tests wrote out by hand before: same values, same
// types (a quoted "true" stays a string, a block deploy keeps its lines), accepted by the real loader.
describe('sandbox.yml pieces for tests', () => {
  it('a sample repository on the local machine reads as the hand-written YAML', () => {
    const pieces = `
repositories:
${sampleRepositoryYml('acme/sample', 'file:///tmp/repo', { health_timeout: '15s' })}
    sleep_after: 1h
${localComputeYml('/tmp/work', { run_as: 'null', port_range: '[21700, 21799]' })}
`;
    const byHand = `
repositories:
  - name: acme/sample
    url: file:///tmp/repo
    sleep_after: 1h
    script:
      deploy: git rev-parse HEAD > built-commit.txt
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 15s
compute:
  local:
    work_root: /tmp/work
    run_as: null
    port_range: [21700, 21799]
`;
    expect(parse(pieces)).toEqual(parse(byHand));
  });

  it('keys given replace the recipe’s, a block deploy keeps its lines', () => {
    const deploy = `|
        git rev-parse HEAD > built-commit.txt
        sleep 2`;
    const parsed = parse(
      `repositories:\n${sampleRepositoryYml('acme/sample', 'file:///r', { deploy, start: 'exec x' })}\n`,
    );
    expect(parsed.repositories[0].script).toEqual({
      deploy: 'git rev-parse HEAD > built-commit.txt\nsleep 2\n',
      start: 'exec x',
      health_path: '/healthz',
    });
  });

  it('an idle repository never builds: its deploy is the string "true", its URL leads nowhere', () => {
    expect(parse(`repositories:\n${idleRepositoryYml('acme/app')}\n`)).toEqual({
      repositories: [
        { name: 'acme/app', url: 'file:///nonexistent/app.git', script: { deploy: 'true', start: 'exec sleep 60' } },
      ],
    });
  });

  it('the whole config, with the GitHub App against a fake, passes the real loader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-yml-pieces-'));
    const privateKey = testPrivateKey();
    writeFileSync(
      join(dir, 'sandbox.yml'),
      `
repositories:
${sampleRepositoryYml('acme/app', 'file:///tmp/repo')}
${localComputeYml(join(dir, 'work'), { port_range: '[21700, 21799]' })}
${fakeGitHubAppYml('127.0.0.1:3000', 'hook-secret', privateKey, { sync_debounce: '10m' })}
`,
    );
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.repositories[0]).toMatchObject({
      name: 'acme/app',
      script: {
        deploy: 'git rev-parse HEAD > built-commit.txt',
        start: 'exec node server.mjs',
        health_path: '/healthz',
      },
    });
    expect(config.compute.local).toMatchObject({ work_root: join(dir, 'work'), port_range: [21700, 21799] });
    expect(config.github).toMatchObject({
      app_id: '1',
      webhook_secret: 'hook-secret',
      ghe_host: '127.0.0.1:3000',
      ghe_protocol: 'http',
      app_slug: 'sandbox-bot',
      throttle: false,
      sync_debounce: 600_000,
      private_key: privateKey.trimEnd() + '\n',
    });
  });
});
