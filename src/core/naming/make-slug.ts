import { SandboxError } from '../errors';
import { hashText, maxLabelLength, sanitizeLabel } from './sanitize-label';

export const defaultSlugTemplate = 'pr{number}-{repo}';

const placeholders = new Set(['{number}', '{repo}', '{owner}', '{branch}']);

export interface MakeSlugInput {
  /** The PR's repository, `owner/name`. */
  repository: string;
  number: number;
  branch?: string;
  /** `naming.slug_template`; placeholders {number} {repo} {owner} {branch}. */
  template?: string;
  /** Every watched repository (`owner/name`), so forks that share a name never share a slug. */
  configuredRepositories?: readonly string[];
  /** At most this many characters (63 by default; less to leave room for recipe prefixes). */
  maxLength?: number;
}

/**
 * The slug (and first domain label) of a PR sandbox: `pr{number}-{repo}` by
 * default, lowercase `a-z0-9-`, no leading or trailing hyphen, at most 63
 * characters. When another watched repository has the same name, the owner
 * joins: `pr{number}-{owner}-{repo}`. Names that still coincide after
 * sanitising get a short stable hash of the repository, and over-long slugs
 * are cut and end in a hash of repository and number.
 */
export function makeSlug(input: MakeSlugInput): string {
  const template = input.template ?? defaultSlugTemplate;
  const problem = checkSlugTemplate(template);
  if (problem) throw new SandboxError('config_invalid', `naming.slug_template "${template}": ${problem}`);
  if (!Number.isSafeInteger(input.number) || input.number < 0) {
    throw new SandboxError(
      'usage',
      `pull request number ${input.number} is not a whole number; pass the PR number, e.g. 42`,
    );
  }
  const self = splitRepository(input.repository);
  const maxLength = Math.min(input.maxLength ?? maxLabelLength, maxLabelLength);
  const configured = uniqueRepositories(input.configuredRepositories ?? []);
  const namesInUse = countOwnersPerName([...configured, self]);
  const render = (repository: Repository) => renderSlug(template, repository, input, namesInUse);

  let slug = render(self);
  const clash = configured.some((other) => other.full !== self.full && render(other) === slug);
  if (clash) slug = `${slug}-${hashText(self.full)}`;
  if (slug.length > maxLength) {
    const suffix = hashText(`${self.full}#${input.number}`);
    slug = `${slug.slice(0, Math.max(0, maxLength - suffix.length - 1)).replace(/-+$/, '')}-${suffix}`.replace(
      /^-+/,
      '',
    );
  }
  return slug;
}

/** Why a slug template cannot give unique slugs, or null when it can. */
export function checkSlugTemplate(template: string): string | null {
  for (const found of template.match(/\{[^{}]*\}/g) ?? []) {
    if (!placeholders.has(found)) return `unknown placeholder ${found}; use {number}, {repo}, {owner} or {branch}`;
  }
  const at = template.indexOf('{number}');
  if (at === -1) return 'it must contain {number}, or two pull requests would share a sandbox';
  if (template[at - 1] === '}') return 'put a separator such as "-" before {number}, e.g. {repo}-{number}';
  // A letter or digit right after the number would blur where the number ends (pr1{repo} vs pr12…).
  const next = template[at + '{number}'.length];
  if (next !== undefined && (next === '{' || /[A-Za-z0-9]/.test(next))) {
    return 'put a separator such as "-" after {number}, e.g. pr{number}-{repo}';
  }
  return null;
}

interface Repository {
  owner: string;
  name: string;
  /** `owner/name`, lowercase. */
  full: string;
}

function splitRepository(text: string): Repository {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(text.trim());
  if (!match) throw new SandboxError('usage', `repository "${text}" is not owner/name; write it like edx/edx-platform`);
  const owner = (match[1] as string).toLowerCase();
  const name = (match[2] as string).toLowerCase();
  return { owner, name, full: `${owner}/${name}` };
}

function uniqueRepositories(list: readonly string[]): Repository[] {
  const seen = new Map<string, Repository>();
  for (const text of list) {
    const repository = splitRepository(text);
    seen.set(repository.full, repository);
  }
  return [...seen.values()];
}

function countOwnersPerName(repositories: Repository[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const { owner, name } of repositories) {
    const set = owners.get(name) ?? new Set<string>();
    set.add(owner);
    owners.set(name, set);
  }
  return owners;
}

function renderSlug(
  template: string,
  repository: Repository,
  input: MakeSlugInput,
  namesInUse: Map<string, Set<string>>,
): string {
  const shared = (namesInUse.get(repository.name)?.size ?? 0) > 1;
  const effective =
    shared && !template.includes('{owner}') ? template.replaceAll('{repo}', '{owner}-{repo}') : template;
  const values: Record<string, string> = {
    '{number}': String(input.number),
    '{repo}': repository.name,
    '{owner}': repository.owner,
    '{branch}': input.branch ?? '',
  };
  return sanitizeLabel(effective.replace(/\{(number|repo|owner|branch)\}/g, (found) => values[found] ?? ''));
}
