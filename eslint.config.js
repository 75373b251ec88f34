// Lint rules: typescript-eslint recommended, file size limits (STYLE.md §9) and the
// "one door per folder" import boundary (STYLE.md §2): a module may import another
// feature folder only through its index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const boundary = {
  // Relative imports that climb out of the folder and then reach past another folder's
  // index.js, e.g. '../messaging/encoding/gsm7.js' (use '../messaging/index.js').
  regex: '^(\\.\\./)+[^./][^/]*/(?!index\\.js$).+',
  message: 'Import another feature folder through its index.js (STYLE.md: one door per folder).',
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 350, skipBlankLines: true, skipComments: true }],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [boundary] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
