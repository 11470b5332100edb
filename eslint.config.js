import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'out',
      'dist',
      '.tsbuild',
      'test-results',
      'playwright-report',
      '.tmp',
      'release',
      '.electron-package',
      // the official chromadb JS suite, vendored unchanged but for its setup (see its README)
      'src/main/server/v2/official-suite/test'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // The engine is a plain Node library: no Electron, no HTTP framework.
    files: ['src/main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['electron', 'fastify'], patterns: ['@fastify/*', '../server/*', '../ipc/*'] }
      ]
    }
  },
  {
    // Test-only code lives in testing/ folders, which no build includes (tsconfig.lib.json leaves them
    // out; the app bundles only what its entries import): shipped engine code must not import it.
    files: ['src/main/engine/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', 'src/main/engine/differential/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'fastify'],
          patterns: ['@fastify/*', '../server/*', '../ipc/*', '**/testing/**', './testing/**', '../testing/**']
        }
      ]
    }
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bench/**/*.mjs', '*.config.js'],
    languageOptions: { globals: globals.node }
  }
)
