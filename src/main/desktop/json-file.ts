// The desktop stores' files: read leniently (a missing or damaged file means defaults), written
// atomically and durably, readable by the user only.
import { readFileSync } from 'node:fs'
import { replaceFileDurably } from '../engine/durable-file.js'

/** The file's JSON value, or undefined when it is missing or not JSON. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

/** A setting that was saved is still saved after a crash or power loss: synced, then renamed over. */
export function writeJsonFile(file: string, value: unknown): void {
  replaceFileDurably(file, JSON.stringify(value, null, 2), 0o600)
}
