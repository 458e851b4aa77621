import { describe, expect, it } from 'vitest';
import { readPrSettings, resolveFields, type SettingsMap } from '../../../src/core/settings';

const globalFields = {
  openedx_release: 'master',
  configuration_version: 'master',
  configuration_source_repo_url: 'https://github.com/openedx/configuration',
};

const table: Array<{
  name: string;
  pr: SettingsMap;
  repository?: Record<string, string>;
  recipe?: string[];
  fields: Record<string, string>;
}> = [
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
  {
    name: 'configuration_version from the PR',
    pr: { configuration_version: 'feature/x' },
    fields: { ...globalFields, configuration_version: 'feature/x' },
  },
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
  {
    name: 'numbers and booleans become text',
    pr: { openedx_release: 2024, configuration_version: true },
    fields: { ...globalFields, openedx_release: '2024', configuration_version: 'true' },
  },
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
    const result = resolveFields({
      prSettings: pr,
      repositoryFields: repository ?? {},
      globalFields,
      recipeFields: recipe,
    });
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
    const result = resolveFields({
      prSettings: pr.settings ?? {},
      repositoryFields: {},
      globalFields,
      topLevelKeys: pr.topLevelKeys,
    });
    expect(pr.settings).toEqual({ configuration_version: 1.1 });
    expect(result.fields.configuration_version).toBe('1.10');
  });

  it.each([
    ['a mapping', 'openedx_release:\n  a: 1', 'a mapping'],
    ['a list', 'openedx_release: [a, b]', 'a list'],
  ])('reports a field set to %s, with its place in the body', (_what, yaml, says) => {
    const pr = readPrSettings(`text\n**Settings**\n\`\`\`yaml\n${yaml}\n\`\`\`\n`);
    const result = resolveFields({
      prSettings: pr.settings ?? {},
      repositoryFields: {},
      globalFields,
      topLevelKeys: pr.topLevelKeys,
    });
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'settings_field_type',
        line: 4,
        column: 1,
        message: expect.stringContaining(says) as string,
      }),
    ]);
    expect(result.fields.openedx_release).toBe('master');
  });
});

describe('resolveFields with recipe declarations (defaults and aliases)', () => {
  const recipe = [
    { name: 'tutor_version', default: '21.0.8' },
    { name: 'platform_name', default: null },
    {
      name: 'theme_repo',
      default: 'https://github.com/acme/theme',
      aliases: ['comprehensive_theme_repo', 'old_theme'],
    },
  ];
  const none = {};
  const recipeTable: Array<{
    name: string;
    pr: SettingsMap;
    repository?: Record<string, string>;
    global?: Record<string, string>;
    expected: Record<string, string | undefined>;
  }> = [
    {
      name: 'the recipe default when nothing else sets the field',
      pr: {},
      expected: { tutor_version: '21.0.8', theme_repo: 'https://github.com/acme/theme', platform_name: undefined },
    },
    {
      name: 'the global default over the recipe default',
      pr: {},
      global: { tutor_version: '20.0.0' },
      expected: { tutor_version: '20.0.0' },
    },
    {
      name: 'the repository default over the global and recipe defaults',
      pr: {},
      global: { tutor_version: '20.0.0' },
      repository: { tutor_version: '19.0.0' },
      expected: { tutor_version: '19.0.0' },
    },
    {
      name: 'the PR key over every default',
      pr: { tutor_version: '18.1.0' },
      repository: { tutor_version: '19.0.0' },
      expected: { tutor_version: '18.1.0' },
    },
    {
      name: 'a recipe alias sets the field',
      pr: { old_theme: 'https://fork/theme' },
      expected: { theme_repo: 'https://fork/theme' },
    },
    {
      name: 'the first alias wins over a later one',
      pr: { old_theme: 'https://b', comprehensive_theme_repo: 'https://a' },
      expected: { theme_repo: 'https://a' },
    },
    {
      name: 'the canonical name wins over a recipe alias',
      pr: { comprehensive_theme_repo: 'https://alias', theme_repo: 'https://canonical' },
      expected: { theme_repo: 'https://canonical' },
    },
    {
      name: 'a null alias falls back to the defaults',
      pr: { old_theme: null },
      repository: { theme_repo: 'https://repo' },
      expected: { theme_repo: 'https://repo' },
    },
    {
      name: 'a field with a null recipe default gets a value from the PR',
      pr: { platform_name: 'Demo' },
      expected: { platform_name: 'Demo' },
    },
  ];

  it.each(recipeTable)('$name', ({ pr, repository, global, expected }) => {
    const result = resolveFields({
      prSettings: pr,
      repositoryFields: repository ?? none,
      globalFields: global ?? none,
      recipeFields: recipe,
    });
    expect(result.errors).toEqual([]);
    for (const [name, value] of Object.entries(expected)) expect(result.fields[name], name).toBe(value);
  });

  it('an alias set to a mapping is a settings error naming the alias and the field', () => {
    const result = resolveFields({
      prSettings: { old_theme: { url: 'x' } },
      repositoryFields: none,
      globalFields: none,
      recipeFields: recipe,
    });
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: 'settings_field_type',
        message: expect.stringContaining(
          'old_theme sets the theme_repo field and must be a single value, not a mapping',
        ),
      }),
    ]);
    expect(result.fields.theme_repo).toBe('https://github.com/acme/theme');
  });

  it('the openedx-ansible declarations: defaults, and the predecessor’s edx_ansible_source_repo', async () => {
    const { openedxAnsibleFields } = await import('../../../src/infra/recipes/openedx-ansible');
    const defaults = resolveFields({
      prSettings: {},
      repositoryFields: none,
      globalFields: none,
      recipeFields: openedxAnsibleFields,
    });
    expect(defaults.fields).toEqual({
      openedx_release: 'master',
      configuration_source_repo_url: 'https://github.com/openedx/configuration.git',
      configuration_version: 'master',
      configuration_playbook_name: 'playbooks/openedx_native.yml',
    });
    const fromPr = resolveFields({
      prSettings: { edx_ansible_source_repo: 'https://github.com/me/configuration', configuration_version: 'v2' },
      repositoryFields: none,
      globalFields: none,
      recipeFields: openedxAnsibleFields,
    });
    expect(fromPr.fields).toMatchObject({
      configuration_source_repo_url: 'https://github.com/me/configuration',
      configuration_version: 'v2',
    });
  });
});

