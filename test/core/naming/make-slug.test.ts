import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSandboxError } from '../../../src/core/errors';
import { checkSlugTemplate, makeSlug, type MakeSlugInput } from '../../../src/core/naming';

const table: Array<[string, MakeSlugInput, string]> = [
  ['the default template', { repository: 'acme/app', number: 42 }, 'pr42-app'],
  ['lowercase', { repository: 'Acme/My-App', number: 7 }, 'pr7-my-app'],
  ['dots and underscores become hyphens', { repository: 'acme/my_app.js', number: 1 }, 'pr1-my-app-js'],
  ['runs of separators collapse', { repository: 'acme/a__--..b', number: 1 }, 'pr1-a-b'],
  ['no trailing hyphen', { repository: 'acme/app-', number: 1 }, 'pr1-app'],
  [
    'a repository alone in the configuration keeps the short form',
    { repository: 'edx/edx-platform', number: 5, configuredRepositories: ['edx/edx-platform', 'edx/other'] },
    'pr5-edx-platform',
  ],
  [
    'same name in two owners: the owner joins',
    { repository: 'edx/edx-platform', number: 5, configuredRepositories: ['edx/edx-platform', 'acme/edx-platform'] },
    'pr5-edx-edx-platform',
  ],
  [
    '…for the fork too',
    { repository: 'acme/edx-platform', number: 5, configuredRepositories: ['edx/edx-platform', 'acme/edx-platform'] },
    'pr5-acme-edx-platform',
  ],
  [
    'same-name check ignores case',
    { repository: 'acme/App', number: 3, configuredRepositories: ['ACME/app', 'other/APP'] },
    'pr3-acme-app',
  ],
  [
    'a repository outside the configuration still avoids a configured namesake',
    { repository: 'fork/app', number: 3, configuredRepositories: ['acme/app'] },
    'pr3-fork-app',
  ],
  [
    'custom template with owner and branch',
    { repository: 'acme/app', number: 9, branch: 'feature/New_UI', template: '{owner}-{repo}-pr{number}-{branch}' },
    'acme-app-pr9-feature-new-ui',
  ],
  ['template with the number first', { repository: 'acme/app', number: 9, template: '{number}-{repo}' }, '9-app'],
];

describe('makeSlug', () => {
  it.each(table)('%s', (_name, input, slug) => {
    expect(makeSlug(input)).toBe(slug);
  });

  it('adds a stable hash when names still coincide after sanitising', () => {
    const configuredRepositories = ['acme/foo.bar', 'acme/foo_bar'];
    const a = makeSlug({ repository: 'acme/foo.bar', number: 1, configuredRepositories });
    const b = makeSlug({ repository: 'acme/foo_bar', number: 1, configuredRepositories });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^pr1-foo-bar-[a-z0-9]{7}$/);
    expect(makeSlug({ repository: 'acme/foo.bar', number: 1, configuredRepositories })).toBe(a);
  });

  it('keeps owners with hyphens apart (a-b/c vs a/b-c, both with namesakes)', () => {
    const configuredRepositories = ['a-b/c', 'x/c', 'a/b-c', 'y/b-c'];
    const first = makeSlug({ repository: 'a-b/c', number: 1, configuredRepositories });
    const second = makeSlug({ repository: 'a/b-c', number: 1, configuredRepositories });
    expect(first).not.toBe(second);
  });

  it('cuts long slugs to 63 characters and ends them in a stable hash', () => {
    const slug = makeSlug({ repository: `acme/${'very-long-name-'.repeat(8)}`, number: 123456 });
    expect(slug.length).toBeLessThanOrEqual(63);
    expect(slug).toMatch(/^pr123456-very-long-name-[a-z0-9-]*-[a-z0-9]{7}$/);
    expect(slug).not.toMatch(/--|-$/);
    expect(makeSlug({ repository: `acme/${'very-long-name-'.repeat(8)}`, number: 123457 })).not.toBe(slug);
  });

  it('honours a smaller maximum, for recipe prefixes', () => {
    expect(makeSlug({ repository: `acme/${'x'.repeat(70)}`, number: 1, maxLength: 50 }).length).toBeLessThanOrEqual(50);
  });

  it.each([
    ['{repo}', 'must contain {number}'],
    ['pr{number}{repo}', 'separator'],
    ['{repo}{number}-x', 'separator'],
    ['pr{number}-{nme}', 'unknown placeholder {nme}'],
  ])('refuses the template %s', (template, says) => {
    expect(checkSlugTemplate(template)).toContain(says);
    let caught: unknown;
    try {
      makeSlug({ repository: 'acme/app', number: 1, template });
    } catch (error) {
      caught = error;
    }
    expect(isSandboxError(caught, 'config_invalid')).toBe(true);
  });

  it.each([['not-a-repo'], ['a/b/c'], ['']])('refuses the repository %j', (repository) => {
    expect(() => makeSlug({ repository, number: 1 })).toThrow(/owner\/name/);
  });

  it('refuses a negative or fractional PR number', () => {
    expect(() => makeSlug({ repository: 'a/b', number: -1 })).toThrow(/whole number/);
    expect(() => makeSlug({ repository: 'a/b', number: 1.5 })).toThrow(/whole number/);
  });
});

const namePart = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/);
const repository = fc
  .tuple(fc.constantFrom('edx', 'acme', 'a-b', 'a', 'open-craft', 'x'), namePart)
  .map(([owner, name]) => `${owner}/${name}`);

describe('makeSlug properties', () => {
  it('gives valid DNS labels', () => {
    fc.assert(
      fc.property(repository, fc.nat(10_000_000), (repo, number) => {
        const slug = makeSlug({ repository: repo, number });
        expect(slug).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
        expect(slug.length).toBeLessThanOrEqual(63);
      }),
    );
  });

  it('never gives two (repository, number) pairs of one configuration the same slug', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(repository, { minLength: 2, maxLength: 8, selector: (r) => r.toLowerCase() }),
        fc.uniqueArray(fc.nat(200), { minLength: 1, maxLength: 5 }),
        (repos, numbers) => {
          const seen = new Map<string, string>();
          for (const repo of repos) {
            for (const number of numbers) {
              const slug = makeSlug({ repository: repo, number, configuredRepositories: repos });
              const owner = `${repo.toLowerCase()}#${number}`;
              expect(seen.get(slug) ?? owner).toBe(owner);
              seen.set(slug, owner);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
