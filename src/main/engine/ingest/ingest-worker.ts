// Worker thread that reads, parses and chunks an ingest job's files (prepare.ts), one task message at a
// time. Posts progress and the chunks in batches as they are made, then 'done' (or 'error'); the job
// terminates it to cancel.
import { parentPort } from 'node:worker_threads'
import { IngestFileError } from './parse.js'
import { prepareFile, type PrepareTask, type WorkerMessage } from './prepare.js'

const post = (msg: WorkerMessage): void => parentPort?.postMessage(msg)

async function run(task: PrepareTask): Promise<void> {
  try {
    const { chunks: _none, ...file } = await prepareFile(
      task,
      (progress) => post({ type: 'progress', progress }),
      undefined,
      undefined,
      (chunks) => post({ type: 'chunks', chunks })
    )
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
