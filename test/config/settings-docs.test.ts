import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fieldsBegin,
  fieldsEnd,
  renderFieldsTable,
  renderSettingsDocs,
} from '../../src/infra/recipes/render-field-docs';

describe('docs/settings.md', () => {
  const path = join(import.meta.dirname, '..', '..', 'docs', 'settings.md');

  it('has the fields table the recipes declare (run `npm run docs` after changing a recipe’s fields)', () => {
    const committed = readFileSync(path, 'utf8');
    expect(committed).toBe(renderSettingsDocs(committed));
  });

  it('lists each recipe’s fields with their defaults and PR keys, aliases included', () => {
    const table = renderFieldsTable();
    expect(table).toContain(
      '| `openedx-ansible` | `configuration_source_repo_url` | `https://github.com/openedx/configuration.git` | `configuration_source_repo_url`, `edx_ansible_source_repo` |',
    );
    expect(table).toContain('| `openedx-ansible` | `configuration_playbook_name` | `playbooks/openedx_native.yml` |');
    expect(table).toContain('| `tutor` | `tutor_version` | `21.0.8` | `tutor_version` |');
    expect(table).toContain('| `script` | – |');
  });

  it('replaces only the text between the markers, and says so when they are gone', () => {
    expect(renderSettingsDocs(`before\n${fieldsBegin}\nstale\n${fieldsEnd}\nafter\n`)).toBe(
      `before\n${renderFieldsTable()}\nafter\n`,
    );
    expect(() => renderSettingsDocs('no markers')).toThrow(/mark where the fields table goes/);
  });
});
