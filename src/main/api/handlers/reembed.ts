// Re-embed a collection with another model, as an app job (kind 'reembed', decision 0122): checked before
// the job starts (engine/reembed.ts prepareReembed), switched in one step at the end, resumed at the next
// start when the app quit before the switch. This computer's database only: a Chroma server has no
// place to keep the new vectors apart.
import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import type { JobStatus } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'
import { AppClosing } from '../jobs.js'
import { parseEmbeddingConfig } from '../../engine/embedding/index.js'
import { InvalidArgumentError } from '../../engine/index.js'
import { prepareReembed, reembedCollection } from '../../engine/reembed.js'

/** Starts the job for a model the user chose (now, or when the re-embedding began before a restart). */
function startReembed(ctx: AppContext, collectionId: string, model: string): JobStatus {
  const running = (kind: string): boolean =>
    ctx.jobs.list().some((j) => j.kind === kind && j.collectionId === collectionId && j.state === 'running')
  const name = ctx.client.db.getCollectionById(collectionId).name
  if (running('reembed')) throw new InvalidArgumentError(`Collection [${name}] is already being re-embedded`)
  // An ingest embeds with the current model for its whole run: its vectors would land after the switch.
  if (running('ingest')) {
    throw new InvalidArgumentError(`Collection [${name}] has an ingest running: re-embed once it has finished`)
  }
  const prepared = prepareReembed(
    ctx.client.db,
    collectionId,
    ctx.modelTrust.check(model),
    ctx.connections.embeddingOptions
  )
  // Chosen by the user, so collections may load it once switched (decision 0040).
  ctx.modelTrust.allow(prepared.model)
  return ctx.jobs.start({
    kind: 'reembed',
    title: `Re-embed ${name} with ${prepared.model}`,
    unit: 'records',
    collectionId,
    run: async ({ signal, progress }) => {
      try {
        return await reembedCollection(ctx.client.db, collectionId, prepared.ef, prepared.target, {
          signal,
          keepOnAbort: (reason) => reason instanceof AppClosing,
          onProgress: (done, total, phase) => progress(done, total, phase)
        })
      } finally {
        await prepared.ef.close()
        ctx.events.emit({ type: 'collections-changed' })
        ctx.events.emit({ type: 'records-changed', collectionId })
      }
    }
  })
}

export function reembedHandlers(ctx: AppContext): Pick<Handlers, 'collections.reembed'> {
  return {
    'collections.reembed': async ({ connection, collectionId, embeddingModel }) => {
      if (connection !== undefined && connection !== LOCAL_CONNECTION) {
        throw new InvalidArgumentError(
          "Re-embed works on this computer's database. For a Chroma server's collection, copy it here, " +
            're-embed the copy, and copy it back.'
        )
      }
      return startReembed(ctx, collectionId, embeddingModel)
    }
  }
}

/**
 * Resumes the re-embeddings an earlier run left unfinished (the app quit or crashed before the switch),
 * each as a job with the vectors already made kept. One that cannot start (its model is gone) is
 * dropped, and the collection keeps its model: the reason goes to the log.
 */
export function resumeReembeds(ctx: AppContext): JobStatus[] {
  const started: JobStatus[] = []
  for (const { collectionId, target } of ctx.client.db.pendingReembeds()) {
    try {
      const model = parseEmbeddingConfig(target)?.model
      if (model === undefined || !ctx.modelTrust.allows(model)) throw new Error('its model is no longer allowed')
      started.push(startReembed(ctx, collectionId, model))
    } catch (error) {
      ctx.client.db.cancelReembed(collectionId)
      console.warn(`Re-embedding of collection ${collectionId} not resumed: ${(error as Error).message}`)
    }
  }
  return started
}
