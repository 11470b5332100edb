import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))
const officialSuite = 'src/main/server/v2/official-suite'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
          exclude: [`${officialSuite}/**`, '**/node_modules/**'],
          environment: 'node'
        }
      },
      {
        // The official chromadb 3.5.0 JS suite, vendored (see its README): jest files run by vitest
        // against our server, importing the client's own sources as upstream's do.
        extends: true,
        resolve: {
          alias: [
            { find: /^\.\.\/src(\/.*)?$/, replacement: `${here('node_modules/chromadb-v3-5-0/src')}$1` },
            { find: '@jest/globals', replacement: here(`${officialSuite}/jest-globals.ts`) },
            { find: '@chroma-core/default-embed', replacement: here(`${officialSuite}/default-embed.ts`) }
          ]
        },
        test: {
          name: 'official-suite',
          include: [`${officialSuite}/test/*.test.ts`],
          environment: 'node',
          setupFiles: [`${officialSuite}/jest-globals.ts`, `${officialSuite}/test/utils/test-env-setup.ts`],
          clearMocks: true,
          // schema.test.ts calls jest's beforeAll and jest.fn without importing them
          globals: true
        }
      }
    ]
  }
})
