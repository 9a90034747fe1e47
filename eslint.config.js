import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'sessions/**', 'volumes/**', 'drizzle/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The fake Chatwoot is a separate program: nothing from the gateway (or anything else outside its folder).
  ...[['src/fake-chatwoot/*.ts', '../*'], ['src/fake-chatwoot/*/*.ts', '../../*']].map(([files, outside]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [outside], message: 'src/fake-chatwoot shares no code with the gateway: import only from inside its own folder.' }] }],
    },
  })),
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
