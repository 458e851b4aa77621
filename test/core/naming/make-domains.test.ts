import { describe, expect, it } from 'vitest';
import { makeDomains, measurePrefixRoom } from '../../../src/core/naming';

describe('makeDomains', () => {
  it.each([
    [{ slug: 'pr42-app', baseDomain: 'example.com' }, ['pr42-app.example.com']],
    [{ slug: 'pr42-app', baseDomain: 'Sandbox.Example.COM.' }, ['pr42-app.sandbox.example.com']],
    [{ slug: 'pr42-app', baseDomain: 'localhost' }, ['pr42-app.localhost']],
    [
      { slug: 'pr1-x', baseDomain: 'example.com', prefixes: ['studio', 'preview'] },
      ['pr1-x.example.com', 'studio-pr1-x.example.com', 'preview-pr1-x.example.com'],
    ],
    [
      { slug: 'pr1-x', baseDomain: 'example.com', prefixes: ['studio-', 'Studio', ''] },
      ['pr1-x.example.com', 'studio-pr1-x.example.com'],
    ],
  ])('%j', (input, domains) => {
    const result = makeDomains(input);
    expect(result.domains).toEqual(domains);
    expect(result.domain).toBe(domains[0]);
    // a hyphen, never a dot: one wildcard certificate covers every domain
    for (const domain of result.domains) expect(domain.split('.').length).toBe(result.domain.split('.').length);
  });

  it('refuses an empty base domain', () => {
    expect(() => makeDomains({ slug: 'a', baseDomain: ' . ' })).toThrow(/base domain is empty/);
  });

  it('measures the room the longest prefix needs', () => {
    expect(measurePrefixRoom([])).toBe(0);
    expect(measurePrefixRoom(['studio', 'discovery-'])).toBe('discovery-'.length);
  });
});
