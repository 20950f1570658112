// Lint with type-aware rules, and the layers enforced: the domain never reaches for a channel or a
// database driver, and channels never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const channels = ['http', 'tmf', 'ussd', 'sms', 'voice', 'web', 'phone'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', 'coverage/'] },
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
  {
    // src/text is the lowest layer of presentation (formatting, statement of price, transliteration,
    // spoken numbers): it imports npm packages and other src/text files only, never the rest of src/.
    files: ['src/text/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(?!text/)|(?:^|/)src/', message: 'src/text imports nothing from src/ outside src/text.' }] },
      ],
    },
  },
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
