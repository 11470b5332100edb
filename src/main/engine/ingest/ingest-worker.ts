// Worker thread that reads, parses and chunks an ingest job's files (prepare.ts), one task message at a
// time. Posts progress, the chunks in batches, then 'done' (or 'error'); the job terminates it to cancel.
import { parentPort } from 'node:worker_threads'
import { IngestFileError } from './parse.js'
import { CHUNK_BATCH, prepareFile, type PrepareTask, type WorkerMessage } from './prepare.js'

const post = (msg: WorkerMessage): void => parentPort?.postMessage(msg)

async function run(task: PrepareTask): Promise<void> {
  try {
    const { chunks, ...file } = await prepareFile(task, (progress) => post({ type: 'progress', progress }))
    for (let i = 0; i < chunks.length; i += CHUNK_BATCH)
      post({ type: 'chunks', chunks: chunks.slice(i, i + CHUNK_BATCH) })
    post({ type: 'done', file })
  } catch (err) {
    post({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      ...(err instanceof IngestFileError ? { reason: err.reason, name: err.name } : {})
    })
  }
}

parentPort?.on('message', (task: PrepareTask) => void run(task))
