// Server-side embedding for scripts (docs/extensions.md, decision 0121): a write over Chroma's REST API
// (v2 or v1) that carries documents but no embeddings, and a query that carries query_texts instead of
// query_embeddings, are embedded here with the collection's own function: the same function object,
// batching, padding and worker thread as the app's writes (Collection.embedDocuments). URIs are stored,
// never read: a request cannot make the server open a file or a URL.
import type { EngineClient } from '../api/context.js'
import { InvalidArgumentError, type Collection, type EmbeddingInput } from '../engine/index.js'
import { missingEmbeddings } from './v2/decode.js'

/** A write's fields this step reads: embeddings absent (null) or given, and the documents. */
interface DocumentsWrite {
  embeddings?: unknown
  documents?: (string | null)[] | null
}

async function embedder(client: EngineClient, collectionId: string): Promise<Collection> {
  const collection = await client.getCollectionById(collectionId)
  if (collection.embeddingFunction === null) {
    throw new InvalidArgumentError(
      `Collection [${collection.name}] has no embedding function, so this server cannot embed for it: ` +
        'send embeddings (or query_embeddings)'
    )
  }
  return collection
}

/**
 * The write with its embeddings: as given, or computed from its documents when it has none. For add
 * and upsert every record needs a document then; for update (`partial`) a null document keeps the
 * record's embedding. A write with neither is returned as is (the engine or decoder refuses it).
 */
export async function withServerEmbeddings<R extends DocumentsWrite>(
  client: EngineClient,
  collectionId: string,
  write: R,
  partial: boolean
): Promise<R & { embeddings: EmbeddingInput[] }> {
  if (write.embeddings != null || write.documents == null) return write as R & { embeddings: EmbeddingInput[] }
  const documents = write.documents
  if ((await client.getCollectionById(collectionId)).embeddingFunction === null) {
    // As Chroma answers: an update's documents replace the text and keep the embedding; an add or
    // upsert without embeddings is its deserializer's 422.
    if (!partial) throw missingEmbeddings()
    return write as R & { embeddings: EmbeddingInput[] }
  }
  if (!partial) {
    const missing = documents.findIndex((d) => typeof d !== 'string')
    if (missing >= 0) {
      throw new InvalidArgumentError(
        `documents[${missing}] is null: without embeddings every record needs a document for the server to embed`
      )
    }
  }
  const collection = await embedder(client, collectionId)
  const embeddings = await collection.embedDocuments(documents, partial)
  return { ...write, embeddings: embeddings as EmbeddingInput[] }
}

/** query_texts as query vectors, with the collection's function. */
export async function queryTextEmbeddings(
  client: EngineClient,
  collectionId: string,
  texts: unknown
): Promise<EmbeddingInput[]> {
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
    throw new InvalidArgumentError('query_texts must be a non-empty list of strings')
  }
  const collection = await embedder(client, collectionId)
  return collection.embedQueryTexts(texts)
}

/**
 * The embed extension (`POST …/collections/{id}/chromadesk/embed`, decision 0140): texts as the
 * collection's documents are embedded, for Chroma's `huggingface_server` function and for scripts.
 * At most the pre-flight `max_batch_size` texts a call, as for a write.
 */
export async function embedTexts(client: EngineClient, collectionId: string, texts: string[]): Promise<number[][]> {
  const limit = client.db.preflightChecks().max_batch_size
  if (texts.length > limit) {
    throw new InvalidArgumentError(`Cannot embed ${texts.length} texts in one call: at most ${limit} (max_batch_size)`)
  }
  const collection = await embedder(client, collectionId)
  return (await collection.embedDocuments(texts)) as number[][]
}
