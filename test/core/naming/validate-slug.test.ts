import { describe, expect, it } from 'vitest';
import { isSandboxError } from '../../../src/core/errors';
import { checkSlug, validateSlug } from '../../../src/core/naming';

describe('validateSlug', () => {
  it.each(['demo', 'pr42-app', 'a', '0', 'x'.repeat(63), 'release-2024-q1'])('accepts %s', (slug) => {
    expect(validateSlug(slug)).toBe(slug);
  });

  it.each([
    ['', 'empty', null],
    ['My_App', 'lowercase letters', 'my-app'],
    ['-demo', 'start or end with a hyphen', 'demo'],
    ['demo-', 'start or end with a hyphen', 'demo'],
    ['de--mo', 'two hyphens in a row', 'de-mo'],
    ['x'.repeat(64), 'more than the 63', 'x'.repeat(63)],
    ['demo.example', 'lowercase letters', 'demo-example'],
    ['démo', 'lowercase letters', 'd-mo'],
  ])('refuses %j: %s', (slug, problem, suggestion) => {
    const check = checkSlug(slug);
    expect(check).toEqual({ ok: false, problem: expect.stringContaining(problem) as string, suggestion });
    let caught: unknown;
    try {
      validateSlug(slug);
    } catch (error) {
      caught = error;
    }
    expect(isSandboxError(caught, 'usage')).toBe(true);
    expect((caught as Error).message).toContain(`invalid instance slug "${slug}"`);
    if (suggestion) expect((caught as Error).message).toContain(`try "${suggestion}"`);
  });

  it('takes a smaller maximum to leave room for prefixes', () => {
    expect(checkSlug('x'.repeat(60), 55).ok).toBe(false);
  });
});
