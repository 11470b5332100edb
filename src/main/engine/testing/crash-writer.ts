// Child process for crash.test.ts (test-only, like everything under testing/: no build includes it).
// Writes records in small calls against a PersistentClient and prints "ACK <id> ..." only after each
// call has returned, until the parent SIGKILLs it. Some calls are upserts of earlier ids, queries
// (which load the index) or createIndex() (which writes a snapshot), so kills also land inside
// snapshot writes.
//   node --import tsx src/main/engine/testing/crash-writer.ts <dir> <run> <seed>
import { writeSync } from 'node:fs'
import { PersistentClient } from '../index.js'

const [dir, run, seedArg] = process.argv.slice(2) as [string, string, string]
const DIM = 16
let state = Number(seedArg) >>> 0 || 1
const rand = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0
  return state / 4294967296
}
const vector = (): number[] => Array.from({ length: DIM }, () => rand() * 2 - 1)
// Written with writeSync so a line is in the pipe before the next call starts.
const say = (line: string): void => {
  writeSync(1, `${line}\n`)
}

const client = new PersistentClient({ path: dir })
const collection = await client.getOrCreateCollection({ name: 'crash-test', embeddingFunction: null })
say('READY')
for (let call = 0; ; call++) {
  const roll = rand()
  if (roll < 0.05) {
    await collection.createIndex()
  } else if (roll < 0.15) {
    await collection.query({ queryEmbeddings: [vector()], nResults: 5 })
  } else {
    const count = 1 + Math.floor(rand() * 20)
    const ids = Array.from({ length: count }, (_, i) => `r${run}-c${call}-${i}`)
    const embeddings = ids.map(() => vector())
    if (roll < 0.3 && call > 0) {
      // Upsert also rewrites some ids of this run's first call (vector updates in the index).
      ids.push(`r${run}-c0-0`)
      embeddings.push(vector())
      await collection.upsert({ ids, embeddings, metadatas: ids.map(() => ({ run: Number(run) })) })
    } else {
      await collection.add({ ids, embeddings, metadatas: ids.map(() => ({ run: Number(run) })) })
    }
    say(`ACK ${ids.join(' ')}`)
  }
}
