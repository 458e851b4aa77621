import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { parseSettings } from '../../src/core/settings';
import { configProblems } from '../support/config-text';

function withFile(text: string): { cwd: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'sbx-config-'));
  writeFileSync(join(cwd, 'sandbox.yml'), text);
  return { cwd };
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no file at all', () => {
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'sbx-config-')) });
    expect(config.base_domain).toBe('localhost');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000, drain: 0 });
    expect(config.public_url).toBe('http://localhost:3000');
    expect(config.database.url).toBeNull();
    expect(config.compute.provider).toBe('local');
    expect(config.load_balancer.provider).toBe('builtin');
    expect(config.worker.shutdown_grace).toBe(30_000);
    expect(config.repositories).toEqual([]);
  });

  it('folds in environment overrides and secrets', () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'sbx-key-'));
    writeFileSync(join(keyDir, 'app.pem'), '-----BEGIN KEY-----\nabc\n');
    const config = loadConfig({
      cwd: keyDir,
      env: {
        PORT: '4010',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db/x',
        APP_ID: '12',
        PRIVATE_KEY_PATH: join(keyDir, 'app.pem'),
        WEBHOOK_SECRET: 'w',
        SLACK_BOT_TOKEN: 'xoxb-1',
        LOG_LEVEL: 'debug',
      },
    });
    expect(config.server).toEqual({ host: '0.0.0.0', port: 4010, drain: 0 });
    expect(config.public_url).toBe('http://localhost:4010');
    expect(config.database.url).toBe('postgres://u:p@db/x');
    expect(config.github.app_id).toBe('12');
    expect(config.github.private_key).toContain('BEGIN KEY');
    expect(config.slack.bot_token).toBe('xoxb-1');
    expect(config.log.level).toBe('debug');
  });

  it('turns \\n in PRIVATE_KEY into newlines', () => {
    const config = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'c-')), env: { PRIVATE_KEY: 'a\\nb' } });
    expect(config.github.private_key).toBe('a\nb');
  });

  it('reads repositories with their defaults', () => {
    const { cwd } = withFile(`
base_domain: sandbox.example.com
repositories:
  - name: acme/shop
    settings: { DEBUG: true }
    script: { start: node server.js, health_timeout: 2m }
`);
    const config = loadConfig({ cwd, env: {} });
    const repo = config.repositories[0]!;
    expect(repo.recipe).toBe('script');
    expect(repo.on_push).toBe('redeploy');
    expect(repo.trigger).toEqual({
      teams: [],
      min_permission: 'write',
      allow_forks: false,
      allow_drafts: false,
      allow_forks_unisolated: false,
    });
    expect(repo.script?.health_timeout).toBe(120_000);
    expect(repo.script?.deploy).toBe('true');
    expect(repo.archive_grace).toBe(0);
  });

  it('reads repository default settings with the same YAML rules as a PR Settings block', () => {
    const settings = 'DEBUG: yes\nCACHE: off\nWORKERS: 1_000\nRATIO: 1e3\nLABEL: y\nRELEASE: 2024-01-02\n';
    const { cwd } = withFile(`
repositories:
  - name: acme/shop
    settings:
${settings
  .split('\n')
  .filter(Boolean)
  .map((line) => `      ${line}`)
  .join('\n')}
    script: { start: node server.js }
`);
    const fromConfig = loadConfig({ cwd, env: {} }).repositories[0]!.settings;
    const fromPullRequest = parseSettings({
      text: settings,
      fenceLine: 1,
      fenceColumn: 1,
      firstLine: 2,
      removedIndent: [],
    }).settings;
    expect(fromConfig).toEqual(fromPullRequest);
    expect(fromConfig).toEqual({
      DEBUG: true,
      CACHE: false,
      WORKERS: 1000,
      RATIO: '1e3',
      LABEL: 'y',
      RELEASE: '2024-01-02',
    });
  });

  it('names the path and the allowed values of a bad enum', () => {
    const { cwd } = withFile('repositories:\n  - name: acme/shop\n    recipe: docker\n');
    expect(configProblems(() => loadConfig({ cwd, env: {} }))).toEqual([
      'repositories[0].recipe: expected one of script, compose, openedx-ansible, tutor',
    ]);
  });

  it('rejects unknown keys, at any depth, and lists every problem at once', () => {
    const { cwd } = withFile(
      'base_domian: x\nserver:\n  prot: 3\nworker:\n  concurrency: 0\nretention:\n  min_age: soon\n',
    );
    const problems = configProblems(() => loadConfig({ cwd, env: {} }));
    expect(problems).toHaveLength(4);
    expect(problems).toContain('base_domian: unknown key (check the spelling; see docs/configuration.md)');
    expect(problems).toContain('server.prot: unknown key (check the spelling; see docs/configuration.md)');
    expect(problems.some((p) => p.startsWith('worker.concurrency:'))).toBe(true);
    expect(problems).toContain('retention.min_age: expected a duration such as 30s, 5m, 2h or 14d');
  });

  it('reports YAML syntax errors with line and column', () => {
    const { cwd } = withFile('base_domain: a\nserver:\n  port: [1\n');
    const problems = configProblems(() => loadConfig({ cwd, env: {} }));
    expect(problems[0]).toMatch(/^line \d+ column \d+: /);
  });

  it('rejects duplicate keys and a non-mapping root', () => {
    expect(configProblems(() => loadConfig({ ...withFile('base_domain: a\nbase_domain: b\n'), env: {} }))[0]).toMatch(
      /unique|duplicate/i,
    );
    expect(configProblems(() => loadConfig({ ...withFile('- a\n- b\n'), env: {} }))).toEqual([
      'the file must be a YAML mapping (key: value lines) at the top level',
    ]);
  });

  it('fails when SBX_CONFIG names a missing file', () => {
    expect(
      configProblems(() => loadConfig({ cwd: tmpdir(), env: { SBX_CONFIG: '/no/such/sandbox.yml' } }))[0],
    ).toContain('file not found');
  });

  it('fails on a bad environment value with the config path', () => {
    const problems = configProblems(() =>
      loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'c-')), env: { PORT: 'eighty' } }),
    );
    expect(problems).toEqual(['server.port: expected number']);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'c-')), env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow();
  });
});

describe('sandbox.example.yml', () => {
  it('is a valid configuration', () => {
    const config = loadConfig({
      cwd: join(import.meta.dirname, '..', '..'),
      env: { SBX_CONFIG: 'sandbox.example.yml' },
    });
    expect(config.repositories[0]?.name).toBe('acme/shop');
    expect(config.repositories[0]?.ttl).toBe(14 * 86_400_000);
  });
});
