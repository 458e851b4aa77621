import { describe, expect, it } from 'vitest';
import { explainSettings, type ExplainSettingsInput } from '../../../src/core/settings';

const base: ExplainSettingsInput = {
  body: null,
  repository: 'acme/name',
  number: 1,
  baseDomain: 'example.com',
  configuredRepositories: ['acme/name'],
  globalFields: { openedx_release: 'master' },
};

describe('explainSettings', () => {
  it('produces exactly the documented keys, in order', () => {
    const result = explainSettings({ ...base, body: '**Settings**\n```yaml\nA: 1\n```\n' });
    expect(Object.keys(result)).toEqual([
      'block',
      'settings',
      'fields',
      'databases',
      'slug',
      'domain',
      'domains',
      'errors',
    ]);
    expect(result).toEqual({
      block: 'A: 1\n',
      settings: { A: 1 },
      fields: { openedx_release: 'master' },
      databases: 'ephemeral',
      slug: 'pr1-name',
      domain: 'pr1-name.example.com',
      domains: ['pr1-name.example.com'],
      errors: [],
    });
  });

  it('gives null block and null settings when neither the PR nor the repository has settings', () => {
    const result = explainSettings({ ...base, body: 'no settings here' });
    expect(result.block).toBeNull();
    expect(result.settings).toBeNull();
    expect(result.errors).toEqual([]);
  });

  it('merges repository defaults under the PR block and resolves fields from both', () => {
    const result = explainSettings({
      ...base,
      body: '## Settings\n```yaml\nEDXAPP_FEATURES:\n  B: false\nedx_ansible_source_repo: https://github.com/me/configuration\n```\n',
      repositorySettings: { EDXAPP_FEATURES: { A: true, B: true }, SECRET_KEY: 'operator-set' },
      repositoryFields: { configuration_version: 'v1' },
    });
    expect(result.settings).toEqual({
      EDXAPP_FEATURES: { A: true, B: false },
      SECRET_KEY: 'operator-set',
      edx_ansible_source_repo: 'https://github.com/me/configuration',
    });
    expect(result.fields).toEqual({
      openedx_release: 'master',
      configuration_version: 'v1',
      configuration_source_repo_url: 'https://github.com/me/configuration',
    });
  });

  it('on settings errors: settings null, fields and database mode from the defaults, errors sorted by line', () => {
    const result = explainSettings({
      ...base,
      body: 'pr1-name.example.com (persistent databases)\n**Settings**\n```yaml\nopenedx_release: mine\nephemeral_databases: maybe\nA_PASSWORD: x\n```\n',
      repositorySettings: { A: 1 },
    });
    expect(result.settings).toBeNull();
    expect(result.fields).toEqual({ openedx_release: 'master' });
    expect(result.databases).toBe('persistent');
    expect(result.errors.map((error) => [error.code, error.line])).toEqual([['settings_denied_key', 6]]);
  });

  it('reports field type errors next to parse-level ones', () => {
    const result = explainSettings({
      ...base,
      body: '**Settings**\n```yaml\nephemeral_databases: maybe\nopenedx_release: [a]\n```\n',
    });
    expect(result.errors.map((error) => [error.code, error.line, error.column])).toEqual([
      ['settings_field_type', 3, 1],
      ['settings_field_type', 4, 1],
    ]);
    expect(result.settings).toBeNull();
  });

  it('uses the instance domain for the database marker and recipe prefixes for extra domains', () => {
    const result = explainSettings({
      ...base,
      number: 42,
      body: 'Try it: studio-pr42-name.example.com (persistent databases)',
      domainPrefixes: ['studio', 'preview'],
    });
    expect(result.domains).toEqual([
      'pr42-name.example.com',
      'studio-pr42-name.example.com',
      'preview-pr42-name.example.com',
    ]);
    expect(result.databases).toBe('persistent');
  });

  it('keeps every prefixed label within 63 characters', () => {
    const result = explainSettings({ ...base, repository: `acme/${'n'.repeat(80)}`, domainPrefixes: ['discovery'] });
    for (const domain of result.domains) expect(domain.split('.')[0]!.length).toBeLessThanOrEqual(63);
  });

  it('joins the owner when two configured repositories share a name', () => {
    const result = explainSettings({
      ...base,
      repository: 'edx/edx-platform',
      configuredRepositories: ['edx/edx-platform', 'acme/edx-platform'],
    });
    expect(result.slug).toBe('pr1-edx-edx-platform');
  });

  it('applies extra deny patterns from the configuration', () => {
    const result = explainSettings({
      ...base,
      body: '**Settings**\n```yaml\nFEATURE_FLAG: on\n```\n',
      extraDenyPatterns: ['FEATURE_*'],
    });
    expect(result.errors.map((error) => error.code)).toEqual(['settings_denied_key']);
  });
});
