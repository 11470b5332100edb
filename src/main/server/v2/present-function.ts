// How Chroma's clients see a collection's embedding function (decision 0140). The default model is
// stored as Chroma's own `default` and shown as it is. Any other model is stored as `transformers`
// (decision 0120), a name no client knows: over REST it is shown as Chroma's `huggingface_server`
// function pointing at this collection's embed route, so Python's client (built in) and the JS
// client (with @chroma-core/huggingface-server) embed through this server with the collection's own
// model. What is stored does not change; only the answer to a client does.
import type { CollectionModel, EmbeddingFunctionConfig, UpdateCollectionRequest } from '../../engine/index.js'
import { schemaWithConfiguration } from '../../engine/collection-schema.js'

/** The embed extension's last path segments, under a collection's v2 path. */
export const EMBED_ROUTE = 'chromadesk/embed'

/** The URL of a collection's embed route, as a client that reached `origin` can call it. */
export function embedUrl(origin: string, c: Pick<CollectionModel, 'id' | 'tenant' | 'database'>): string {
  const enc = encodeURIComponent
  return `${origin}/api/v2/tenants/${enc(c.tenant)}/databases/${enc(c.database)}/collections/${c.id}/${EMBED_ROUTE}`
}

/** The collection as Chroma's clients are shown it: a `transformers` function becomes `huggingface_server`. */
export function presentForClients(model: CollectionModel, origin: string): CollectionModel {
  const ef = model.configuration_json.embedding_function
  if (ef?.type !== 'known' || ef.name !== 'transformers') return model
  // Exactly the keys Chroma's huggingface_server schema allows (additionalProperties: false).
  const shown: EmbeddingFunctionConfig = {
    type: 'known',
    name: 'huggingface_server',
    config: { url: embedUrl(origin, model), api_key_env_var: null }
  }
  return {
    ...model,
    configuration_json: { ...model.configuration_json, embedding_function: shown },
    schema: model.schema && schemaWithConfiguration(model.schema, { embedding_function: shown })
  }
}

/**
 * A modify that sends back the function it was shown (a client echoing its configuration) changes
 * nothing: storing it would replace the collection's model with a pointer to itself.
 */
export function withoutShownFunction(collectionId: string, update: UpdateCollectionRequest): UpdateCollectionRequest {
  const ef = update.new_configuration?.embedding_function
  if (ef?.type !== 'known' || ef.name !== 'huggingface_server') return update
  const url = ef.config?.url
  if (typeof url !== 'string' || !url.endsWith(`/collections/${collectionId}/${EMBED_ROUTE}`)) return update
  const { embedding_function: _shown, ...rest } = update.new_configuration ?? {}
  return { ...update, new_configuration: rest }
}
