import { describe, expect, it } from 'vitest';
import {
  checkDatabaseSetting,
  chooseDatabaseMode,
  findDatabaseMarker,
  type DatabaseMode,
  type SettingsMap,
} from '../../../src/core/settings';

const domain = 'pr99-app.sandbox.example.com';

const table: Array<{
  name: string;
  body: string;
  settings?: SettingsMap;
  repository?: boolean | null;
  global?: boolean;
  mode: DatabaseMode;
}> = [
  { name: 'global default ephemeral', body: '', global: true, mode: 'ephemeral' },
  { name: 'global default persistent', body: '', global: false, mode: 'persistent' },
  { name: 'repository default over global', body: '', repository: false, global: true, mode: 'persistent' },
  {
    name: 'predecessor example: marker on the domain line',
    body: 'This pull request adds reticulating splines to the LMS.\n\nTest it here: pr99-app.sandbox.example.com (ephemeral databases)',
    global: false,
    mode: 'ephemeral',
  },
  {
    name: 'persistent marker',
    body: `Test it here: ${domain} (persistent databases)`,
    global: true,
    mode: 'persistent',
  },
  {
    name: 'singular "database" and any case',
    body: `${domain} (Persistent Database)`,
    global: true,
    mode: 'persistent',
  },
  {
    name: 'marker over the repository default',
    body: `${domain} (ephemeral databases)`,
    repository: false,
    global: false,
    mode: 'ephemeral',
  },
  {
    name: 'both markers on one line: ephemeral wins',
    body: `${domain} (persistent databases) (ephemeral databases)`,
    global: false,
    mode: 'ephemeral',
  },
  {
    name: 'marker on another line does not count',
    body: `${domain}\n(persistent databases)`,
    global: true,
    mode: 'ephemeral',
  },
  {
    name: "marker next to another PR's domain does not count",
    body: 'pr9-app.sandbox.example.com (persistent databases)',
    global: true,
    mode: 'ephemeral',
  },
  {
    name: 'a longer name that ends with the domain does not count',
    body: `xpr99-app.sandbox.example.com (persistent databases)`,
    global: true,
    mode: 'ephemeral',
  },
  {
    name: 'the domain in upper case still counts',
    body: `${domain.toUpperCase()} (persistent databases)`,
    global: true,
    mode: 'persistent',
  },
  {
    name: 'a prefixed domain of the instance counts',
    body: `studio-${domain} (persistent databases)`,
    global: true,
    mode: 'persistent',
  },
  {
    name: 'the domain inside a URL counts',
    body: `https://${domain}/courses (persistent databases)`,
    global: true,
    mode: 'persistent',
  },
  {
    name: 'ephemeral_databases: false in the settings wins over a marker',
    body: `${domain} (ephemeral databases)`,
    settings: { ephemeral_databases: false },
    global: true,
    mode: 'persistent',
  },
  {
    name: 'ephemeral_databases: true in the settings wins over the defaults',
    body: '',
    settings: { ephemeral_databases: true },
    repository: false,
    global: false,
    mode: 'ephemeral',
  },
  {
    name: 'a non-boolean setting is ignored',
    body: `${domain} (persistent databases)`,
    settings: { ephemeral_databases: 'yes please' },
    global: true,
    mode: 'persistent',
  },
];

const variants = table.flatMap((row) => [
  { ...row, eol: 'LF' },
  { ...row, eol: 'CRLF', body: row.body.replace(/\n/g, '\r\n') },
]);

describe('chooseDatabaseMode', () => {
  it.each(variants)('$name ($eol)', (row) => {
    const mode = chooseDatabaseMode({
      settings: row.settings ?? {},
      body: row.body,
      domain,
      repositoryDefault: row.repository ?? null,
      globalDefault: row.global ?? true,
    });
    expect(mode).toBe(row.mode);
  });

  it('finds no marker in a null body', () => {
    expect(findDatabaseMarker(null, domain)).toBeNull();
  });

  it.each([
    [{ ephemeral_databases: 'yes' }, true],
    [{ ephemeral_databases: 1 }, true],
    [{ ephemeral_databases: true }, false],
    [{ ephemeral_databases: null }, false],
    [{}, false],
  ] as Array<[SettingsMap, boolean]>)('checks the type of ephemeral_databases: %j', (settings, isError) => {
    const error = checkDatabaseSetting(settings);
    expect(error !== null).toBe(isError);
    if (error) expect(error.message).toContain('must be true or false');
  });
});
