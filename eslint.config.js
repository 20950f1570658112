// Lint with type-aware rules, and the layers enforced: the domain never reaches for a channel or a
// database driver, and channels never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const channels = ['http', 'tmf', 'ussd', 'sms', 'voice', 'web', 'phone'];

export default tseslint.config(
  // web/src/api-types.ts is generated (npm run gen:api-types) and checked against a fresh generation by a test.
  { ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', 'coverage/', 'web/src/api-types.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/channels/**'], message: 'The domain does not know about channels.' },
            { group: ['**/store/pglite*', '**/store/postgres*', '**/store/open-store*'], message: 'The domain sees only the Db port (store/db.ts).' },
            { group: ['**/jobs/**', '**/cli/**', '**/seed/**'], message: 'The domain is called by jobs and the CLI, never the other way.' },
          ],
          paths: [
            { name: 'pg', message: 'No database driver in the domain: use the Db port.' },
            { name: '@electric-sql/pglite', message: 'No database driver in the domain: use the Db port.' },
            { name: 'fastify', message: 'No HTTP in the domain.' },
          ],
        },
      ],
    },
  },
  ...channels.map((ch) => ({
    files: [`src/channels/${ch}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: channels.filter((c) => c !== ch).flatMap((c) => [`**/channels/${c}/**`, `../${c}/**`, `../../${c}/**`]),
              message: 'Channels never import each other; share through the domain, meet in src/server.ts.',
            },
            { group: ['**/store/pglite*', '**/store/postgres*'], message: 'Channels call use cases, not the store drivers.' },
          ],
        },
      ],
    },
  })),
  // The web app is built for the browser on its own: nothing of web/src reaches outside web/src —
  // above all not into src/ (the server). API shapes come from web/src/api-shapes.ts, generated
  // from the OpenAPI document. A file n folders below web/src leaves it with n + 1 `../`.
  ...[0, 1, 2, 3].map((depth) => ({
    files: [`web/src/${'*/'.repeat(depth)}*.ts`, `web/src/${'*/'.repeat(depth)}*.tsx`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./){${depth + 1}}`,
              message: 'web/src does not import from outside web/src, and never from src/ (the server): take API shapes from web/src/api-shapes.ts (generated from the OpenAPI document).',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
  {
    // The web app's service worker runs in the browser, not in Node.
    files: ['web/public/**/*.js'],
    languageOptions: { globals: { self: 'readonly', caches: 'readonly', fetch: 'readonly', URL: 'readonly', Response: 'readonly' } },
  },
);
