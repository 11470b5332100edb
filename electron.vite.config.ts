import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

// Three bundles: main (Electron entry + the headless server entry), preload, renderer.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          serve: resolve('src/main/cli/serve.ts'),
          cli: resolve('src/main/cli/cli.ts'),
          // The embedding worker thread's entry; the engine looks for it beside its own module.
          'embedding-worker': resolve('src/main/engine/embedding/embedding-worker.ts'),
          // The index worker (write-behind HNSW insertion), found the same way.
          'index-worker': resolve('src/main/engine/vector-index/index-worker.ts'),
          // Compaction (VACUUM on its own connection, decision 0075), found the same way.
          'compact-worker': resolve('src/main/engine/store/compact-worker.ts'),
          // Backup and restore copy and check files here (portability/backup.ts finds it the same way).
          'backup-worker': resolve('src/main/portability/backup-worker.ts'),
          // The Map tab's layouts (map/run-layout.ts finds it the same way).
          'layout-worker': resolve('src/main/map/layout-worker.ts'),
          // Ingest reads, parses and chunks files here (engine/ingest/prepare.ts finds it the same way).
          'ingest-worker': resolve('src/main/engine/ingest/ingest-worker.ts'),
          // Large JSON request bodies are parsed here (server/json-offload.ts finds it the same way).
          'json-worker': resolve('src/main/server/json-worker.ts')
        },
        // One flat folder, so shared chunks and the worker entry sit side by side.
        output: { chunkFileNames: '[name]-[hash].js' }
      }
    }
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload cannot load ES modules or sibling files: one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      // Minified: the same bundle is what a browser downloads from the local server.
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } }
    },
    plugins: [react()]
  }
})
