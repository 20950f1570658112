// Lint with type-aware rules, and the layers enforced: the domain never reaches for a channel, a job,
// the composition root or a database driver; jobs never reach for a channel; channels never import
// each other. test/unit/lint-layers.test.ts proves these rules bite.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const channels = ['http', 'tmf', 'ussd', 'sms', 'voice', 'web', 'phone'];

// Relative imports name a folder by how many '../' it takes to reach it, which depends on how deep
// the importing file sits. Each layer rule below is repeated per depth (0 = a file directly in the
// layer's folder) so that '../sms/x.ts' from src/channels/http/ and '../../../sms/x.ts' from
// src/channels/http/a/b/ are both caught. MAX_DEPTH bounds the nesting the rules cover; a file
// nested deeper than that is refused outright by the 'layer folders nest at most' block.
const MAX_DEPTH = 4;
const depths = Array.from({ length: MAX_DEPTH + 1 }, (_, d) => d);
const up = (d) => '../'.repeat(d + 1);
const atDepth = (folder, d) => `${folder}/${'*/'.repeat(d)}*.{ts,tsx}`;

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
  // The domain: no channel, job, CLI, seed, composition root (server.ts, runtime.ts) or driver.
  ...depths.map((d) => ({
    files: [atDepth('src/domain', d)],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/channels/**'], message: 'The domain does not know about channels.' },
            { group: ['**/store/pglite*', '**/store/postgres*', '**/store/open-store*'], message: 'The domain sees only the Db port (store/db.ts).' },
            { group: ['**/jobs/**', '**/cli/**', '**/seed/**'], message: 'The domain is called by jobs and the CLI, never the other way.' },
            { group: [`${up(d)}server.ts`, `${up(d)}runtime.ts`, '**/src/server.ts', '**/src/runtime.ts'], message: 'The domain is wired by the composition root, never imports it.' },
          ],
          paths: [
            { name: 'pg', message: 'No database driver in the domain: use the Db port.' },
            { name: '@electric-sql/pglite', message: 'No database driver in the domain: use the Db port.' },
            { name: 'fastify', message: 'No HTTP in the domain.' },
          ],
        },
      ],
    },
  })),
  // Jobs run use cases on a schedule: what a job needs lives in the domain, never in a channel.
  {
    files: ['src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/channels/**'], message: 'Jobs do not import channels: what a job needs lives in the domain.' },
            { group: ['**/cli/**', '**/seed/**'], message: 'Jobs do not import the CLI or the seed.' },
          ],
        },
      ],
    },
  },
  // Channels never import each other, from any depth.
  ...channels.flatMap((ch) =>
    depths.map((d) => ({
      files: [atDepth(`src/channels/${ch}`, d)],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: channels.filter((c) => c !== ch).flatMap((c) => [`**/channels/${c}/**`, `${up(d)}${c}/**`]),
                message: 'Channels never import each other; share through the domain, meet in src/server.ts.',
              },
              { group: ['**/store/pglite*', '**/store/postgres*'], message: 'Channels call use cases, not the store drivers.' },
            ],
          },
        ],
      },
    })),
  ),
  // src/text is the lowest layer: words, numbers and formats, importing nothing else from src/.
  ...depths.map((d) => ({
    files: [atDepth('src/text', d)],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [`${up(d)}**`, '**/src/**'], message: 'src/text is the lowest layer: it imports nothing from src/ outside src/text.' }] },
      ],
    },
  })),
  // Layer folders nest at most MAX_DEPTH deep, so the per-depth rules above cover every file.
  {
    files: ['src/{domain,text}/*/*/*/*/*/**/*.{ts,tsx}', 'src/channels/*/*/*/*/*/*/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: 'Nested deeper than the layer lint rules cover (MAX_DEPTH in eslint.config.js).' }] },
  },
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
