import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDocs } from '../../src/config/render-docs';

describe('docs/configuration.md', () => {
  it('matches the schema (run `npm run docs` after changing src/config/schema.ts)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(renderConfigurationDocs());
  });

  it('documents every section with defaults and environment variables', () => {
    const text = renderConfigurationDocs();
    expect(text).toContain(
      '| `repositories[].recipe` | one of `script`, `compose`, `openedx-ansible`, `tutor` | `"script"` |',
    );
    expect(text).toContain('`DATABASE_URL`');
    expect(text).toContain('`worker.shutdown_grace` | duration | `"30s"`');
  });
});
