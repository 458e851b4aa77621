import { describe, expect, it } from 'vitest';
import { readPrSettings, resolveFields, type SettingsMap } from '../../../src/core/settings';

const globalFields = { openedx_release: 'master', configuration_version: 'master', configuration_source_repo_url: 'https://github.com/openedx/configuration' };

const table: Array<{ name: string; pr: SettingsMap; repository?: Record<string, string>; recipe?: string[]; fields: Record<string, string> }> = [
  { name: 'global defaults when nothing overrides', pr: {}, fields: globalFields },
  {
    name: 'repository defaults over global defaults',
    pr: {},
    repository: { openedx_release: 'open-release/quince.1' },
    fields: { ...globalFields, openedx_release: 'open-release/quince.1' },
  },
  {
    name: 'PR key over repository and global defaults',
    pr: { openedx_release: 'my-branch' },
    repository: { openedx_release: 'open-release/quince.1' },
    fields: { ...globalFields, openedx_release: 'my-branch' },
  },
  { name: 'configuration_version from the PR', pr: { configuration_version: 'feature/x' }, fields: { ...globalFields, configuration_version: 'feature/x' } },
  {
    name: 'edx_ansible_source_repo is an alias of configuration_source_repo_url',
    pr: { edx_ansible_source_repo: 'https://github.com/me/configuration' },
    fields: { ...globalFields, configuration_source_repo_url: 'https://github.com/me/configuration' },
  },
  {
    name: 'the canonical name wins over the alias',
    pr: { edx_ansible_source_repo: 'https://alias', configuration_source_repo_url: 'https://canonical' },
    fields: { ...globalFields, configuration_source_repo_url: 'https://canonical' },
  },
  { name: 'a null PR value falls back to the default', pr: { openedx_release: null }, fields: globalFields },
  { name: 'numbers and booleans become text', pr: { openedx_release: 2024, configuration_version: true }, fields: { ...globalFields, openedx_release: '2024', configuration_version: 'true' } },
  {
    name: 'a recipe-declared field takes a PR value',
    pr: { tutor_version: 'v18.1.0' },
    recipe: ['tutor_version'],
    fields: { ...globalFields, tutor_version: 'v18.1.0' },
  },
  { name: 'a recipe field without any value is left out', pr: {}, recipe: ['tutor_version'], fields: globalFields },
  { name: 'other PR keys are not fields', pr: { EDXAPP_FEATURES: { A: true }, random_key: 'x' }, fields: globalFields },
  {
    name: 'fields known only from the repository defaults can be overridden too',
    pr: { extra_field: 'from-pr' },
    repository: { extra_field: 'from-repo' },
    fields: { ...globalFields, extra_field: 'from-pr' },
  },
];

describe('resolveFields', () => {
  it.each(table)('$name', ({ pr, repository, recipe, fields }) => {
    const result = resolveFields({ prSettings: pr, repositoryFields: repository ?? {}, globalFields, recipeFields: recipe });
    expect(result.fields).toEqual(fields);
    expect(result.errors).toEqual([]);
  });

  it('has no sticky values: removing the PR key restores the default on the next sync', () => {
    const repositoryFields = { configuration_version: 'repo-default' };
    const first = resolveFields({ prSettings: { configuration_version: 'pr-value' }, repositoryFields, globalFields });
    const second = resolveFields({ prSettings: {}, repositoryFields, globalFields });
    expect(first.fields.configuration_version).toBe('pr-value');
    expect(second.fields.configuration_version).toBe('repo-default');
  });

  it('reads numbers as written in the PR body (1.10 stays "1.10")', () => {
    const pr = readPrSettings('**Settings**\n```yaml\nconfiguration_version: 1.10\n```\n');
    const result = resolveFields({ prSettings: pr.settings ?? {}, repositoryFields: {}, globalFields, topLevelKeys: pr.topLevelKeys });
    expect(pr.settings).toEqual({ configuration_version: 1.1 });
    expect(result.fields.configuration_version).toBe('1.10');
  });

  it.each([
    ['a mapping', 'openedx_release:\n  a: 1', 'a mapping'],
    ['a list', 'openedx_release: [a, b]', 'a list'],
  ])('reports a field set to %s, with its place in the body', (_what, yaml, says) => {
    const pr = readPrSettings(`text\n**Settings**\n\`\`\`yaml\n${yaml}\n\`\`\`\n`);
    const result = resolveFields({ prSettings: pr.settings ?? {}, repositoryFields: {}, globalFields, topLevelKeys: pr.topLevelKeys });
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'settings_field_type', line: 4, column: 1, message: expect.stringContaining(says) as string }),
    ]);
    expect(result.fields.openedx_release).toBe('master');
  });
});