describe('the openedx-ansible playbook follows the release (the predecessor’s get_base_playbook_name)', () => {
  it.each([
    [{}, 'playbooks/openedx_native.yml'],
    [{ openedx_release: 'open-release/ginkgo.2' }, 'playbooks/edx_sandbox.yml'],
    [{ openedx_release: 'open-release/hawthorn.1' }, 'playbooks/edx_sandbox.yml'],
    [{ openedx_release: 'open-release/Hawthorn.master' }, 'playbooks/edx_sandbox.yml'],
    [{ openedx_release: 'open-release/ironwood.3' }, 'playbooks/openedx_native.yml'],
    [
      { openedx_release: 'open-release/ginkgo.2', configuration_playbook_name: 'playbooks/mine.yml' },
      'playbooks/mine.yml',
    ],
  ])('%j → %s', async (pr, playbook) => {
    const { openedxAnsibleFields } = await import('../../../src/infra/recipes/openedx-ansible');
    const result = resolveFields({
      prSettings: pr,
      repositoryFields: {},
      globalFields: {},
      recipeFields: openedxAnsibleFields,
    });
    expect(result.fields.configuration_playbook_name).toBe(playbook);
  });

  it('a release from the repository or global defaults counts too; a configured playbook wins over the derived one', async () => {
    const { openedxAnsibleFields } = await import('../../../src/infra/recipes/openedx-ansible');
    const resolve = (repositoryFields: Record<string, string>, globals: Record<string, string>) =>
      resolveFields({ prSettings: {}, repositoryFields, globalFields: globals, recipeFields: openedxAnsibleFields })
        .fields.configuration_playbook_name;
    expect(resolve({ openedx_release: 'open-release/hawthorn.2' }, {})).toBe('playbooks/edx_sandbox.yml');
    expect(resolve({}, { openedx_release: 'open-release/ginkgo.1' })).toBe('playbooks/edx_sandbox.yml');
    expect(
      resolve({ openedx_release: 'open-release/ginkgo.1' }, { configuration_playbook_name: 'playbooks/site.yml' }),
    ).toBe('playbooks/site.yml');
  });
});
