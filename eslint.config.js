// Lint: ESLint's and typescript-eslint's recommended rules (npm run lint,
// with prettier --check; CI runs it after the typecheck).
import { createRequire } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';

// typescript-eslint parses with TypeScript's compiler API, which the
// `typescript` package no longer ships from version 7 on (its compiler is
// native). Until typescript-eslint reads TypeScript 7, it gets the API of
// TypeScript 6 (the devDependency typescript-api): the entry its
// require('typescript') resolves to is filled in Node's module cache before
// typescript-eslint loads. Type checking stays with TypeScript 7 (npm run typecheck).
const require = createRequire(import.meta.url);
const estree = createRequire(require.resolve('@typescript-eslint/typescript-estree'));
const entry = estree.resolve('typescript');
require.cache[entry] = { id: entry, filename: entry, loaded: true, exports: require('typescript-api') };
const { default: js } = await import('@eslint/js');
const { default: tseslint } = await import('typescript-eslint');

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', 'var/', 'media/', 'test-results/', 'lib/static/vendor/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `const { a: _a, ...rest } = x` is how a key is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Refusing control characters (in form input, file names) is what these patterns are for.
      'no-control-regex': 'off',
    },
  },
  {
    // The browser's scripts; orbis.js defines window.Orbis for the others.
    files: ['lib/static/js/**/*.js'],
    languageOptions: { globals: { ...globals.browser, Orbis: 'readonly' } },
  },
  {
    // pm2 reads its ecosystem file with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests reshape parsed YAML and JSON trees of no fixed type.
      '@typescript-eslint/no-explicit-any': 'off',
      // Terse parsing loops in tests advance with comma sequences.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
