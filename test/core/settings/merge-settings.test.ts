import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSettings, type SettingsMap, type SettingsValue } from '../../../src/core/settings';

const table: Array<{ name: string; defaults: SettingsMap; pr: SettingsMap; merged: SettingsMap }> = [
  { name: 'both empty', defaults: {}, pr: {}, merged: {} },
  { name: 'defaults only', defaults: { A: 1 }, pr: {}, merged: { A: 1 } },
  { name: 'PR only', defaults: {}, pr: { A: 1 }, merged: { A: 1 } },
  { name: 'PR scalar wins', defaults: { A: 1 }, pr: { A: 2 }, merged: { A: 2 } },
  {
    name: 'mappings merge recursively',
    defaults: { F: { A: true, B: true } },
    pr: { F: { B: false, C: true } },
    merged: { F: { A: true, B: false, C: true } },
  },
  {
    name: 'three levels deep',
    defaults: { X: { Y: { Z: 1, W: 2 } } },
    pr: { X: { Y: { Z: 3 } } },
    merged: { X: { Y: { Z: 3, W: 2 } } },
  },
  {
    name: 'lists are replaced, not concatenated',
    defaults: { L: ['en', 'fr'] },
    pr: { L: ['de'] },
    merged: { L: ['de'] },
  },
  { name: 'an empty PR list replaces a default list', defaults: { L: [1, 2] }, pr: { L: [] }, merged: { L: [] } },
  {
    name: 'a PR scalar replaces a default mapping',
    defaults: { A: { B: 1 } },
    pr: { A: 'flat' },
    merged: { A: 'flat' },
  },
  {
    name: 'a PR mapping replaces a default scalar',
    defaults: { A: 'flat' },
    pr: { A: { B: 1 } },
    merged: { A: { B: 1 } },
  },
  { name: 'a PR mapping replaces a default list', defaults: { A: [1] }, pr: { A: { B: 1 } }, merged: { A: { B: 1 } } },
  { name: 'explicit null removes a top-level key', defaults: { A: 1, B: 2 }, pr: { A: null }, merged: { B: 2 } },
  {
    name: 'explicit null removes a nested key',
    defaults: { F: { A: 1, B: 2 } },
    pr: { F: { A: null } },
    merged: { F: { B: 2 } },
  },
  {
    name: 'null for a key the defaults lack leaves nothing behind',
    defaults: {},
    pr: { A: null, F: { B: null } },
    merged: { F: {} },
  },
  {
    name: 'null inside a list is kept (lists are values)',
    defaults: {},
    pr: { L: [null, 1] },
    merged: { L: [null, 1] },
  },
  {
    name: 'null in the defaults stays when the PR does not mention it',
    defaults: { A: null },
    pr: {},
    merged: { A: null },
  },
  {
    name: 'false and 0 and empty text are values, not removals',
    defaults: { A: true, B: 1, C: 'x' },
    pr: { A: false, B: 0, C: '' },
    merged: { A: false, B: 0, C: '' },
  },
  {
    name: 'the documented example',
    defaults: { EDXAPP_FEATURES: { A: true, B: true }, LANGS: ['en', 'fr'], DEBUG: false },
    pr: { EDXAPP_FEATURES: { B: false, C: true }, LANGS: ['de'], DEBUG: null },
    merged: { EDXAPP_FEATURES: { A: true, B: false, C: true }, LANGS: ['de'] },
  },
];

describe('mergeSettings', () => {
  it.each(table)('$name', ({ defaults, pr, merged }) => {
    const before = structuredClone({ defaults, pr });
    const result = mergeSettings(defaults, pr);
    expect(result).toEqual(merged);
    expect({ defaults, pr }).toEqual(before);
  });

  it('keeps default key order and appends keys only the PR has', () => {
    expect(Object.keys(mergeSettings({ A: 1, B: 2, C: 3 }, { D: 4, B: 5 }))).toEqual(['A', 'B', 'C', 'D']);
  });

  it('shares no objects with its inputs', () => {
    const defaults: SettingsMap = { F: { A: [1, 2] }, G: { H: 1 } };
    const pr: SettingsMap = { P: { Q: [3] } };
    const result = mergeSettings(defaults, pr);
    ((result.F as SettingsMap).A as number[]).push(9);
    ((result.P as SettingsMap).Q as number[]).push(9);
    (result.G as SettingsMap).H = 2;
    expect(defaults).toEqual({ F: { A: [1, 2] }, G: { H: 1 } });
    expect(pr).toEqual({ P: { Q: [3] } });
  });

  it('never writes to a prototype through a __proto__ key', () => {
    const pr = JSON.parse('{"__proto__": {"polluted": true}}') as SettingsMap;
    const result = mergeSettings({}, pr);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// Settings data as YAML gives it: JSON values.
const key = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'FEATURES', 'x');
const { value: settingsValue } = fc.letrec<{ value: SettingsValue; map: SettingsMap }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('map'),
  ),
  map: fc.dictionary(key, tie('value'), { maxKeys: 4 }) as fc.Arbitrary<SettingsMap>,
}));
const settingsMap = fc.dictionary(key, settingsValue, { maxKeys: 5 }) as fc.Arbitrary<SettingsMap>;

function hasNullInMappings(value: SettingsValue): boolean {
  if (value === null) return true;
  if (Array.isArray(value))
    return value.some((item) => item !== null && typeof item === 'object' && hasNullInMappings(item));
  if (typeof value === 'object') return Object.values(value).some(hasNullInMappings);
  return false;
}

describe('mergeSettings properties', () => {
  it('merging an empty PR changes nothing', () => {
    fc.assert(
      fc.property(settingsMap, (defaults) => {
        expect(mergeSettings(defaults, {})).toEqual(defaults);
      }),
    );
  });

  it('merging a PR without nulls into empty defaults gives the PR', () => {
    fc.assert(
      fc.property(
        settingsMap.filter((pr) => !hasNullInMappings(pr)),
        (pr) => {
          expect(mergeSettings({}, pr)).toEqual(pr);
        },
      ),
    );
  });

  it('the PR side always wins for scalars and lists', () => {
    fc.assert(
      fc.property(settingsMap, settingsMap, (defaults, pr) => {
        const merged = mergeSettings(defaults, pr);
        for (const [name, value] of Object.entries(pr)) {
          if (value === null) expect(Object.hasOwn(merged, name)).toBe(false);
          else if (typeof value !== 'object' || Array.isArray(value)) expect(merged[name]).toEqual(value);
        }
      }),
    );
  });

  it('keys the PR does not mention keep their default', () => {
    fc.assert(
      fc.property(settingsMap, settingsMap, (defaults, pr) => {
        const merged = mergeSettings(defaults, pr);
        for (const [name, value] of Object.entries(defaults))
          if (!Object.hasOwn(pr, name)) expect(merged[name]).toEqual(value);
      }),
    );
  });

  it('is idempotent: applying the same PR twice is applying it once', () => {
    fc.assert(
      fc.property(settingsMap, settingsMap, (defaults, pr) => {
        const once = mergeSettings(defaults, pr);
        expect(mergeSettings(once, pr)).toEqual(once);
      }),
    );
  });

  it('never mutates its inputs', () => {
    fc.assert(
      fc.property(settingsMap, settingsMap, (defaults, pr) => {
        const before = structuredClone({ defaults, pr });
        mergeSettings(defaults, pr);
        expect({ defaults, pr }).toEqual(before);
      }),
    );
  });
});
