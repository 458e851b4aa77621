import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noEnums = [{ selector: 'TSEnumDeclaration', message: 'Use a string union instead of an enum.' }];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'bench/results/**', 'test-results/**', 'drizzle/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', ...noEnums],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Core never reads process.env; take values as arguments.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/github/**',
                '**/bot/**',
                '**/jobs/**',
                '**/web/**',
                '**/infra/**',
                '**/cli/**',
                '**/app/**',
                '**/config/**',
              ],
              message:
                'Core imports nothing outside core: define a port in src/core/ports and let src/app hand in the adapter.',
            },
            {
              group: ['**/drizzle/**', 'drizzle-orm', 'drizzle-orm/*', 'pg'],
              message:
                'Core never sees database rows: define the domain type in src/core and map the row in src/infra/db.',
            },
          ],
        },
      ],
    },
  },
  // The layers (docs/architecture.md): inbound surfaces never import each other, infra never imports jobs,
  // surfaces or the composition root, jobs never import surfaces. Relative paths, so one rule per depth.
  ...layerRules(
    'src/bot',
    ['github', 'web', 'cli', 'jobs'],
    'Surfaces never import each other (or the jobs): share through core, src/infra or src/app.',
  ),
  ...layerRules(
    'src/github',
    ['bot', 'web', 'cli', 'jobs'],
    'Surfaces never import each other (or the jobs): share through core, src/infra or src/app.',
  ),
  ...layerRules(
    'src/web',
    ['bot', 'github', 'cli', 'jobs'],
    'Surfaces never import each other (or the jobs): share through core, src/infra or src/app.',
  ),
  ...layerRules(
    'src/cli',
    ['bot', 'github', 'web', 'jobs'],
    'Surfaces never import each other (or the jobs): share through core, src/infra or src/app.',
  ),
  ...layerRules(
    'src/infra',
    ['jobs', 'bot', 'github', 'web', 'cli', 'app'],
    'Outbound adapters never import jobs, surfaces or the composition root.',
  ),
  ...layerRules(
    'src/jobs',
    ['bot', 'github', 'web', 'cli', 'app'],
    'Jobs never import surfaces or the composition root: src/app hands them their deps.',
  ),
  // Raw SQL only in src/infra/db (the adapters of the Store and the other repositories).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/infra/db/**', 'src/infra/databases/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...noEnums,
        {
          selector: "CallExpression[callee.property.name='query']",
          message: 'Raw SQL lives in src/infra/db: add a query function there.',
        },
        {
          selector: "TaggedTemplateExpression[tag.name='sql']",
          message: 'Raw SQL lives in src/infra/db: add a query function there.',
        },
      ],
    },
  },
);

/**
 * `no-restricted-imports` for every file under `dir`: a relative import that
 * climbs out of `dir` into one of `forbidden` (siblings under src/) is an error.
 */
function layerRules(dir, forbidden, message) {
  const names = forbidden.join('|');
  return [0, 1, 2, 3, 4].map((depth) => ({
    files: [`${dir}/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./){${depth + 1}}(${names})(/|$)`, message }] }],
    },
  }));
}
