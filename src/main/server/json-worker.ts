// The JSON worker thread (json-offload.ts, decision 0111): parses large request bodies with the same
// rules as the request thread and hands back the value (a structured clone, cheap to receive).
import { parentPort } from 'node:worker_threads'
import { parseJson } from './json-body.js'

parentPort?.on('message', ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  parentPort?.postMessage({ id, outcome: parseJson(bytes) })
})
