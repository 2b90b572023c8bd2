import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.reelstream/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The layering (docs/architecture.md): operators and topologies are pure and never touch a client.
    files: ['processors/**/*.ts', 'topologies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['kafkajs', 'node-rdkafka', 'ioredis', '@clickhouse/*', 'clickhouse'],
              message: 'processors/ and topologies/ do no I/O',
            },
            {
              group: ['**/runtime/kafka/**', '**/sinks/**', '**/infra/**', '**/cli/**'],
              message: 'processors/ and topologies/ do no I/O',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/topologies/**', '**/cli/**'], message: 'runtime/ never imports topologies/ or cli/' },
          ],
        },
      ],
    },
  },
  {
    // The ground floor: everything may import core/, and core/ imports no other part of the project.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!./*'],
              message: 'core/ is the ground floor: it imports libraries only, never another part of reelstream',
            },
          ],
        },
      ],
    },
  },
);
